// Seeding the board's database before the app starts: the schema comes from the project's own
// migrations (connect() + migrate()), then the rows go in as fast as the engine allows —
// SQLite: one transaction of prepared multi-row INSERTs; MySQL/MariaDB: multi-row INSERTs over a
// few connections in parallel.
import crypto from 'node:crypto';
import SQLite from 'better-sqlite3';
import { createConnection } from 'mysql2/promise';
import { connect } from '../src/board/dbs/connect.js';
import { migrate } from '../src/board/dbs/migrations.js';
import type { DatabaseTarget } from '../src/board/dbs/url.js';

/** Posts are one minute apart, ending now, so the newest page looks like a live board. */
const SPACING_MS = 60_000;

const WORDS = [
  'hello',
  'board',
  'berth',
  'container',
  'deploy',
  'cloud',
  'network',
  'volume',
  'image',
  'tier',
  'こんにちは',
  '掲示板',
  'テスト',
  '🚢',
  '⚓',
  'coffee',
  'release',
  'weekend',
  'question',
  'answer',
];

/** The i-th post, oldest first: a timestamp as the app stores it and a text of 20–120 chars. */
export function post(i: number, count: number, endMs: number): [string, string] {
  const ts = new Date(endMs - (count - 1 - i) * SPACING_MS).toISOString();
  const timestamp = `${ts.slice(0, 10)} ${ts.slice(11, 19)}`;
  let text = `#${i + 1}`;
  for (let k = i; text.length < 20 + (i % 100); k = (k * 7 + 3) % 1_000_003) text += ` ${WORDS[k % WORDS.length]}`;
  return [timestamp, text];
}

async function migrateTarget(target: DatabaseTarget): Promise<void> {
  const database = connect(target);
  try {
    await migrate(database.db, database.engine);
  } finally {
    await database.close();
  }
}

export async function seedSqlite(file: string, count: number): Promise<void> {
  await migrateTarget({ engine: 'sqlite', file });
  const db = new SQLite(file);
  try {
    db.pragma('synchronous = OFF');
    const ROWS = 500; // 1,000 bound parameters per statement
    const full = db.prepare(`INSERT INTO contents (timestamp, text) VALUES ${'(?, ?),'.repeat(ROWS - 1)}(?, ?)`);
    const one = db.prepare('INSERT INTO contents (timestamp, text) VALUES (?, ?)');
    const endMs = Date.now();
    db.transaction(() => {
      const params: string[] = new Array(ROWS * 2);
      let i = 0;
      for (; i + ROWS <= count; i += ROWS) {
        for (let j = 0; j < ROWS; j++) {
          const [ts, text] = post(i + j, count, endMs);
          params[2 * j] = ts;
          params[2 * j + 1] = text;
        }
        full.run(params);
      }
      for (; i < count; i++) one.run(post(i, count, endMs));
    })();
    db.pragma('synchronous = NORMAL');
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
}

export interface MysqlBenchDatabase {
  url: string;
  drop(): Promise<void>;
}

/** A fresh database `berth_test_bench_*` on the server of `baseUrl`, dropped by `drop()`. */
export async function createMysqlDatabase(baseUrl: string): Promise<MysqlBenchDatabase> {
  const name = `berth_test_bench_${crypto.randomBytes(4).toString('hex')}`;
  const admin = new URL(baseUrl);
  admin.pathname = '/';
  const run = async (sql: string) => {
    const conn = await createConnection({ uri: admin.href });
    try {
      await conn.query(sql);
    } finally {
      await conn.end();
    }
  };
  await run(`CREATE DATABASE ${name} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return { url: url.href, drop: () => run(`DROP DATABASE IF EXISTS ${name}`) };
}

export async function seedMysql(url: string, target: DatabaseTarget, count: number): Promise<void> {
  await migrateTarget(target);
  const ROWS = 5_000;
  const WORKERS = 4;
  const endMs = Date.now();
  let nextChunk = 0;
  const worker = async () => {
    const conn = await createConnection({ uri: url, charset: 'UTF8MB4_UNICODE_CI' });
    try {
      for (;;) {
        const start = nextChunk;
        nextChunk += ROWS;
        if (start >= count) return;
        const rows: [string, string][] = [];
        for (let i = start; i < Math.min(start + ROWS, count); i++) rows.push(post(i, count, endMs));
        await conn.query('INSERT INTO contents (timestamp, text) VALUES ?', [rows]);
      }
    } finally {
      await conn.end();
    }
  };
  await Promise.all(Array.from({ length: WORKERS }, worker));
}
