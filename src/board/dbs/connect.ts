// Opens the database behind one Kysely query layer: SQLite (embedded, WAL) or MySQL/MariaDB
// (a mysql2 pool that drops dead connections and opens new ones, so a restarted server is
// picked up again without restarting the app).
import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { createPool } from 'mysql2';
import { Kysely, MysqlDialect, SqliteDialect } from 'kysely';
import { DatabaseNotWritableError, notWritableReason, retryWhileBusy, withDeadline } from './errors.js';
import { forceClose, MysqlSessions } from './mysql-sessions.js';
import type { BoardSchema } from './schema.js';
import type { DatabaseTarget } from './url.js';

export type Engine = DatabaseTarget['engine'];

export interface Database {
  db: Kysely<BoardSchema>;
  engine: Engine;
  /**
   * Runs one request's database work (queries on `db`) so that it ends within `ms`: 503 at the
   * deadline means none of it was stored (see mysql-sessions.ts; SQLite's work is synchronous).
   */
  run<T>(ms: number, work: () => Promise<T>): Promise<T>;
  /** Why writes cannot succeed now (SQLite: a read-only file, a full disk), or undefined. */
  notWritable(): Promise<string | undefined>;
  /** Gives up all work in flight now (shutdown): each piece answers as at its deadline. */
  abandonAll(): void;
  /** Gives up all work in flight, then closes, within `boundMs` whatever the server does. */
  close(boundMs?: number): Promise<void>;
}

export interface ConnectOptions {
  /** The deadline of one request's work; also the server's bound on one statement and lock wait. */
  statementTimeoutMs?: number;
  poolSize?: number;
}

export function connect(target: DatabaseTarget, opts: ConnectOptions = {}): Database {
  return target.engine === 'sqlite' ? openSqlite(target.file) : openMysql(target, opts);
}

/** Waits for `closing` at most `ms`; a close that hangs (a frozen server) is left behind. */
async function bounded(closing: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([closing.catch(() => undefined), new Promise((r) => (timer = setTimeout(r, ms)))]);
  clearTimeout(timer);
}

function openSqlite(file: string): Database {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const sqlite = new SQLite(file);
  // WAL: readers never block the writer; NORMAL sync is durable across a process crash.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  // No waiting inside SQLite: better-sqlite3 is synchronous, so a busy wait there would stop the
  // whole event loop (health checks, reads, deadlines) while another process holds the write
  // lock. SQLITE_BUSY comes back at once instead and the caller waits without blocking
  // (retryWhileBusy in errors.ts), until its deadline.
  sqlite.pragma('busy_timeout = 0');
  const db = new Kysely<BoardSchema>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
  // The last write that failed for want of disk or permission; cleared when a probe write works.
  let failed: DatabaseNotWritableError | undefined;
  let stopping = false;
  return {
    db,
    engine: 'sqlite',
    notWritable: async () => {
      if (file !== ':memory:') {
        try {
          await fs.promises.access(file, fs.constants.W_OK);
        } catch (err) {
          return `the database file is not writable (${(err as NodeJS.ErrnoException).code})`;
        }
      }
      // A full disk shows before a write fails; after one failed, more room is asked for, since
      // a probe can succeed in space a failed write left behind while a post would not fit.
      const free = await freeBytes(path.dirname(path.resolve(file)));
      const needed = failed ? 256 * 1024 : 64 * 1024;
      if (free !== undefined && free < needed) return `the disk of the database is full (${free} bytes free)`;
      if (!failed) return undefined;
      try {
        // A real write that changes nothing (Kysely's lock row): it needs the disk as a post does.
        sqlite.prepare("UPDATE berth_migration_lock SET is_locked = is_locked WHERE id = 'migration_lock'").run();
        failed = undefined;
        return undefined;
      } catch (err) {
        return `${failed?.message ?? 'the database cannot be written'}: ${(err as Error).message}`;
      }
    },
    // Each try runs to its end synchronously, and no try starts after the deadline: the
    // deadline's 503 can only come while nothing is being written.
    run: async (ms, work) => {
      try {
        return await withDeadline(
          retryWhileBusy(work, Date.now() + ms, () => stopping),
          ms,
          'database work',
        );
      } catch (err) {
        const reason = notWritableReason(err);
        if (!reason) throw err;
        throw (failed = new DatabaseNotWritableError(reason, { cause: err }));
      }
    },
    abandonAll: () => {
      stopping = true;
    },
    close: () => db.destroy(),
  };
}

