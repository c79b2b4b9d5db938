// A post made through the page is stored at most once, whatever happens on the way: the form's
// one-time key travels to the app as Idempotency-Key, so a double-submitted form, the web
// tier's own retry after a lost answer, and the user's retry after a 503 from a frozen app tier
// each leave exactly one row. The app tier is the real one (in this process, or as its own
// process when it has to be frozen with SIGSTOP).
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { countPosts, createTestDatabase, ENGINES } from '../helpers/databases.js';
import { logSink, startTestApp, startTestBoard, startTestWeb, type TestBoard, type WebTier } from '../helpers/board.js';
import { rawRequest } from '../helpers/http.js';
import { newFormKey } from '../../src/board/web/form-key.js';
import { form, formKey } from '../helpers/page.js';
import { freePort } from '../helpers/ports.js';

const KEY = /^[A-Za-z0-9_-]{22}$/;

async function keyOfNewPage(url: string): Promise<string> {
  const key = formKey((await rawRequest(url)).body);
  assert.ok(key, 'the page has a key');
  return key;
}

describe('form keys', () => {
  it('keys never repeat, also past the random pool they are drawn from', () => {
    const keys = Array.from({ length: 1000 }, () => newFormKey());
    for (const key of keys) assert.match(key, KEY);
    assert.equal(new Set(keys).size, keys.length);
  });
});

for (const engine of ENGINES)
  describe(`posting through the page is idempotent (${engine})`, () => {
    let board: TestBoard;
    let web: WebTier;
    const appLogs = logSink();
    const postsSeenByApp = () => appLogs.lines.filter((l) => l.method === 'POST' && l.url === '/api/v1/posts').length;

    before(async () => {
      board = await startTestBoard({ engine, appLogs });
      web = board.web;
    });
    after(() => board?.close());

    it('every page carries its own 128-bit key', async () => {
      const keys = await Promise.all(Array.from({ length: 5 }, () => keyOfNewPage(web.url)));
      for (const key of keys) assert.match(key, KEY);
      assert.equal(new Set(keys).size, keys.length);
    });

    it('a form sent twice stores one post; the page after it has a new key', async () => {
      const key = await keyOfNewPage(web.url);
      for (let i = 0; i < 2; i++) {
        const res = await rawRequest(web.url, form({ text: 'sent twice', key }));
        assert.equal(res.status, 303, `submission ${i + 1}`);
      }
      assert.equal(await countPosts(board.db, 'sent twice'), 1);
      assert.notEqual(await keyOfNewPage(web.url), key);
    });

    it('a form sent five times at once stores one post', async () => {
      const key = await keyOfNewPage(web.url);
      const all = await Promise.all(Array.from({ length: 5 }, () => rawRequest(web.url, form({ text: 'sent at once', key }))));
      assert.deepEqual(
        all.map((r) => r.status),
        [303, 303, 303, 303, 303],
      );
      assert.equal(await countPosts(board.db, 'sent at once'), 1);
    });

    it('a used key with another text stores nothing and says so, keeping the text under a new key', async () => {
      const key = await keyOfNewPage(web.url);
      assert.equal((await rawRequest(web.url, form({ text: 'the first text', key }))).status, 303);
      const res = await rawRequest(web.url, form({ text: 'edited text', key }));
      assert.equal(res.status, 409);
      assert.match(res.body, /already used for an earlier post/);
      assert.match(res.body, /value="edited text"/);
      const fresh = formKey(res.body);
      assert.ok(fresh && fresh !== key);
      assert.equal(await countPosts(board.db, 'edited text'), 0);
      assert.equal((await rawRequest(web.url, form({ text: 'edited text', key: fresh }))).status, 303, 'sent again, it is stored');
      assert.equal(await countPosts(board.db, 'edited text'), 1);
    });

    it("a form key of 255 printable characters is the post's key: sent twice, one row; 256 are refused", async () => {
      const key = `${newFormKey()}!~"`.padEnd(255, '~');
      for (let i = 0; i < 2; i++) assert.equal((await rawRequest(web.url, form({ text: 'a key of 255', key }))).status, 303, `send ${i + 1}`);
      assert.equal(await countPosts(board.db, 'a key of 255'), 1);
      const seen = postsSeenByApp();
      const refused = await rawRequest(web.url, form({ text: 'a key of 256', key: `${key}~` }));
      assert.equal(refused.status, 400);
      assert.equal(postsSeenByApp(), seen, 'refused by the web tier itself: the app saw no post');
      assert.equal(await countPosts(board.db, 'a key of 256'), 0);
    });

    it('a form whose key cannot be a key is refused and stores nothing', async () => {
      for (const key of ['has space', 'x'.repeat(256), 'ключ']) {
        const res = await rawRequest(web.url, form({ text: 'bad key', key }));
        assert.equal(res.status, 400, key.slice(0, 20));
      }
      assert.equal(await countPosts(board.db, 'bad key'), 0);
    });
  });

