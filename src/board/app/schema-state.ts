// Brings the schema up to date in the background, retrying until the database answers, so the
// app can start before its database (as containers do) and report "not ready" meanwhile.
import type { Logger } from '../shared/logger.js';
import type { Database } from '../dbs/connect.js';
import { migrate } from '../dbs/migrations.js';

/** Data routes before the schema is current: why, with a code of its own (not "unreachable"). */
export class SchemaNotReadyError extends Error {
  constructor(
    readonly code: 'database_unavailable' | 'schema_newer_than_app',
    readonly detail = '',
  ) {
    super(detail ? `${code}: ${detail}` : code);
    this.name = 'SchemaNotReadyError';
  }
}

export interface SchemaState {
  ready: boolean;
  lastError?: string;
  /** The database holds migrations this app does not know: a newer app migrated it. */
  newerThanApp?: boolean;
  /** What a data route answers meanwhile. */
  notReadyError(): SchemaNotReadyError;
  /** Resolves once the schema is current; rejects only when `stop()` is called first. */
  done: Promise<void>;
  stop(): void;
}

export function prepareSchema(database: Database, log: Logger, maxDelayMs = 5000): SchemaState {
  let stopped = false;
  const state: SchemaState = {
    ready: false,
    done: Promise.resolve(),
    stop: () => (stopped = true),
    notReadyError: () =>
      state.newerThanApp ? new SchemaNotReadyError('schema_newer_than_app', state.lastError) : new SchemaNotReadyError('database_unavailable'),
  };
  state.done = (async () => {
    for (let attempt = 1, delay = 200; !stopped; attempt++, delay = Math.min(delay * 2, maxDelayMs)) {
      try {
        const applied = await migrate(database.db, database.engine);
        state.ready = true;
        state.lastError = undefined;
        log.info({ applied }, applied.length ? 'database schema migrated' : 'database schema is current');
        return;
      } catch (err) {
        // Kysely's words for a database that has migrations this app does not have.
        state.newerThanApp = /^corrupted migrations: (previously executed migration .* is missing|expected previously executed)/.test((err as Error).message);
        if (state.newerThanApp) {
          const names = /migration (\S+)/.exec((err as Error).message)?.[1];
          state.lastError = `the database schema is newer than this app (it has migration ${names ?? 'unknown'}, which this app does not know)`;
          log.error({ attempt, retryInMs: delay }, state.lastError);
        } else {
          state.lastError = `database not ready: ${(err as Error).message}`;
          log.warn({ attempt, retryInMs: delay, err: (err as Error).message }, 'waiting for the database');
        }
        await new Promise((r) => setTimeout(r, delay));
      }
    }
    throw new Error('stopped before the database schema was ready');
  })();
  state.done.catch(() => undefined);
  return state;
}
