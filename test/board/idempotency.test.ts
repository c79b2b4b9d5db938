// Posting with an Idempotency-Key (draft-ietf-httpapi-idempotency-key-header): a retry of a post
// whose answer was lost — a timeout, a killed connection — stores nothing new and answers what the
// first one did. On SQLite and on a real MariaDB server.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { describe, it } from 'node:test';
import { countPosts, ENGINES, rootConnection, type TestDatabase } from '../helpers/databases.js';
import { appPerSuite, startTestApp, type AppTier } from '../helpers/board.js';
import { postJson, rawRequest } from '../helpers/http.js';
import { ResetProxy } from '../helpers/reset-proxy.js';

const newKey = () => crypto.randomBytes(16).toString('base64url');

for (const engine of ENGINES) {
  describe(`Idempotency-Key on ${engine}`, () => {
    let db: TestDatabase;
    let app: AppTier;
    appPerSuite(engine, {}, (t) => ({ db, app } = t));

    for (const path of ['/api/v1/posts', '/bbs']) {
      it(`POST ${path}: the same key and body twice store one row and answer the same`, async () => {
        const key = newKey();
        const text = `once via ${path} ${key}`;
        const first = await postJson(`${app.url}${path}`, { text }, { 'idempotency-key': key });
        const second = await postJson(`${app.url}${path}`, { text }, { 'idempotency-key': key });
        assert.equal(first.status, 201);
        assert.equal(second.status, 201);
        assert.equal(second.body, first.body, 'the same post (id, timestamp, text)');
        assert.equal(second.headers.location, first.headers.location);
        assert.equal(first.headers['idempotent-replayed'], undefined);
        assert.equal(second.headers['idempotent-replayed'], 'true');
        assert.equal(await countPosts(db, text), 1);
      });
    }

    it('the same key with another body answers 422 and stores nothing', async () => {
      const key = newKey();
      assert.equal((await postJson(`${app.url}/api/v1/posts`, { text: `first ${key}` }, { 'idempotency-key': key })).status, 201);
      const reused = await postJson(`${app.url}/api/v1/posts`, { text: `second ${key}` }, { 'idempotency-key': key });
      assert.equal(reused.status, 422);
      assert.equal(reused.json().error.code, 'idempotency_key_reused');
      assert.equal(await countPosts(db, `second ${key}`), 0);
      const otherRoute = await postJson(`${app.url}/bbs`, { text: `first ${key}` }, { 'idempotency-key': key });
      assert.equal(otherRoute.status, 422, 'a key belongs to the request it was first used for');
    });

    for (const [what, value] of [
      ['empty', ''],
      ['over 255 characters', 'k'.repeat(256)],
      ['not ASCII', 'clé-ünïcode'],
      ['holding a tab', 'abc\tdef'],
    ] as const) {
      it(`a key that is ${what} answers 400 and stores nothing`, async () => {
        const text = `bad key ${what} ${newKey()}`;
        const res = await rawRequest(`${app.url}/api/v1/posts`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'idempotency-key': value },
          body: JSON.stringify({ text }),
        });
        assert.equal(res.status, 400);
        assert.equal(res.json().error.code, 'invalid_idempotency_key');
        assert.equal(await countPosts(db, text), 0);
      });
    }

    it('accepts keys of 1 and of 255 characters (also quoted): the first stores, the repeat is replayed', async () => {
      const long = `${newKey()}-`.padEnd(255, '~');
      const other = (c: string) => (c === 'q' ? 'r' : 'q');
      for (const [what, key, header] of [
        ['1 character', 'z', 'z'],
        ['255 characters', long, long],
        // Another key than `long` (its first character changed), so the repeat is not a reuse.
        ['255 characters quoted', `${other(long[0]!)}${long.slice(1)}`, `"${other(long[0]!)}${long.slice(1)}"`],
      ] as const) {
        const text = `key of ${what} ${newKey()}`;
        const first = await postJson(`${app.url}/api/v1/posts`, { text }, { 'idempotency-key': header });
        const again = await postJson(`${app.url}/api/v1/posts`, { text }, { 'idempotency-key': header });
        assert.equal(first.status, 201, what);
        assert.equal(again.headers['idempotent-replayed'], 'true', what);
        assert.equal(await countPosts(db, text), 1, what);
        const stored = await db.query<{ idem_key: string }>('SELECT idem_key FROM idempotency_keys WHERE idem_key = ?', [key]);
        assert.equal(stored.length, 1, `${what}: the key kept whole`);
      }
    });

    it('keys that differ only in trailing spaces are two keys (compared byte for byte)', async () => {
      const key = newKey();
      const a = await postJson(`${app.url}/api/v1/posts`, { text: `pad a ${key}` }, { 'idempotency-key': `"${key}"` });
      const b = await postJson(`${app.url}/api/v1/posts`, { text: `pad b ${key}` }, { 'idempotency-key': `"${key}  "` });
      assert.equal(a.status, 201);
      assert.equal(b.status, 201, `the padded key is another key: ${b.body}`);
      assert.equal(b.headers['idempotent-replayed'], undefined);
      assert.notEqual(b.json().id, a.json().id);
      const again = await postJson(`${app.url}/api/v1/posts`, { text: `pad b ${key}` }, { 'idempotency-key': `"${key}  "` });
      assert.equal(again.headers['idempotent-replayed'], 'true');
      assert.equal(again.body, b.body);
      assert.equal(await countPosts(db, `pad a ${key}`), 1);
      assert.equal(await countPosts(db, `pad b ${key}`), 1);
    });

    it('POST /bbs: an echo that grows past 64 KiB when re-serialised is stored and replayed', async () => {
      // 16 KB on the wire, about 72 KB as JSON.stringify writes it (1e20 is 100000000000000000000).
      const body = `{"text":"expand","n":[${Array(3268).fill('1e20').join(',')}]}`;
      assert.ok(Buffer.byteLength(body) <= 16 * 1024);
      const key = newKey();
      const send = () => rawRequest(`${app.url}/bbs`, { method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': key }, body });
      const first = await send();
      assert.equal(first.status, 201, first.body.slice(0, 300));
      assert.ok(first.body.length > 64 * 1024);
      assert.deepEqual(JSON.parse(first.body), JSON.parse(body));
      const second = await send();
      assert.equal(second.headers['idempotent-replayed'], 'true');
      assert.equal(second.body, first.body);
    });

    it('accepts the key as a structured-field string ("...") as the draft writes it', async () => {
      const key = newKey();
      const text = `quoted ${key}`;
      const a = await postJson(`${app.url}/api/v1/posts`, { text }, { 'idempotency-key': `"${key}"` });
      const b = await postJson(`${app.url}/api/v1/posts`, { text }, { 'idempotency-key': key });
      assert.equal(a.status, 201);
      assert.equal(b.headers['idempotent-replayed'], 'true', 'the quoted and the bare key are the same key');
      assert.equal(await countPosts(db, text), 1);
    });

    it('20 concurrent posts with one key store one row and all answer the same post', async () => {
      const key = newKey();
      const text = `concurrent ${key}`;
      const all = await Promise.all(Array.from({ length: 20 }, () => postJson(`${app.url}/api/v1/posts`, { text }, { 'idempotency-key': key })));
      assert.deepEqual([...new Set(all.map((r) => r.status))], [201]);
      assert.equal(new Set(all.map((r) => r.body)).size, 1, 'one post in every answer');
      assert.equal(all.filter((r) => r.headers['idempotent-replayed'] !== 'true').length, 1, 'one first answer, the rest replayed');
      assert.equal(await countPosts(db, text), 1);
    });

    it('without a key, two posts are two rows (the header is optional)', async () => {
      const text = `no key ${newKey()}`;
      await postJson(`${app.url}/api/v1/posts`, { text });
      await postJson(`${app.url}/api/v1/posts`, { text });
      assert.equal(await countPosts(db, text), 2);
    });

    it('a key is forgotten after the retention window', async () => {
      const key = newKey();
      const text = `expired ${key}`;
      assert.equal((await postJson(`${app.url}/api/v1/posts`, { text }, { 'idempotency-key': key })).status, 201);
      // Age the key past 24 h, as time would.
      await db.query('UPDATE idempotency_keys SET created_ms = created_ms - ? WHERE idem_key = ?', [25 * 3600_000, key]);
      const again = await postJson(`${app.url}/api/v1/posts`, { text }, { 'idempotency-key': key });
      assert.equal(again.status, 201);
      assert.equal(again.headers['idempotent-replayed'], undefined, 'a new post');
      assert.equal(await countPosts(db, text), 2);
    });

    it('expired keys are pruned in batches, without holding up the request', async () => {
      const old = Date.now() - 25 * 3600_000;
      const rows = Array.from({ length: 1500 }, (_, i) => `('old-key-${i}', 'x', 0, '{}', ${old - i})`).join(', ');
      await db.query(`INSERT INTO idempotency_keys VALUES ${rows}`);
      const left = async () => Number((await db.query<{ n: number }>("SELECT COUNT(*) AS n FROM idempotency_keys WHERE idem_key LIKE 'old-key-%'"))[0]!.n);
      const untilLeft = async (n: number) => {
        for (let i = 0; i < 100 && (await left()) > n; i++) await new Promise((r) => setTimeout(r, 50));
        return left();
      };
      const fresh = await startTestApp(db.url);
      try {
        const post = () => postJson(`${fresh.url}/api/v1/posts`, { text: `prune ${newKey()}` }, { 'idempotency-key': newKey() });
        assert.equal((await post()).status, 201);
        assert.equal(await untilLeft(500), 500, 'one batch of 1,000 the first time');
        assert.equal((await post()).status, 201);
        assert.equal(await untilLeft(0), 0, 'the backlog goes on the next post, not a minute later');
        const kept = await db.query<{ n: number }>('SELECT COUNT(*) AS n FROM idempotency_keys WHERE created_ms > ?', [old]);
        assert.ok(Number(kept[0]!.n) > 0, 'keys within the window are kept');
      } finally {
        await fresh.close();
      }
    });
  });
}

