// JSON logs (pino) for every tier. Secrets are redacted by name and by shape (see redact.ts):
// whatever a tier logs, at any depth, in a field, a message or an error, no password, token or
// credential in a URL reaches the log.
import pino, { type Logger } from 'pino';
import { redactString, redactValue } from './redact.js';

export function createLogger(name: string, level: string, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    name,
    level,
    base: { tier: name },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: {
      log: (obj) => redactValue(obj, pino.stdSerializers.err) as Record<string, unknown>,
    },
    hooks: {
      // Messages are not fields: redact the strings among the arguments of each call.
      logMethod(args, method) {
        for (let i = 0; i < args.length; i++) if (typeof args[i] === 'string') args[i] = redactString(args[i] as string);
        return method.apply(this, args);
      },
    },
  };
  // Asynchronous stdout: a request no longer waits on one write(2) per log line. Lines still
  // go out in order, and onShutdown flushes them before the process exits.
  return pino(options, destination ?? pino.destination({ dest: 1, sync: false }));
}

export type { Logger };
