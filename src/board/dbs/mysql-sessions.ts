// One request's work on MariaDB runs as a "session": one pooled connection, one deadline, and a
// promise kept — an answer of 503 means nothing was stored.
//
// Writes run in transactions. When the deadline passes before COMMIT was sent, the session is
// abandoned: its connection is destroyed (the server rolls back an open transaction when its
// client goes, whatever it was waiting for, and never sees a COMMIT) and its thread is killed
// from a separate connection, so a statement waiting for a lock or for a frozen server cannot
// commit later. Once COMMIT is on the wire, the outcome is the server's: the session waits for
// the answer a while longer and, if none comes, says the outcome is unknown (never "not stored").
import { AsyncLocalStorage } from 'node:async_hooks';
import { createConnection, type Connection, type ConnectionOptions, type Pool, type PoolConnection } from 'mysql2';
import type { MysqlPool, MysqlPoolConnection } from 'kysely';
import { Admission } from './admission.js';
import { DatabaseOutcomeUnknownError, DatabaseUnavailableError, isConnectionError } from './errors.js';

type Callback = (err: unknown, result?: unknown) => void;

interface Session {
  conn?: PoolConnection;
  acquiring: boolean;
  settled: boolean;
  commitSent: boolean;
  /** Set when the session was given up: every later statement fails with it, none is sent. */
  abandoned?: Error;
  /** The statement on the wire, if any: its caller's callback. */
  pending?: { cb: Callback };
  /** Rejects the session's answer (set while it runs). */
  fail?: (err: Error) => void;
  finish(): void;
}

const current = new AsyncLocalStorage<Session>();

export interface SessionOptions {
  slots: number;
  maxWaiting: number;
  /** How long a COMMIT already sent is waited for after the deadline. */
  commitWaitMs: number;
  /** Where the killer connection goes (the pool's own settings). */
  connection: ConnectionOptions;
}

export class MysqlSessions {
  private readonly admission: Admission;
  private readonly killer: Killer;
  private readonly live = new Set<Session>();

  constructor(
    private readonly pool: Pool,
    private readonly opts: SessionOptions,
  ) {
    this.admission = new Admission(opts.slots, opts.maxWaiting);
    this.killer = new Killer(opts.connection);
  }

  /** The pool as Kysely sees it: inside a session, the session's one connection; outside (migrations), the pool. */
  readonly kyselyPool: MysqlPool = {
    getConnection: (cb) => {
      const s = current.getStore();
      if (s) this.connectionFor(s, cb);
      else this.pool.getConnection(cb as never);
    },
    end: (cb) => this.pool.end(cb),
  };

  /** Runs `work` (which uses the Kysely instance on `kyselyPool`) in a session that ends by `deadlineAt`. */
  async run<T>(work: () => Promise<T>, deadlineAt: number): Promise<T> {
    const release = await this.admission.acquire(deadlineAt);
    const s: Session = {
      acquiring: false,
      settled: false,
      commitSent: false,
      // The slot is held until the work has settled and no connection is still being made, so
      // mysql2's queue never holds more than the pool can serve.
      finish: () => {
        if (!s.settled || s.acquiring) return;
        this.live.delete(s);
        if (s.conn && !s.abandoned) s.conn.release();
        release();
      },
    };
    this.live.add(s);
    const done = current.run(s, work);
    const settle = () => {
      s.settled = true;
      s.finish();
    };
    done.then(settle, settle);
    return this.untilDeadline(s, done, deadlineAt);
  }

  /** Gives up every session now (shutdown): each answers as at its deadline. */
  abandonAll(): void {
    for (const s of this.live) this.abandon(s, s.commitSent ? outcomeUnknown() : new DatabaseUnavailableError('the app is shutting down'));
  }

  close(): void {
    this.abandonAll();
    this.killer.close();
  }

