// The app against real database faults: its connections killed on the server, the server
// stopped and started again, and 50 writers at once. Nothing hangs, nothing is lost or doubled.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { countPosts, createTestDatabase, ENGINES, rootConnection, type TestDatabase } from '../helpers/databases.js';
import { appPerSuite, startTestApp, startTestAppNoWait, type AppTier } from '../helpers/board.js';
import { postJson, rawRequest } from '../helpers/http.js';
import { PrivateMariaDb } from '../helpers/private-mariadb.js';
import { ResetProxy } from '../helpers/reset-proxy.js';

async function until(what: string, check: () => Promise<boolean>, attempts = 150): Promise<void> {
  for (let i = 0; i < attempts; i++) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`gave up waiting: ${what}`);
}

describe('database connections killed on the server', () => {
  let db: TestDatabase;
  let app: AppTier;
  appPerSuite('mysql', {}, (t) => ({ db, app } = t));

  it('reconnects: reads answer at once, writes work again, /readyz stays true', async () => {
    assert.equal((await postJson(`${app.url}/api/v1/posts`, { text: 'before the kill' })).status, 201);
    const dbName = new URL(db.url).pathname.slice(1);
    const root = await rootConnection();
    try {
      const [procs] = await root.query('SELECT ID FROM information_schema.PROCESSLIST WHERE DB = ?', [dbName]);
      const ids = (procs as { ID: number }[]).map((p) => p.ID);
      assert.ok(ids.length > 0, 'the app holds pooled connections');
      for (const id of ids) await root.query(`KILL ${id}`);
    } finally {
      await root.end();
    }
    const list = await rawRequest(`${app.url}/api/v1/posts`);
    assert.equal(list.status, 200, 'reads answer after the kill');
    assert.equal(list.json().posts[0].text, 'before the kill');
    await until('writes succeed again', async () => (await postJson(`${app.url}/api/v1/posts`, { text: 'after the kill' })).status === 201);
    assert.equal((await rawRequest(`${app.url}/readyz`)).status, 200);
    assert.equal(await countPosts(db, 'after the kill'), 1);
  });
});

describe('a dead connection in the pool (a resetting proxy in front of MariaDB)', () => {
  let db: TestDatabase;
  let proxy: ResetProxy;
  let app: AppTier;
  before(async () => {
    db = await createTestDatabase('mysql');
    proxy = await ResetProxy.start(3306);
    const viaProxy = new URL(db.url);
    viaProxy.port = String(proxy.port);
    app = await startTestApp(viaProxy.href);
  });
  after(async () => {
    await app?.close();
    await proxy?.close();
    await db?.drop();
  });

  it('a read retries once on a fresh connection', async () => {
    assert.equal((await postJson(`${app.url}/api/v1/posts`, { text: 'read after a reset' })).status, 201);
    proxy.resetNextUse();
    const list = await rawRequest(`${app.url}/api/v1/posts`);
    assert.equal(proxy.resets, 1, 'the read met the dead connection');
    assert.equal(list.status, 200);
    assert.equal(list.json().posts[0].text, 'read after a reset');
  });

  it('a write is not retried: 503, and nothing stored', async () => {
    const before = proxy.resets;
    proxy.resetNextUse();
    const res = await postJson(`${app.url}/api/v1/posts`, { text: 'write on a dead connection' });
    assert.equal(proxy.resets, before + 1, 'the write met the dead connection');
    assert.equal(res.status, 503);
    assert.equal(res.json().error.code, 'database_unavailable');
    assert.equal(await countPosts(db, 'write on a dead connection'), 0);
    assert.equal((await postJson(`${app.url}/api/v1/posts`, { text: 'the next write' })).status, 201, 'the pool recovers');
  });
});

