// `npx tsx bench/sqlite-worker.ts`: what moving SQLite into a worker thread would cost, compared
// with calling better-sqlite3 on the main thread as the app does (docs/bench.md, issue 9). The
// listing query (21 rows of 1,000), 50 concurrent callers, 20,000 queries a round, three rounds.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import SQLite from 'better-sqlite3';
import { seedSqlite } from './seed.js';

const QUERIES = 20_000;
const CALLERS = 50;
const SQL = 'select id, timestamp, text from contents order by timestamp desc, id desc limit ?';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-sqlite-worker-'));
const file = path.join(dir, 'board.sqlite');
// The board's own schema (its migrations: WAL, the (timestamp, id) index) and 1,000 posts.
await seedSqlite(file, 1000);
const db = new SQLite(file);
const stmt = db.prepare(SQL);

// The worker opens the same file and answers {id, limit} with the rows.
const worker = new Worker(
  `const { parentPort, workerData } = require('node:worker_threads');
   const SQLite = require(workerData.module);
   const stmt = new SQLite(workerData.file).prepare(workerData.sql);
   parentPort.on('message', ({ id, limit }) => parentPort.postMessage({ id, rows: stmt.all(limit) }));`,
  { eval: true, workerData: { file, sql: SQL, module: createRequire(import.meta.url).resolve('better-sqlite3') } },
);
const pending = new Map<number, () => void>();
worker.on('message', ({ id }: { id: number }) => {
  pending.get(id)?.();
  pending.delete(id);
});
let seq = 0;
const inWorker = () =>
  new Promise<void>((resolve) => {
    const id = seq++;
    pending.set(id, resolve);
    worker.postMessage({ id, limit: 21 });
  });
const onMainThread = async () => {
  await Promise.resolve();
  stmt.all(21);
};

/** Wall time and main-thread busy time per query, CALLERS queries in flight at once. */
async function measure(query: () => Promise<void>): Promise<string> {
  const elu = performance.eventLoopUtilization();
  const start = performance.now();
  let started = 0;
  await Promise.all(
    Array.from({ length: CALLERS }, async () => {
      while (started++ < QUERIES) await query();
    }),
  );
  const wallUs = ((performance.now() - start) * 1000) / QUERIES;
  const busyUs = (performance.eventLoopUtilization(elu).active * 1000) / QUERIES;
  return `${wallUs.toFixed(1)} µs wall, ${busyUs.toFixed(1)} µs main-thread busy`;
}

try {
  for (let round = 1; round <= 3; round++) {
    console.log(`round ${round}: main thread ${await measure(onMainThread)}; worker thread ${await measure(inWorker)} (per query)`);
  }
} finally {
  await worker.terminate();
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
}
