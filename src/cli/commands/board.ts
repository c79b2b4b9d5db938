// `berth serve`: the board on this machine, no Docker and no cloud (the same as `npm start`).
import type { Command } from 'commander';

export function registerBoardCommands(program: Command): void {
  program
    .command('serve')
    .description('run the board locally: web and app tiers on an embedded SQLite database (or DATABASE_URL)')
    .option('--port <port>', 'web port (default: WEB_PORT or 8080)')
    .option('--app-port <port>', 'app (REST) port (default: APP_PORT or 5555)')
    .action(async (opts: { port?: string; appPort?: string }) => {
      if (opts.port) process.env.WEB_PORT = opts.port;
      if (opts.appPort) process.env.APP_PORT = opts.appPort;
      await import('../../board/start.js');
    });
}