describe('a retry after the connection was killed mid-insert (MariaDB)', () => {
  let db: TestDatabase;
  let app: AppTier;
  appPerSuite('mysql', { DB_TIMEOUT_MS: '20000' }, (t) => ({ db, app } = t));

  // Another session makes the app's INSERT wait in the server, where we kill its connection: on
  // `contents` (the table locked), or on the key after the post is in (its row held uncommitted,
  // so a post stored outside the key's transaction would survive the kill).
  for (const table of ['contents', 'idempotency_keys'] as const) {
    it(`a connection killed while inserting into ${table}, then a retry: exactly one row`, { timeout: 60_000 }, async () => {
      const key = newKey();
      const text = `killed mid-insert ${table} ${key}`;
      const dbName = new URL(db.url).pathname.slice(1);
      const holder = await rootConnection();
      const root = await rootConnection();
      try {
        if (table === 'contents') await holder.query(`LOCK TABLES ${dbName}.contents WRITE`);
        else {
          await holder.query('BEGIN');
          await holder.query(`INSERT INTO ${dbName}.idempotency_keys VALUES (?, 'x', 0, 'x', ?)`, [key, Date.now()]);
        }
        const first = postJson(`${app.url}/api/v1/posts`, { text }, { 'idempotency-key': key });
        let killed = 0;
        for (let i = 0; i < 200 && !killed; i++) {
          const [procs] = await root.query(`SELECT ID FROM information_schema.PROCESSLIST WHERE DB = ? AND INFO LIKE 'insert into \`${table}\`%'`, [dbName]);
          for (const p of procs as { ID: number }[]) await root.query(`KILL ${p.ID}`);
          killed = (procs as unknown[]).length;
          if (!killed) await new Promise((r) => setTimeout(r, 50));
        }
        assert.equal(killed, 1, 'the INSERT was seen waiting and killed');
        assert.equal((await first).status, 503, 'the client cannot know whether it was stored');
        await holder.query(table === 'contents' ? 'UNLOCK TABLES' : 'ROLLBACK');
        const retry = await postJson(`${app.url}/api/v1/posts`, { text }, { 'idempotency-key': key });
        assert.equal(retry.status, 201);
        const again = await postJson(`${app.url}/api/v1/posts`, { text }, { 'idempotency-key': key });
        assert.equal(again.headers['idempotent-replayed'], 'true');
        assert.equal(again.body, retry.body);
        assert.equal(await countPosts(db, text), 1);
      } finally {
        await holder.end();
        await root.end();
      }
    });
  }

  it('a COMMIT sent but not confirmed by the deadline answers 504 (maybe stored), never 503; the retry replays it', { timeout: 60_000 }, async () => {
    const proxy = await ResetProxy.start(3306);
    const viaProxy = new URL(db.url);
    viaProxy.port = String(proxy.port);
    const short = await startTestApp(viaProxy.href, { DB_TIMEOUT_MS: '1000' });
    const key = newKey();
    const text = `commit unconfirmed ${key}`;
    try {
      // The COMMIT reaches the server and is carried out; its answer never reaches the app.
      // eslint-disable-next-line no-control-regex -- 0x03 is the MySQL COM_QUERY byte before the statement
      proxy.holdRepliesAfter(/\x03commit/i);
      const unconfirmed = await postJson(`${short.url}/api/v1/posts`, { text }, { 'idempotency-key': key });
      assert.ok(proxy.holding, 'the COMMIT was sent and its answer held');
      assert.equal(unconfirmed.status, 504, unconfirmed.body);
      assert.equal(unconfirmed.json().error.code, 'database_outcome_unknown');
      assert.equal(await countPosts(db, text), 1, 'it was stored: a 503 here would have been a lie');
      const retry = await postJson(`${short.url}/api/v1/posts`, { text }, { 'idempotency-key': key });
      assert.equal(retry.status, 201);
      assert.equal(retry.headers['idempotent-replayed'], 'true');
      assert.equal(await countPosts(db, text), 1);
    } finally {
      await short.close();
      await proxy.close();
    }
  });

  it('a post that commits after its deadline answered 503, then a retry: exactly one row', { timeout: 60_000 }, async () => {
    const proxy = await ResetProxy.start(3306);
    const viaProxy = new URL(db.url);
    viaProxy.port = String(proxy.port);
    const short = await startTestApp(viaProxy.href, { DB_TIMEOUT_MS: '1000' });
    const key = newKey();
    const text = `deadline ${key}`;
    try {
      // The INSERT reaches the server, but its answer is kept from the app past the deadline.
      proxy.holdRepliesAfter(/insert into `contents`/i);
      const timedOut = await postJson(`${short.url}/api/v1/posts`, { text }, { 'idempotency-key': key });
      assert.equal(timedOut.status, 503);
      assert.ok(proxy.holding, 'the INSERT was sent and its answer held');
      proxy.releaseReplies();
      // The first request may commit now, or already has; the retry must not make a second row.
      const retry = await postJson(`${short.url}/api/v1/posts`, { text }, { 'idempotency-key': key });
      assert.equal(retry.status, 201);
      assert.equal(await countPosts(db, text), 1);
    } finally {
      await short.close();
      await proxy.close();
    }
  });
});
