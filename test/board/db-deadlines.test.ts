// "A 503 means not stored", held against a real MariaDB that stops answering: its table locked
// by another session, or the whole server frozen (SIGSTOP). Under keyed and unkeyed load on both
// posting routes, every answer is counted against the rows afterwards: 2xx = stored once, 503 =
// not stored, 504 = outcome unknown (COMMIT sent, unconfirmed) and nothing else.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { rootConnection, type TestDatabase } from '../helpers/databases.js';
import { appPerSuite, startTestApp, type AppTier } from '../helpers/board.js';
import { rawRequest } from '../helpers/http.js';
import { PrivateMariaDb } from '../helpers/private-mariadb.js';
import { createConnection } from 'mysql2/promise';

interface Sent {
  text: string;
  path: string;
  key?: string;
  status: number;
  code?: string;
  ms: number;
}

const VARIANTS = [
  { path: '/bbs', keyed: false },
  { path: '/bbs', keyed: true },
  { path: '/api/v1/posts', keyed: false },
  { path: '/api/v1/posts', keyed: true },
];

async function post(baseUrl: string, text: string, n: number): Promise<Sent> {
  const { path, keyed } = VARIANTS[n % VARIANTS.length]!;
  const key = keyed ? `key-${text}` : undefined;
  const started = Date.now();
  const res = await rawRequest(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { 'idempotency-key': key } : {}) },
    body: JSON.stringify({ text }),
  });
  const code = res.status >= 400 ? (JSON.parse(res.body) as { error?: { code?: string } }).error?.code : undefined;
  return { text, path, key, status: res.status, code, ms: Date.now() - started };
}

/** `clients` posters, each posting one after another until `stop` resolves. */
async function postUntil(baseUrl: string, prefix: string, clients: number, stop: Promise<void>): Promise<Sent[]> {
  let stopped = false;
  void stop.then(() => (stopped = true));
  const sent: Sent[] = [];
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      for (let i = 0; !stopped; i++) sent.push(await post(baseUrl, `${prefix}-${c}-${i}`, c + i));
    }),
  );
  return sent;
}

type Query = (sql: string, params: unknown[]) => Promise<{ text: string; n: number }[]>;

/** Every answer against the rows: 2xx stored once, 503 not at all, 504 at most once. */
async function checkAnswers(sent: Sent[], prefix: string, query: Query) {
  const rows = await query('SELECT text, COUNT(*) AS n FROM contents WHERE text LIKE ? GROUP BY text', [`${prefix}-%`]);
  const stored = new Map(rows.map((r) => [r.text, Number(r.n)]));
  const tally: Record<string, number> = {};
  for (const s of sent) {
    tally[s.status] = (tally[s.status] ?? 0) + 1;
    const n = stored.get(s.text) ?? 0;
    if (s.status === 201) assert.equal(n, 1, `${s.path} ${s.text}: answered 201, stored ${n} times`);
    else if (s.status === 503) {
      assert.equal(n, 0, `${s.path}${s.key ? ' (keyed)' : ''} ${s.text}: answered 503 (${s.code}) but stored ${n} times`);
      assert.ok(s.code === 'database_unavailable', `503 with code ${s.code}`);
    } else if (s.status === 504) {
      assert.ok(n <= 1, `${s.text}: answered 504, stored ${n} times`);
      assert.equal(s.code, 'database_outcome_unknown');
    } else assert.fail(`${s.path} ${s.text}: unexpected ${s.status} (${s.code})`);
  }
  return tally;
}

