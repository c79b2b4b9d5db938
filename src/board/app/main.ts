// Starts the app tier alone: `npm run start:app` locally, the entry point of the app image.
import { pathToFileURL } from 'node:url';
import type { DestinationStream } from 'pino';
import type { Env } from '../shared/env.js';
import { createLogger } from '../shared/logger.js';
import { onShutdown, runMain } from '../shared/lifecycle.js';
import { describeTarget } from '../dbs/url.js';
import { listenOn } from '../shared/http-server.js';
import { loadAppConfig } from './config.js';
import { useCursorKey } from '../shared/cursor.js';
import { openDatabase } from './open-database.js';
import { errorBody, errorMessage } from '../shared/error-codes.js';
import { buildAppServer } from './server.js';

export async function startApp(env: Env = process.env, logTo?: DestinationStream) {
  const config = loadAppConfig(env);
  if (config.cursorKey) useCursorKey(config.cursorKey);
  const log = createLogger('app', config.logLevel, logTo);
  const database = openDatabase(config.database, { statementTimeoutMs: config.dbTimeoutMs });
  const { app, schema, bodies } = buildAppServer(config, database, log);
  await listenOn(app, config.host, config.port, 'APP_PORT');
  log.info({ database: describeTarget(config.database) }, 'app tier ready');
  /**
   * Stops within `graceMs`: requests in flight may finish until 70% of it; then those still
   * sending a body are answered 503, database work still waiting is given up (503: not stored;
   * 504 if its COMMIT was already sent), and at 80% any connection left is closed. The database
   * gets the rest, bounded, whether or not its server answers.
   */
  const close = async (graceMs = config.shutdownGraceMs) => {
    const cut = setTimeout(() => {
      log.warn({ graceMs, receiving: bodies.count }, 'shutdown grace running out: answering the requests still in flight');
      bodies.answerAll(503, (id) => errorBody('shutting_down', errorMessage('shutting_down'), id));
      database.abandonAll();
    }, graceMs * 0.7);
    const force = setTimeout(() => app.server.closeAllConnections(), graceMs * 0.8);
    try {
      await app.close();
    } finally {
      clearTimeout(cut);
      clearTimeout(force);
    }
    await database.close(graceMs * 0.15);
  };
  return {
    app,
    log,
    close,
    shutdownGraceMs: config.shutdownGraceMs,
    ready: schema.done,
    url: `http://${config.host}:${(app.server.address() as { port: number }).port}`,
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runMain(async () => {
    const { log, close, shutdownGraceMs } = await startApp();
    onShutdown(log, close, shutdownGraceMs);
  });
}
