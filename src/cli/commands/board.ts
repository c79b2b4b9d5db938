// `berth serve`: the board on this machine, no Docker and no cloud (the same as `npm start`).
import type { Command } from 'commander';
import { int } from '../options.js';

export function registerBoardCommands(program: Command): void {
  program
    .command('serve')
    .description('run the board locally: web and app tiers on an embedded SQLite database (or DATABASE_URL)')
    .option('--port <port>', 'web port (default: WEB_PORT or 8080)', int(1, 65535))
    .option('--app-port <port>', 'app (REST) port (default: APP_PORT or 5555)', int(1, 65535))
    .action(async (opts: { port?: number; appPort?: number }) => {
      if (opts.port) process.env.WEB_PORT = String(opts.port);
      if (opts.appPort) process.env.APP_PORT = String(opts.appPort);
      await import('../../board/start.js');
    });
}
