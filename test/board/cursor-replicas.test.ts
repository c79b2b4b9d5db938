// Page cursors across app processes: replicas behind a load balancer answer a board's pages in
// turn, so the "older" link one app process made must be accepted by the others. Two real app
// processes on one database: with the same CURSOR_KEY, or (no CURSOR_KEY) with the same database
// password, each accepts the other's cursor; two processes keyed differently refuse it, as any
// cursor the app did not make.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { postJson, rawRequest } from '../helpers/http.js';
import { freePort } from '../helpers/ports.js';
import { startTierProcess, untilAnswering, type TierProcess } from '../helpers/tier-process.js';

const running: TierProcess[] = [];
const dbs: TestDatabase[] = [];
after(async () => {
  for (const p of running) p.proc.kill('SIGKILL');
  for (const d of dbs) await d.drop();
});

/** An app process on `db` with `env`; its URL once it answers. */
async function app(db: TestDatabase, env: Record<string, string> = {}): Promise<string> {
  const port = await freePort();
  const p = startTierProcess('src/board/app/main.ts', { APP_PORT: String(port), DATABASE_URL: db.url, LOG_LEVEL: 'warn', ...env });
  running.push(p);
  const url = `http://127.0.0.1:${port}`;
  await untilAnswering(`${url}/readyz`, p);
  for (let i = 0; i < 100 && (await rawRequest(`${url}/readyz`)).status !== 200; i++) await new Promise((r) => setTimeout(r, 100));
  return url;
}

/** The next-page cursor `a` makes, and how `b` answers it. */
async function crossPage(db: TestDatabase, envA: Record<string, string>, envB: Record<string, string>) {
  const [a, b] = [await app(db, envA), await app(db, envB)];
  for (let i = 0; i < 3; i++) assert.equal((await postJson(`${a}/api/v1/posts`, { text: `post ${i}` })).status, 201);
  const next: string = (await rawRequest(`${a}/api/v1/posts?limit=2`)).json().next;
  assert.ok(next, 'the first page has a next cursor');
  const res = await rawRequest(`${b}/api/v1/posts?limit=2&before=${next}`);
  return { status: res.status, body: res.json() };
}

/** A fresh test database, dropped after the file. */
async function database(engine: 'sqlite' | 'mysql'): Promise<TestDatabase> {
  const db = await createTestDatabase(engine);
  dbs.push(db);
  return db;
}

/** The other process accepted the cursor: 200 and the page after the first two posts. */
function assertOlderPage(r: { status: number; body: { posts: { text: string }[] } }): void {
  assert.equal(r.status, 200);
  assert.deepEqual(
    r.body.posts.map((p) => p.text),
    ['post 0'],
  );
}

describe('page cursors across app replicas', () => {
  it('two app processes with the same CURSOR_KEY accept each other’s cursors', async () => {
    const db = await database('sqlite');
    const key = { CURSOR_KEY: 'a-shared-cursor-key-of-replicas' };
    const r = await crossPage(db, key, key);
    assertOlderPage(r);
  });

  it('two app processes keyed differently refuse each other’s cursors (400 invalid_cursor)', async () => {
    const db = await database('sqlite');
    const r = await crossPage(db, { CURSOR_KEY: 'the-first-cursor-key-xxxxx' }, { CURSOR_KEY: 'the-other-cursor-key-yyyyy' });
    assert.equal(r.status, 400);
    assert.equal(r.body.error.code, 'invalid_cursor');
  });

  it('without CURSOR_KEY, two app processes on one MariaDB (one password) accept each other’s cursors', async () => {
    const db = await database('mysql');
    assert.notEqual(new URL(db.url).password, '', 'the test database has a password');
    const r = await crossPage(db, {}, {});
    assertOlderPage(r);
  });

  it('a CURSOR_KEY shorter than 16 characters stops the app with a message naming it', async () => {
    const db = await database('sqlite');
    const p = startTierProcess('src/board/app/main.ts', { APP_PORT: String(await freePort()), DATABASE_URL: db.url, CURSOR_KEY: 'short' });
    running.push(p);
    const code = await new Promise<number | null>((r) => p.proc.once('exit', r));
    assert.equal(code, 2, p.output());
    assert.match(p.output(), /invalid environment variable CURSOR_KEY: must be at least 16 characters/);
    assert.doesNotMatch(p.output(), /short/);
  });
});