/** A keyed post that was not confirmed, sent again with its key: stored exactly once in the end. */
async function retryKeyed(baseUrl: string, sent: Sent[], query: Query) {
  for (const s of sent.filter((x) => x.key && x.status !== 201)) {
    const res = await rawRequest(`${baseUrl}${s.path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': s.key! },
      body: JSON.stringify({ text: s.text }),
    });
    assert.equal(res.status, 201, `the retry of ${s.text}`);
    const [row] = await query('SELECT COUNT(*) AS n, ? AS text FROM contents WHERE text = ?', [s.text, s.text]);
    assert.equal(Number(row!.n), 1, `${s.text} once after its retry`);
  }
}

describe('MariaDB table locked by another session (LOCK TABLES contents WRITE)', () => {
  let db: TestDatabase;
  let app: AppTier;
  appPerSuite('mysql', { DB_TIMEOUT_MS: '1000' }, (t) => ({ db, app } = t));

  it('40 posts at once all answer 503 and none is stored after the lock goes; keyed retries store once', { timeout: 60_000 }, async () => {
    const dbName = new URL(db.url).pathname.slice(1);
    const holder = await rootConnection();
    let sent: Sent[];
    try {
      await holder.query(`LOCK TABLES ${dbName}.contents WRITE`);
      // More posts than the pool has connections: some wait for the lock, the rest for a connection.
      const all = Promise.all(Array.from({ length: 40 }, (_, i) => post(app.url, `locked-${i}`, i)));
      await new Promise((r) => setTimeout(r, 2500));
      await holder.query('UNLOCK TABLES');
      sent = await all;
    } finally {
      await holder.end();
    }
    // Work given up at the deadline would run now, with the lock gone: give it time to show.
    await new Promise((r) => setTimeout(r, 1500));
    const tally = await checkAnswers(sent, 'locked', (q, p) => db.query(q, p));
    assert.deepEqual(tally, { 503: 40 }, 'every post waited past its deadline');
    await retryKeyed(app.url, sent, (q, p) => db.query(q, p));
  });
});

describe('a frozen MariaDB server (SIGSTOP)', () => {
  let server: PrivateMariaDb;
  before(async () => {
    server = await PrivateMariaDb.withDatabase('sample_bbs');
  });
  after(async () => {
    server?.thaw();
    await server?.destroy();
  });
  const query: Query = async (sql, params) => {
    const conn = await createConnection({ host: '127.0.0.1', port: server.port, user: 'root', database: 'sample_bbs' });
    try {
      return (await conn.query(sql, params))[0] as { text: string; n: number }[];
    } finally {
      await conn.end();
    }
  };

  it('posts under load while it is frozen: no 503 is stored after the thaw, keyed retries store once', { timeout: 120_000 }, async () => {
    const app = await startTestApp(server.url('sample_bbs'), { DB_TIMEOUT_MS: '1000' });
    try {
      let stop!: () => void;
      const load = postUntil(app.url, 'frozen', 30, new Promise<void>((r) => (stop = r)));
      await new Promise((r) => setTimeout(r, 500));
      server.freeze();
      await new Promise((r) => setTimeout(r, 4000));
      server.thaw();
      await new Promise((r) => setTimeout(r, 1000));
      stop();
      const sent = await load;
      // Anything the server still holds from before the thaw runs by now.
      await new Promise((r) => setTimeout(r, 2000));
      const tally = await checkAnswers(sent, 'frozen', query);
      assert.ok((tally[503] ?? 0) >= 60, `posts answered 503 while frozen: ${JSON.stringify(tally)}`);
      assert.ok((tally[201] ?? 0) > 0, 'posts stored before and after the freeze');
      await retryKeyed(app.url, sent, query);
    } finally {
      await app.close();
    }
  });

  it('reads under load while it is frozen: 503 within the deadline, never a 500, and 200 again after the thaw', { timeout: 120_000 }, async () => {
    const timeoutMs = 250;
    const app = await startTestApp(server.url('sample_bbs'), { DB_TIMEOUT_MS: String(timeoutMs) });
    try {
      server.freeze();
      const answers: { status: number; ms: number }[] = [];
      const until = Date.now() + 15_000;
      // 100 readers, 1,300 reads: more than mysql2's queue of 1,000 would keep.
      await Promise.all(
        Array.from({ length: 100 }, async () => {
          while (Date.now() < until && answers.length < 1300) {
            const started = Date.now();
            const res = await rawRequest(`${app.url}/api/v1/posts`);
            answers.push({ status: res.status, ms: Date.now() - started });
          }
        }),
      );
      server.thaw();
      const statuses = new Set(answers.map((a) => a.status));
      assert.deepEqual([...statuses], [503], `statuses while frozen: ${[...statuses].join(', ')}`);
      assert.ok(answers.length >= 1300, `${answers.length} reads answered`);
      // Not a speed test: it shows nothing waits unbounded behind the frozen server.
      const slowest = Math.max(...answers.map((a) => a.ms));
      assert.ok(slowest < timeoutMs + 4000, `slowest 503 took ${slowest} ms`);
      let ok = false;
      for (let i = 0; i < 50 && !ok; i++) {
        ok = (await rawRequest(`${app.url}/api/v1/posts`)).status === 200;
        if (!ok) await new Promise((r) => setTimeout(r, 200));
      }
      assert.ok(ok, 'reads work again after the thaw');
    } finally {
      server.thaw();
      await app.close();
    }
  });
});
