// JSON logs (pino) for every tier. Secrets are redacted by path so that nothing that logs a
// header or a config object can leak a password or token.
import pino, { type Logger } from 'pino';

export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  '*.password',
  '*.token',
  '*.adminToken',
  '*.databaseUrl',
];

export function createLogger(name: string, level: string, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    name,
    level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: { tier: name },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  // Asynchronous stdout: a request no longer waits on one write(2) per log line. Lines still
  // go out in order, and onShutdown flushes them before the process exits.
  return pino(options, destination ?? pino.destination({ dest: 1, sync: false }));
}

export type { Logger };
