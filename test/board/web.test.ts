// The web tier over HTTP: the original page contract, escaping, languages, pagination, the form
// (post/redirect/get and refusals), request ids carried to the app, and the app tier failing.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { countPosts, createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { logSink, startTestApp, startTestBoard, startTestWeb, type TestBoard, type WebTier } from '../helpers/board.js';
import { rawRequest } from '../helpers/http.js';
import { form, formKey, rows } from '../helpers/page.js';

describe('web tier', () => {
  let board: TestBoard;
  let db: TestDatabase;
  let web: WebTier;
  const appLogs = logSink();
  const page = (path = '/', headers: Record<string, string> = {}) => rawRequest(new URL(path, web.url).href, { headers });

  before(async () => {
    board = await startTestBoard({ appLogs });
    ({ db, web } = board);
  });
  after(() => board?.close());

  it('serves the original page contract: form #text and an empty board', async () => {
    const res = await page();
    assert.equal(res.status, 200);
    assert.match(String(res.headers['content-type']), /^text\/html; charset=utf-8/);
    assert.match(res.body, /<form method="post" action="\/">/);
    assert.match(res.body, /<input type="text" id="text" name="text"/);
    assert.match(res.body, /<label for="text">Please write something and hit enter<\/label>/);
  });

  it('POST / stores through the app and redirects to / (post/redirect/get)', async () => {
    const res = await rawRequest(web.url, form('hello from the form'));
    assert.equal(res.status, 303);
    assert.equal(res.headers.location, '/');
    const [first] = rows((await page()).body);
    assert.ok(first);
    assert.match(first[0], /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    assert.equal(first[1], 'hello from the form');
  });

  it('shows posts newest first, as typed (UTF-8, emoji) and escaped', async () => {
    await rawRequest(web.url, form('<script>alert(1)</script> & "q"'));
    await rawRequest(web.url, form('こんにちは 🌸'));
    const got = rows((await page()).body);
    assert.deepEqual(
      got.slice(0, 3).map((r) => r[1]),
      ['こんにちは 🌸', '&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;q&quot;', 'hello from the form'],
    );
    assert.doesNotMatch((await page()).body, /<script>/);
  });

  it('refuses empty, white-space-only and over-long text: says why, keeps it, stores nothing', async () => {
    const countBefore = rows((await page()).body).length;
    for (const [text, why] of [
      ['', /please write something|empty/i],
      ['   ', /empty or only spaces/],
      ['x'.repeat(256), /longer than 255 characters/],
      // Interlinear annotation marks: format characters that Chromium draws as nothing.
      ['\ufff9\ufffa\ufffb', /empty or only spaces/],
    ] as const) {
      const res = await rawRequest(web.url, form(text));
      assert.equal(res.status, 400);
      assert.match(res.body, why);
      assert.match(res.body, new RegExp(`value="${text}"`), 'what was typed is kept');
    }
    assert.equal(rows((await page()).body).length, countBefore);
  });

  it('answers errors outside the routes as pages: 413 for a form over 16 KiB, 404 for no such page', async () => {
    const countBefore = rows((await page()).body).length;
    const big = await rawRequest(web.url, form('x'.repeat(17 * 1024)));
    assert.equal(big.status, 413);
    assert.match(String(big.headers['content-type']), /^text\/html/);
    assert.match(big.body, /larger than 16 KiB/);
    assert.equal(rows((await page()).body).length, countBefore, 'nothing stored');
    const missing = await page('/no-such-page', { 'accept-language': 'ja' });
    assert.equal(missing.status, 404);
    assert.match(missing.body, /そのページはこの掲示板にありません/);
  });

  it('speaks Japanese or English by Accept-Language', async () => {
    const ja = await page('/', { 'accept-language': 'ja-JP,ja;q=0.9,en;q=0.8' });
    assert.match(ja.body, /<html lang="ja">/);
    assert.match(ja.body, /何か書いて Enter キーを押してください/);
    assert.equal(ja.headers['content-language'], 'ja');
    const en = await page('/', { 'accept-language': 'fr, en;q=0.5, ja;q=0.1' });
    assert.match(en.body, /Please write something and hit enter/);
    const refusedJa = await rawRequest(web.url, form(' ', { 'accept-language': 'ja' }));
    assert.match(refusedJa.body, /空白だけの投稿はできません/);
  });

  it('pages 20 at a time with an older-posts link, and caps the page size', async () => {
    const values = Array.from({ length: 130 }, (_, i) => `('2020-01-01 00:00:00', 'bulk ${i}')`).join(',');
    await db.query(`INSERT INTO contents (timestamp, text) VALUES ${values}`);
    const total = await countPosts(db);
    const seen: string[] = [];
    let path: string | undefined = '/';
    let pages = 0;
    while (path) {
      const body: string = (await page(path)).body;
      const r = rows(body);
      assert.ok(r.length <= 20);
      seen.push(...r.map((x) => x[1]));
      path = /<a href="([^"]+)" rel="next">/.exec(body)?.[1]?.replaceAll('&amp;', '&');
      if (path) assert.match(path, /^\/\?before=[A-Za-z0-9_-]+$/, 'a keyset cursor, not an offset');
      pages++;
    }
    assert.equal(seen.length, total);
    assert.equal(new Set(seen).size, total);
    assert.equal(pages, Math.ceil(total / 20));
    assert.equal(rows((await page('/?limit=1000')).body).length, 100, 'page size capped at 100');
  });

  it('answers 400 with the newest posts for a forged cursor', async () => {
    const res = await page('/?before=forged');
    assert.equal(res.status, 400);
    assert.match(res.body, /page link is not valid/);
    assert.ok(rows(res.body).length > 0);
  });

  it('carries the request id from web to app', async () => {
    await rawRequest(web.url, form('traced', { 'x-request-id': 'trace-web-to-app-42' }));
    const line = appLogs.lines.find((l) => l.reqId === 'trace-web-to-app-42' && l.url === '/api/v1/posts');
    assert.ok(line, 'the app logged the request under the id the web tier was given');
    assert.equal(line.status, 201);
  });

  it('web /readyz follows the app tier', async () => {
    assert.equal((await page('/readyz')).status, 200);
    assert.equal((await page('/healthz')).status, 200);
  });
});

