// Real databases for the board's tests: a fresh SQLite file, and a fresh database on the real
// MariaDB server (TEST_MYSQL_URL; scripts/ci/setup-mariadb.sh creates the user). Each call makes
// its own database and drops it again, so test files never see each other's rows.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createConnection } from 'mysql2/promise';
import type { Engine } from '../../src/board/dbs/connect.js';

export const TEST_MYSQL_URL = process.env.TEST_MYSQL_URL ?? 'mysql://berth:berth-test@127.0.0.1:3306/berth_test';

export interface TestDatabase {
  engine: Engine;
  /** What DATABASE_URL would be for the app. */
  url: string;
  /** Runs SQL directly against the database (not through the app). */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  drop(): Promise<void>;
}

export const ENGINES: Engine[] = ['sqlite', 'mysql'];

export async function createTestDatabase(engine: Engine): Promise<TestDatabase> {
  return engine === 'sqlite' ? sqliteDatabase() : mysqlDatabase();
}

async function sqliteDatabase(): Promise<TestDatabase> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-test-'));
  const file = path.join(dir, 'board.sqlite');
  const { default: SQLite } = await import('better-sqlite3');
  return {
    engine: 'sqlite',
    url: `sqlite:${file}`,
    async query<T>(sql: string, params: unknown[] = []) {
      const db = new SQLite(file);
      try {
        const stmt = db.prepare(sql);
        return (stmt.reader ? stmt.all(...params) : (stmt.run(...params), [])) as T[];
      } finally {
        db.close();
      }
    },
    async drop() {
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function mysqlDatabase(): Promise<TestDatabase> {
  const base = new URL(TEST_MYSQL_URL);
  const name = `berth_test_${crypto.randomBytes(4).toString('hex')}`;
  await adminQuery(`CREATE DATABASE ${name} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  const url = new URL(base.href);
  url.pathname = `/${name}`;
  return {
    engine: 'mysql',
    url: url.href,
    async query<T>(sql: string, params: unknown[] = []) {
      const conn = await createConnection({ uri: url.href, dateStrings: true, charset: 'UTF8MB4_UNICODE_CI' });
      try {
        const [rows] = await conn.query(sql, params);
        return (Array.isArray(rows) ? rows : []) as T[];
      } finally {
        await conn.end();
      }
    },
    drop: () => adminQuery(`DROP DATABASE IF EXISTS ${name}`),
  };
}

/** A statement as the test user, outside any test database (create/drop). */
async function adminQuery(sql: string): Promise<void> {
  const url = new URL(TEST_MYSQL_URL);
  url.pathname = '/';
  const conn = await createConnection({ uri: url.href });
  try {
    await conn.query(sql);
  } finally {
    await conn.end();
  }
}

/** A connection as MariaDB's root (local socket-less TCP, empty password), for fault injection. */
export async function rootConnection() {
  return createConnection({ host: '127.0.0.1', port: 3306, user: 'root', password: process.env.TEST_MYSQL_ROOT_PASSWORD ?? '' });
}

/** How many posts the database holds, or how many with exactly this text (read directly, not through the app). */
export async function countPosts(db: TestDatabase, text?: string): Promise<number> {
  const rows =
    text === undefined
      ? await db.query<{ n: number }>('SELECT COUNT(*) AS n FROM contents')
      : await db.query<{ n: number }>('SELECT COUNT(*) AS n FROM contents WHERE text = ?', [text]);
  return Number(rows[0]!.n);
}
