// Opens the database behind one Kysely query layer: SQLite (embedded, WAL) or MySQL/MariaDB
// (a mysql2 pool that drops dead connections and opens new ones, so a restarted server is
// picked up again without restarting the app).
import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { createPool } from 'mysql2';
import { Kysely, MysqlDialect, SqliteDialect } from 'kysely';
import type { BoardSchema } from './schema.js';
import type { DatabaseTarget } from './url.js';

export type Engine = DatabaseTarget['engine'];

export interface Database {
  db: Kysely<BoardSchema>;
  engine: Engine;
  close(): Promise<void>;
}

export interface ConnectOptions {
  /** Upper bound for one statement on the server (MariaDB's max_statement_time). */
  statementTimeoutMs?: number;
  poolSize?: number;
}

export function connect(target: DatabaseTarget, opts: ConnectOptions = {}): Database {
  const db = target.engine === 'sqlite' ? openSqlite(target.file) : openMysql(target, opts);
  return { db, engine: target.engine, close: () => db.destroy() };
}

function openSqlite(file: string): Kysely<BoardSchema> {
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
  return new Kysely<BoardSchema>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
}

/** Kysely prepares every query anew; the board runs a handful of fixed statements, so keep them. */
function withStatementCache(sqlite: SQLite.Database, max = 64) {
  const cache = new Map<string, SQLite.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(query: string) {
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

function openMysql(t: Extract<DatabaseTarget, { engine: 'mysql' }>, opts: ConnectOptions) {
  const pool = createPool({
    host: t.host,
    port: t.port,
    user: t.user,
    password: t.password,
    database: t.database,
    charset: 'UTF8MB4_UNICODE_CI',
    // DATETIME comes back as the stored `YYYY-MM-DD HH:MM:SS` text, not a shifted JS Date.
    dateStrings: true,
    connectTimeout: 3000,
    connectionLimit: opts.poolSize ?? 10,
    maxIdle: opts.poolSize ?? 10,
    idleTimeout: 60_000,
    enableKeepAlive: true,
    waitForConnections: true,
    queueLimit: 1000,
  });
  const limitSeconds = (opts.statementTimeoutMs ?? 5000) / 1000;
  pool.on('connection', (conn) => {
    // MariaDB only; MySQL answers with an error, which is harmless here.
    conn.query(`SET SESSION max_statement_time = ${limitSeconds}`, () => undefined);
  });
  return new Kysely<BoardSchema>({ dialect: new MysqlDialect({ pool }) });
}