/**
 * A TCP proxy in front of the real app that loses the answer to the first POST: the app stores
 * the post, the web tier sees its connection close without a reply. (The real app cannot be made
 * to lose one answer on demand.)
 */
async function losingProxy(appUrl: string) {
  const { hostname, port } = new URL(appUrl);
  let lost = false;
  let posts = 0;
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(port), hostname);
    let dropThisAnswer = false;
    client.on('data', (chunk: Buffer) => {
      if (chunk.subarray(0, 5).toString() === 'POST ') {
        posts++;
        if (!lost) dropThisAnswer = lost = true;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (dropThisAnswer) {
        client.destroy();
        upstream.destroy();
      } else client.write(chunk);
    });
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.on('error', () => {});
    upstream.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    posts: () => posts,
    close: () => new Promise((r) => server.close(r)),
  };
}

describe('the web tier retrying a post', () => {
  it('sends the post again with the same key when the answer is lost: one row, and the page says it is posted', async () => {
    const db = await createTestDatabase('sqlite');
    const app = await startTestApp(db.url);
    const proxy = await losingProxy(app.url);
    const web = await startTestWeb(proxy.url);
    try {
      const res = await rawRequest(web.url, form('answer lost once'));
      assert.equal(res.status, 303);
      assert.equal(proxy.posts(), 2, 'the web tier sent the post twice');
      const rows = await db.query<{ text: string }>('SELECT text FROM contents');
      assert.deepEqual(
        rows.map((r) => r.text),
        ['answer lost once'],
      );
    } finally {
      await web.close();
      await proxy.close();
      await app.close();
      await db.drop();
    }
  });
});

/** The app tier as its own process, so that it can be frozen (SIGSTOP) and resumed (SIGCONT). */
async function appProcess(databaseUrl: string): Promise<{ proc: ChildProcess; url: string }> {
  const port = await freePort();
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/board/app/main.ts'], {
    env: { ...process.env, APP_PORT: String(port), HOST: '127.0.0.1', DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (proc.exitCode !== null) throw new Error(`the app exited (${proc.exitCode})`);
    const ready = await rawRequest(`${url}/readyz`).catch(() => undefined);
    if (ready?.status === 200) return { proc, url };
    if (i > 300) throw new Error('the app never became ready');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('a post while the app tier is frozen', () => {
  it('answers 503 keeping text and key; after the app resumes, sending the form again leaves one row', { timeout: 60_000 }, async () => {
    const db = await createTestDatabase('sqlite');
    const app = await appProcess(db.url);
    const web = await startTestWeb(app.url, { REST_TIMEOUT_MS: '1500' });
    try {
      const key = await keyOfNewPage(web.url);
      app.proc.kill('SIGSTOP');
      const frozen = await rawRequest(web.url, form({ text: 'typed while frozen', key }));
      assert.equal(frozen.status, 503);
      assert.match(frozen.body, /Nothing you typed was lost/);
      assert.match(frozen.body, /value="typed while frozen"/);
      assert.equal(formKey(frozen.body), key, 'the 503 page keeps the key of the post that may be stored');

      app.proc.kill('SIGCONT');
      // The app reads the requests that waited in its socket buffers and stores the post: the
      // very case in which a retry without a key made a second row.
      for (let i = 0; (await countPosts(db, 'typed while frozen')) === 0; i++) {
        if (i > 200) assert.fail('the post sent while the app was frozen was never stored');
        await new Promise((r) => setTimeout(r, 50));
      }
      const again = await rawRequest(web.url, form({ text: 'typed while frozen', key: formKey(frozen.body)! }));
      assert.equal(again.status, 303);
      assert.equal(await countPosts(db, 'typed while frozen'), 1);
      assert.notEqual(await keyOfNewPage(web.url), key, 'after the post the page has a new key');
    } finally {
      app.proc.kill('SIGCONT');
      await web.close();
      app.proc.kill('SIGTERM');
      await new Promise((r) => (app.proc.exitCode !== null ? r(null) : app.proc.once('exit', r)));
      await db.drop();
    }
  });
});