describe('web tier when the app tier fails', () => {
  it('answers 503 with a clear message while the app is down, then recovers by itself', async () => {
    const db = await createTestDatabase('sqlite');
    let app = await startTestApp(db.url);
    const port = new URL(app.url).port;
    const web = await startTestWeb(app.url);
    try {
      assert.equal((await rawRequest(web.url)).status, 200);
      await app.close();
      const down = await rawRequest(web.url);
      assert.equal(down.status, 503);
      assert.match(down.body, /cannot reach its app tier/);
      assert.equal(down.headers['retry-after'], '5');
      const kept = await rawRequest(web.url, form('typed while down'));
      assert.equal(kept.status, 503);
      assert.match(kept.body, /value="typed while down"/);
      assert.equal((await rawRequest(new URL('/readyz', web.url).href)).status, 503);

      app = await startTestApp(db.url, { APP_PORT: port });
      assert.equal((await rawRequest(web.url)).status, 200);
      assert.equal((await rawRequest(web.url, form('after recovery'))).status, 303);
    } finally {
      await web.close();
      await app.close();
      await db.drop();
    }
  });

  it(
    'answers 503 within REST_TIMEOUT_MS for a page and twice it for a post when the app accepts connections but never replies',
    { timeout: 15_000 },
    async () => {
      const sockets: net.Socket[] = [];
      const silent = net.createServer((s) => sockets.push(s)); // reads requests, never answers
      await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
      const { port } = silent.address() as net.AddressInfo;
      const timeoutMs = 1500;
      const web = await startTestWeb(`http://127.0.0.1:${port}`, { REST_TIMEOUT_MS: String(timeoutMs) });
      // The README's bounds: a page read answers 503 past REST_TIMEOUT_MS, a post (sent twice, with
      // its key) within twice it. Slack for scheduling only: undici's own timers fired up to 1 s
      // late per call (a post's 503 came at 4.0 s here).
      const SLACK_MS = 500;
      const timed = async (req: Parameters<typeof rawRequest>[1]) => {
        const started = Date.now();
        const res = await rawRequest(web.url, req);
        return { res, ms: Date.now() - started };
      };
      try {
        const read = await timed({});
        assert.equal(read.res.status, 503);
        assert.match(read.res.body, /cannot reach its app tier/);
        assert.ok(read.ms >= timeoutMs - 20 && read.ms < timeoutMs + SLACK_MS, `a page read answered 503 after ${read.ms} ms`);
        const post = await timed(form('sent to a silent app'));
        assert.equal(post.res.status, 503);
        assert.ok(post.ms >= 2 * timeoutMs - 40 && post.ms < 2 * timeoutMs + SLACK_MS, `a post answered 503 after ${post.ms} ms`);
      } finally {
        await web.close();
        sockets.forEach((s) => s.destroy());
        silent.close();
      }
    },
  );
});