describe('database server restarted', () => {
  let server: PrivateMariaDb;
  let app: AppTier;
  before(async () => {
    server = await PrivateMariaDb.create();
    await server.query('CREATE DATABASE sample_bbs CHARACTER SET utf8mb4');
    app = await startTestApp(server.url('sample_bbs'), { DB_TIMEOUT_MS: '2000' });
  });
  after(async () => {
    await app?.close();
    await server?.destroy();
  });

  it('answers 503 while the server is down, /readyz false then true, and keeps the data', { timeout: 90_000 }, async () => {
    assert.equal((await postJson(`${app.url}/api/v1/posts`, { text: 'survives a restart' })).status, 201);
    await server.stop();
    const ready = await rawRequest(`${app.url}/readyz`);
    assert.equal(ready.status, 503);
    assert.equal(ready.json().status, 'unavailable');
    const read = await rawRequest(`${app.url}/api/v1/posts`);
    assert.equal(read.status, 503);
    assert.equal(read.json().error.code, 'database_unavailable');
    const write = await postJson(`${app.url}/api/v1/posts`, { text: 'while down' });
    assert.equal(write.status, 503);

    await server.start();
    await until('/readyz is true again', async () => (await rawRequest(`${app.url}/readyz`)).status === 200);
    const page = (await rawRequest(`${app.url}/api/v1/posts`)).json();
    assert.deepEqual(
      page.posts.map((p: { text: string }) => p.text),
      ['survives a restart'],
    );
    assert.equal((await postJson(`${app.url}/api/v1/posts`, { text: 'after restart' })).status, 201);
  });

  it('starts before its database and becomes ready when it appears', { timeout: 90_000 }, async () => {
    await server.stop();
    const late = await startTestAppNoWait(server.url('sample_bbs'));
    try {
      assert.equal((await rawRequest(`${late.url}/readyz`)).status, 503);
      assert.equal((await rawRequest(`${late.url}/healthz`)).status, 200, 'alive while waiting');
      await server.start();
      await until('ready after the database appears', async () => (await rawRequest(`${late.url}/readyz`)).status === 200);
    } finally {
      await late.close();
    }
  });
});

describe('SQLite written by another process', () => {
  let db: TestDatabase;
  let app: AppTier;
  appPerSuite('sqlite', { DB_TIMEOUT_MS: '3000' }, (t) => ({ db, app } = t));

  it('keeps the app answering while a write waits for the lock; the deadline answers 503', { timeout: 30_000 }, async () => {
    const { default: SQLite } = await import('better-sqlite3');
    const holder = new SQLite(db.url.slice('sqlite:'.length));
    const key = 'sqlite-locked-write-key';
    try {
      holder.exec('BEGIN IMMEDIATE'); // the write lock, held until ROLLBACK
      let written = false;
      const write = postJson(`${app.url}/api/v1/posts`, { text: 'waits for the lock' }, { 'idempotency-key': key });
      void write.then(() => (written = true));
      const health = await rawRequest(`${app.url}/healthz`);
      assert.equal(health.status, 200);
      assert.equal(written, false, '/healthz answered while the write was waiting');
      const read = await rawRequest(`${app.url}/api/v1/posts`);
      assert.equal(read.status, 200, 'reads go on (WAL)');
      assert.equal(written, false, 'a read answered while the write was waiting');
      const res = await write;
      assert.equal(res.status, 503);
      assert.equal(res.json().error.code, 'database_unavailable');
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
    const retry = await postJson(`${app.url}/api/v1/posts`, { text: 'waits for the lock' }, { 'idempotency-key': key });
    assert.equal(retry.status, 201, 'the retry with the same key stores it');
    assert.equal(await countPosts(db, 'waits for the lock'), 1);
  });

  it('a write that waits less than the deadline goes through once the lock is released', { timeout: 30_000 }, async () => {
    const { default: SQLite } = await import('better-sqlite3');
    const holder = new SQLite(db.url.slice('sqlite:'.length));
    holder.exec('BEGIN IMMEDIATE');
    const write = postJson(`${app.url}/api/v1/posts`, { text: 'after the lock' });
    // Release the lock once the app has shown it is still answering (so the write is waiting).
    assert.equal((await rawRequest(`${app.url}/healthz`)).status, 200);
    holder.exec('ROLLBACK');
    holder.close();
    assert.equal((await write).status, 201);
  });
});

for (const engine of ENGINES) {
  describe(`50 concurrent posters × 40 posts on ${engine}`, () => {
    let db: TestDatabase;
    let app: AppTier;
    appPerSuite(engine, {}, (t) => ({ db, app } = t));

    it('stores every 201 exactly once', { timeout: 120_000 }, async () => {
      const created: string[] = [];
      const poster = async (p: number) => {
        for (let i = 0; i < 40; i++) {
          const text = `poster ${p} post ${i}`;
          const res = await fetch(`${app.url}/api/v1/posts`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ text }),
          });
          await res.arrayBuffer();
          if (res.status === 201) created.push(text);
        }
      };
      await Promise.all(Array.from({ length: 50 }, (_, p) => poster(p)));
      assert.equal(created.length, 2000, 'every post accepted');
      const rows = await db.query<{ text: string; n: number }>('SELECT text, COUNT(*) AS n FROM contents GROUP BY text');
      const stored = new Map(rows.map((r) => [r.text, Number(r.n)]));
      assert.equal(stored.size, 2000);
      for (const text of created) assert.equal(stored.get(text), 1, `${text} stored once`);
      const ids = await db.query<{ n: number }>('SELECT COUNT(DISTINCT id) AS n FROM contents');
      assert.equal(Number(ids[0]!.n), 2000);
    });
  });
}
