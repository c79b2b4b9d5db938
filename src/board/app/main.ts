// Starts the app tier alone: `npm run start:app` locally, the entry point of the app image.
import { pathToFileURL } from 'node:url';
import type { DestinationStream } from 'pino';
import type { Env } from '../../shared/env.js';
import { createLogger } from '../../shared/logger.js';
import { onShutdown, runMain } from '../../shared/lifecycle.js';
import { describeTarget } from '../dbs/url.js';
import { listenOn } from '../shared/http-server.js';
import { loadAppConfig } from './config.js';
import { openDatabase } from './open-database.js';
import { buildAppServer } from './server.js';

export async function startApp(env: Env = process.env, logTo?: DestinationStream) {
  const config = loadAppConfig(env);
  const log = createLogger('app', config.logLevel, logTo);
  const database = openDatabase(config.database, { statementTimeoutMs: config.dbTimeoutMs });
  const { app, schema } = buildAppServer(config, database, log);
  await listenOn(app, config.host, config.port, 'APP_PORT');
  log.info({ database: describeTarget(config.database) }, 'app tier ready');
  const close = async () => {
    await app.close();
    await database.close();
  };
  return { app, log, close, ready: schema.done, url: `http://${config.host}:${(app.server.address() as { port: number }).port}` };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runMain(async () => {
    const { log, close } = await startApp();
    onShutdown(log, close);
  });
}