describe('web tier sharing reads', () => {
  /** A stand-in app tier whose page reads are held until the test releases them. */
  async function heldApp() {
    const posts: { id: number; timestamp: string; text: string }[] = [];
    const held: (() => void)[] = [];
    let reads = 0;
    const server = (await import('node:http')).createServer((req, res) => {
      const answer = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (req.method === 'POST') {
        let body = '';
        req.on('data', (c) => (body += c));
        req.on('end', () => {
          const post = { id: posts.length + 1, timestamp: '2026-01-01 00:00:00', text: JSON.parse(body).text };
          posts.unshift(post);
          answer(201, post);
        });
        return;
      }
      reads++;
      const snapshot = [...posts];
      held.push(() => answer(200, { posts: snapshot, next: null }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return {
      url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
      reads: () => reads,
      release: () => held.splice(0).forEach((f) => f()),
      waitForReads: async (n: number) => {
        for (let i = 0; reads < n; i++) {
          if (i > 500) throw new Error(`the app saw ${reads} page reads, expected ${n}`);
          await new Promise((r) => setTimeout(r, 10));
        }
      },
      close: () => new Promise((r) => server.close(r)),
    };
  }

  it('page reads in flight at the same time share one call to the app', { timeout: 20_000 }, async () => {
    const stand = await heldApp();
    const web = await startTestWeb(stand.url, { REST_TIMEOUT_MS: '10000' });
    try {
      const pages = Array.from({ length: 10 }, () => rawRequest(web.url));
      await stand.waitForReads(1);
      await new Promise((r) => setTimeout(r, 300)); // let the other nine reach the web tier
      stand.release();
      const answers = await Promise.all(pages);
      for (const res of answers) assert.equal(res.status, 200);
      assert.equal(stand.reads(), 1);
      const keys = answers.map((res) => formKey(res.body));
      assert.equal(new Set(keys).size, 10, 'each page has its own one-time key, though all ten shared one read');
      for (const key of keys) assert.match(key ?? '', /^[A-Za-z0-9_-]{22}$/);
    } finally {
      stand.release();
      await web.close();
      await stand.close();
    }
  });

  it('a read that started before a post is not shared with reads after it', { timeout: 20_000 }, async () => {
    const stand = await heldApp();
    const web = await startTestWeb(stand.url, { REST_TIMEOUT_MS: '10000' });
    try {
      const early = rawRequest(web.url);
      await stand.waitForReads(1);
      assert.equal((await rawRequest(web.url, form('my own post'))).status, 303);
      const after = rawRequest(web.url);
      await stand.waitForReads(2);
      stand.release();
      assert.deepEqual(
        rows((await after).body).map((r) => r[1]),
        ['my own post'],
      );
      assert.deepEqual(rows((await early).body), []);
    } finally {
      stand.release();
      await web.close();
      await stand.close();
    }
  });
});