  private untilDeadline<T>(s: Session, done: Promise<T>, deadlineAt: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let waitedForCommit = false;
      const onDeadline = () => {
        if (s.commitSent && !waitedForCommit && !s.abandoned) {
          waitedForCommit = true;
          timer = setTimeout(onDeadline, this.opts.commitWaitMs);
          return;
        }
        this.abandon(s, s.commitSent ? outcomeUnknown() : new DatabaseUnavailableError('the database did not answer before the deadline'));
      };
      s.fail = (err) => {
        clearTimeout(timer);
        reject(err);
      };
      let timer = setTimeout(onDeadline, Math.max(0, deadlineAt - Date.now()));
      done.then(
        (value) => {
          clearTimeout(timer);
          if (s.abandoned) reject(s.abandoned);
          else resolve(value);
        },
        (err: unknown) => {
          clearTimeout(timer);
          reject(s.abandoned ?? err);
        },
      );
    });
  }

  private abandon(s: Session, err: Error): void {
    if (s.abandoned) return;
    s.abandoned = err;
    const pending = s.pending;
    s.pending = undefined;
    const conn = s.conn;
    if (conn) {
      // Our side closes at once; the server rolls back whatever it gets from this connection.
      forceClose(conn);
      // A statement still waiting in the server (a lock, a frozen server) is ended there too.
      if (pending && conn.threadId) this.killer.kill(conn.threadId);
    }
    pending?.cb(err);
    s.fail?.(err);
  }

  private connectionFor(s: Session, cb: (err: unknown, conn: MysqlPoolConnection) => void): void {
    if (s.abandoned) return cb(s.abandoned, undefined as never);
    if (s.conn) return cb(null, this.wrap(s, s.conn));
    s.acquiring = true;
    this.pool.getConnection((err, conn) => {
      s.acquiring = false;
      if (s.abandoned) {
        // Given up while waiting for the connection: it goes back unused.
        if (!err) conn.release();
        cb(s.abandoned, undefined as never);
        s.finish();
        return;
      }
      if (err) return cb(err, undefined as never);
      s.conn = conn;
      cb(null, this.wrap(s, conn));
    });
  }

  /** The connection as Kysely uses it: statements refused once abandoned, COMMIT noted, release left to the session. */
  private wrap(s: Session, conn: PoolConnection): MysqlPoolConnection {
    const query = (sql: string, params: unknown[], cb: Callback) => {
      if (s.abandoned) return cb(s.abandoned);
      const commit = /^\s*commit\b/i.test(sql);
      if (commit) s.commitSent = true;
      const entry = { cb };
      const done: Callback = (err, result) => {
        if (s.pending !== entry) return; // answered after the session gave up: ignored
        s.pending = undefined;
        // A COMMIT whose connection broke may have been carried out: that is not "not stored".
        if (commit && err && isConnectionError(err)) return cb(new DatabaseOutcomeUnknownError('the connection broke during COMMIT'));
        cb(err && withoutValues(err, sql), result);
      };
      s.pending = entry;
      conn.query(sql, params, done as never);
    };
    return { query, release: () => undefined } as unknown as MysqlPoolConnection;
  }
}

/** Closes a mysql2 connection's socket now, without the goodbye a frozen server would never answer. */
export function forceClose(conn: { destroy(): void }): void {
  conn.destroy();
  (conn as { stream?: { destroy(): void } }).stream?.destroy();
}

function outcomeUnknown(): Error {
  return new DatabaseOutcomeUnknownError('the database did not confirm the commit in time');
}

/**
 * mysql2 puts the statement with its values filled in on the error (`sql`): post text and keys
 * would reach the logs. Keep the statement as written, with its placeholders.
 */
function withoutValues(err: unknown, sql: string): unknown {
  if (err && typeof err === 'object' && 'sql' in err) (err as { sql: string }).sql = sql;
  return err;
}

/** Ends the server threads of abandoned sessions, over one connection of its own, best effort. */
class Killer {
  private conn?: Connection;
  private readonly queue: number[] = [];
  private running = false;

  constructor(private readonly options: ConnectionOptions) {}

  kill(threadId: number): void {
    if (this.queue.length < 100) this.queue.push(threadId);
    void this.drain();
  }

  close(): void {
    this.queue.length = 0;
    this.drop();
  }

  private async drain(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (this.queue.length) await this.killOne(this.queue.shift()!);
    } finally {
      this.running = false;
    }
  }

  private killOne(threadId: number): Promise<void> {
    return new Promise((resolve) => {
      const conn = (this.conn ??= this.open());
      conn.query({ sql: `KILL CONNECTION ${Math.trunc(threadId)}`, timeout: 2000 }, (err) => {
        // 1094 ER_NO_SUCH_THREAD: it has gone already. Anything else: a fresh connection next time.
        if (err && (err as { errno?: number }).errno !== 1094) this.drop();
        resolve();
      });
    });
  }

  private open(): Connection {
    const conn = createConnection(this.options);
    conn.on('error', () => {
      if (this.conn === conn) this.drop();
    });
    return conn;
  }

  private drop(): void {
    const conn = this.conn;
    this.conn = undefined;
    if (!conn) return;
    forceClose(conn);
  }
}
