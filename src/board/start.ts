// `npm start`: the whole board on one machine with no Docker and no cloud. The app tier runs on
// an embedded SQLite file (or DATABASE_URL) and the web tier reaches it over HTTP on loopback,
// exactly as the separate containers do.
import { createLogger } from './shared/logger.js';
import { onShutdown, runMain } from './shared/lifecycle.js';
import { startApp } from './app/main.js';
import { startWeb } from './web/main.js';

runMain(async () => {
  const app = await startApp();
  const web = await startWeb({ ...process.env, REST_URL: process.env.REST_URL ?? app.url });
  process.stdout.write(`\nThe board is running at ${web.url}  (Ctrl-C to stop)\n\n`);
  onShutdown(
    createLogger('board', 'info'),
    async (graceMs) => {
      await web.close();
      await app.close(graceMs);
    },
    app.shutdownGraceMs,
  );
});
