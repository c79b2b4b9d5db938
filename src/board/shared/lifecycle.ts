// Graceful shutdown shared by the tiers: on SIGTERM/SIGINT stop accepting, let in-flight
// requests finish, release resources, exit 0. `close` is given the grace period and must end
// within it (the app tier answers what is still in flight when it runs out); a second signal,
// or a close still running 2 s past the grace, forces exit 1.
import type { Logger } from './logger.js';

export const DEFAULT_SHUTDOWN_GRACE_MS = 10_000;

export function onShutdown(log: Logger, close: (graceMs: number) => Promise<void>, graceMs = DEFAULT_SHUTDOWN_GRACE_MS): void {
  let closing = false;
  const stop = (signal: string) => {
    if (closing) process.exit(1);
    closing = true;
    log.info({ signal, graceMs }, 'shutting down');
    const timer = setTimeout(() => {
      log.error({ graceMs }, 'shutdown took too long; exiting');
      process.exit(1);
    }, graceMs + 2000);
    timer.unref();
    close(graceMs).then(
      () => {
        log.info('stopped');
        log.flush(() => process.exit(0));
      },
      (err: unknown) => {
        log.error({ err }, 'error while shutting down');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

/** Runs a tier's main(): a configuration error prints one line naming the variable and exits 2. */
export function runMain(main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    const e = err as Error;
    if (e?.name === 'ConfigError') {
      process.stderr.write(`${e.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`${e?.stack ?? String(err)}\n`);
    process.exit(1);
  });
}