async function freeBytes(dir: string): Promise<number | undefined> {
  try {
    const s = await fs.promises.statfs(dir);
    return s.bavail * s.bsize;
  } catch {
    return undefined;
  }
}

/** Kysely prepares every query anew; the board runs a handful of fixed statements, so keep them. */
function withStatementCache(sqlite: SQLite.Database, max = 64) {
  const cache = new Map<string, SQLite.Statement>();
  // SQLite rolls a transaction back itself after SQLITE_FULL or an I/O error; Kysely's ROLLBACK
  // would then fail with "cannot rollback - no transaction is active" and hide the real error.
  const rollback = sqlite.prepare('ROLLBACK');
  const rollbackIfOpen = { reader: false, run: () => (sqlite.inTransaction ? rollback.run() : { changes: 0, lastInsertRowid: 0 }) };
  return {
    close: () => sqlite.close(),
    prepare(query: string) {
      if (/^rollback$/i.test(query)) return rollbackIfOpen as unknown as SQLite.Statement;
      let stmt = cache.get(query);
      if (!stmt) {
        if (cache.size >= max) cache.clear();
        stmt = sqlite.prepare(query);
        cache.set(query, stmt);
      }
      return stmt;
    },
  };
}

function openMysql(t: Extract<DatabaseTarget, { engine: 'mysql' }>, opts: ConnectOptions): Database {
  const poolSize = opts.poolSize ?? 10;
  const timeoutMs = opts.statementTimeoutMs ?? 5000;
  const connection = {
    host: t.host,
    port: t.port,
    user: t.user,
    password: t.password,
    database: t.database,
    charset: 'UTF8MB4_UNICODE_CI',
    // DATETIME comes back as the stored `YYYY-MM-DD HH:MM:SS` text, not a shifted JS Date.
    dateStrings: true,
    connectTimeout: 3000,
  };
  const pool = createPool({
    ...connection,
    connectionLimit: poolSize,
    maxIdle: poolSize,
    idleTimeout: 60_000,
    enableKeepAlive: true,
    waitForConnections: true,
    // A backstop only: sessions wait in their own bounded queue (admission.ts), so at most
    // `poolSize` requests ever wait here.
    queueLimit: poolSize * 2,
  });
  // The server's own bounds, a second line behind the app's deadline: no statement and no lock
  // wait outlives it, whatever happens to the app.
  const seconds = Math.ceil(timeoutMs / 1000);
  const open = new Set<{ destroy(): void }>();
  pool.on('connection', (conn) => {
    open.add(conn);
    conn.once('end', () => open.delete(conn));
    conn.query(`SET SESSION lock_wait_timeout = ${seconds}, innodb_lock_wait_timeout = ${seconds}`, () => undefined);
    // MariaDB only; MySQL answers with an error, which is harmless here.
    conn.query(`SET SESSION max_statement_time = ${timeoutMs / 1000}`, () => undefined);
  });
  const sessions = new MysqlSessions(pool, { slots: poolSize, maxWaiting: poolSize * 50, commitWaitMs: timeoutMs, connection });
  const db = new Kysely<BoardSchema>({ dialect: new MysqlDialect({ pool: sessions.kyselyPool }) });
  return {
    db,
    engine: 'mysql',
    run: (ms, work) => sessions.run(work, Date.now() + ms),
    notWritable: async () => undefined,
    abandonAll: () => sessions.abandonAll(),
    close: async (boundMs = 2000) => {
      sessions.close();
      // pool.end() waits for every connection to say goodbye, which a frozen server never does.
      await bounded(db.destroy(), boundMs);
      for (const conn of open) forceClose(conn);
    },
  };
}
