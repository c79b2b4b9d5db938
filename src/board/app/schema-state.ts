// Brings the schema up to date in the background, retrying until the database answers, so the
// app can start before its database (as containers do) and report "not ready" meanwhile.
import type { Logger } from '../../shared/logger.js';
import type { Database } from '../dbs/connect.js';
import { migrate } from '../dbs/migrations.js';

export interface SchemaState {
  ready: boolean;
  lastError?: string;
  /** Resolves once the schema is current; rejects only when `stop()` is called first. */
  done: Promise<void>;
  stop(): void;
}

export function prepareSchema(database: Database, log: Logger, maxDelayMs = 5000): SchemaState {
  let stopped = false;
  const state: SchemaState = { ready: false, done: Promise.resolve(), stop: () => (stopped = true) };
  state.done = (async () => {
    for (let attempt = 1, delay = 200; !stopped; attempt++, delay = Math.min(delay * 2, maxDelayMs)) {
      try {
        const applied = await migrate(database.db, database.engine);
        state.ready = true;
        state.lastError = undefined;
        log.info({ applied }, applied.length ? 'database schema migrated' : 'database schema is current');
        return;
      } catch (err) {
        state.lastError = `database not ready: ${(err as Error).message}`;
        log.warn({ attempt, retryInMs: delay, err: (err as Error).message }, 'waiting for the database');
        await new Promise((r) => setTimeout(r, delay));
      }
    }
    throw new Error('stopped before the database schema was ready');
  })();
  state.done.catch(() => undefined);
  return state;
}
