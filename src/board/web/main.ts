// Starts the web tier alone: `npm run start:web` locally, the entry point of the web image.
import { pathToFileURL } from 'node:url';
import type { DestinationStream } from 'pino';
import type { Env } from '../shared/env.js';
import { createLogger } from '../shared/logger.js';
import { onShutdown, runMain } from '../shared/lifecycle.js';
import { listenOn } from '../shared/http-server.js';
import { loadWebConfig } from './config.js';
import { buildWebServer } from './server.js';

export async function startWeb(env: Env = process.env, logTo?: DestinationStream) {
  const config = loadWebConfig(env);
  const log = createLogger('web', config.logLevel, logTo);
  const app = buildWebServer(config, log);
  await listenOn(app, config.host, config.port, 'WEB_PORT');
  const port = (app.server.address() as { port: number }).port;
  log.info({ restUrl: config.restUrl }, 'web tier ready');
  return { app, log, close: () => app.close(), url: `http://${config.host}:${port}/` };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runMain(async () => {
    const { log, close } = await startWeb();
    onShutdown(log, close);
  });
}
