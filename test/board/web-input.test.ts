// What the web tier accepts from a client, checked before anything reaches the app: form bytes
// decoded strictly (one UTF-8 rule with the API), page cursors bounded and checked, and
// cross-site form posts refused. Every refusal is a localized page and stores nothing.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { logSink, startTestBoard, startTestWeb, type TestBoard, type WebTier } from '../helpers/board.js';
import { rawRequest } from '../helpers/http.js';
import { SECURITY_HEADERS } from '../../src/board/web/reply.js';
import { form, rawForm, rows, typedText } from '../helpers/page.js';

/** The texts stored, oldest first, read from the database itself. */
const texts = async (board: TestBoard) => (await board.db.query<{ text: string }>('SELECT text FROM contents ORDER BY id')).map((r) => r.text);

describe('web tier input', () => {
  let board: TestBoard;
  let web: WebTier;
  const appLogs = logSink();
  const webLogs = logSink();
  const stored = async () => texts(board);

  before(async () => {
    board = await startTestBoard({ appLogs, webLogs });
    web = board.web;
  });
  after(() => board?.close());

  it('refuses a form whose text is not valid UTF-8, like the API does, and stores nothing', async () => {
    const before = await stored();
    const bodies: [string, string | Buffer][] = [
      ['percent-encoded 0xFF', 'text=a%FFb'],
      ['CESU-8 surrogate pair (U+1F600)', 'text=%ED%A0%BD%ED%B8%80'],
      ['a lone surrogate', 'text=x%ED%A0%80'],
      ['an overlong "/"', 'text=%C0%AF'],
      ['a truncated sequence', 'text=%E3%81'],
      ['raw invalid bytes', Buffer.concat([Buffer.from('text=a'), Buffer.from([0xff, 0xfe]), Buffer.from('b')])],
    ];
    for (const [what, body] of bodies) {
      const res = await rawRequest(web.url, rawForm(body));
      assert.equal(res.status, 400, what);
      assert.match(String(res.headers['content-type']), /^text\/html; charset=utf-8/, what);
      assert.match(res.body, /characters that cannot be stored/, what);
      assert.ok(res.headers['content-security-policy'], what);
    }
    const ja = await rawRequest(web.url, rawForm('text=a%FFb', { 'accept-language': 'ja' }));
    assert.match(ja.body, /保存できない文字が含まれています/);
    assert.deepEqual(await stored(), before, 'nothing was stored');
    const api = await rawRequest(`${board.app.url}/api/v1/posts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: Buffer.from([0x7b, 0x22, 0x74, 0x65, 0x78, 0x74, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]),
    });
    assert.equal(api.json().error.code, 'invalid_utf8', 'the API refuses the same bytes');
  });

  it('gives back what was typed when it refuses bytes that are not UTF-8 (bad bytes shown as U+FFFD)', async () => {
    const before = await stored();
    const cases: [string, string | Buffer, string, RegExp][] = [
      ['a bad byte in the text', 'text=hello%FFworld', 'hello\uFFFDworld', /characters that cannot be stored/],
      [
        'raw bad bytes in the text',
        Buffer.concat([Buffer.from('text=a'), Buffer.from([0xff]), Buffer.from('b&key=k')]),
        'a\uFFFDb',
        /characters that cannot be stored/,
      ],
      ['a bad byte in the key, a valid text', 'text=fine+text&key=%FF', 'fine text', /the request could not be read/],
      ['a bad byte in a field name', 'text=kept&%FF=1', 'kept', /the request could not be read/],
    ];
    for (const [what, body, typed, message] of cases) {
      const res = await rawRequest(web.url, rawForm(body));
      assert.equal(res.status, 400, what);
      assert.match(res.body, message, what);
      assert.equal(typedText(res.body), typed, what);
      assert.ok(res.headers['content-security-policy'], what);
    }
    // Any bad byte refuses the post (the API's rule for a body), also in a field sent again.
    const again = await rawRequest(web.url, rawForm('text=%FF&text=second'));
    assert.equal(again.status, 400);
    assert.equal(typedText(again.body), 'second');
    assert.deepEqual(await stored(), before, 'nothing was stored');
  });

  it('takes only a form: JSON, text and multipart bodies get a 415 page and store nothing', async () => {
    const before = await stored();
    const bodies: [string, string, string | Buffer][] = [
      // The reproduction: Fastify's JSON parser stored U+FFFD for the bad byte.
      ['JSON with a bad byte', 'application/json', Buffer.concat([Buffer.from('{"text":"a'), Buffer.from([0xff]), Buffer.from('b"}')])],
      ['valid JSON', 'application/json', '{"text":"as json"}'],
      ['deep JSON', 'application/json', `{"text":"deep","a":${'['.repeat(1000)}${']'.repeat(1000)}}`],
      ['plain text', 'text/plain', 'text=as plain text'],
      ['multipart', 'multipart/form-data; boundary=b', '--b\r\nContent-Disposition: form-data; name="text"\r\n\r\nas multipart\r\n--b--\r\n'],
      ['no media type at all', 'garbage', 'text=garbage'],
    ];
    for (const [what, type, body] of bodies) {
      const res = await rawRequest(web.url, { method: 'POST', headers: { 'content-type': type }, body });
      assert.equal(res.status, 415, what);
      assert.match(String(res.headers['content-type']), /^text\/html; charset=utf-8/, what);
      assert.match(res.body, /not this board&#39;s form/, what);
      assert.equal(res.headers['content-security-policy'], SECURITY_HEADERS['content-security-policy'], what);
      assert.equal(res.headers['x-content-type-options'], 'nosniff', what);
      assert.equal(res.headers['content-language'], 'en', what);
    }
    const ja = await rawRequest(web.url, { method: 'POST', headers: { 'content-type': 'application/json', 'accept-language': 'ja' }, body: '{"text":"x"}' });
    assert.equal(ja.status, 415);
    assert.match(ja.body, /この掲示板のフォームではありません/);
    assert.deepEqual(await stored(), before, 'nothing was stored');
    // The form itself, with a charset parameter as some clients send it, still posts.
    const ok = await rawRequest(web.url, rawForm('text=form+still+works', { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8' }));
    assert.equal(ok.status, 303);
  });

  it('still stores valid text as typed, including a "%" a browser would not have encoded', async () => {
    assert.equal((await rawRequest(web.url, rawForm('text=%F0%9F%98%80+%E3%81%82'))).status, 303);
    assert.equal((await rawRequest(web.url, rawForm('text=50%+off%2'))).status, 303);
    assert.equal((await rawRequest(web.url, form('plain & simple'))).status, 303);
    assert.deepEqual((await stored()).slice(-3), ['😀 あ', '50% off%2', 'plain & simple']);
  });

  it('refuses an over-long or malformed page cursor itself, without asking the app', async () => {
    // Re-encoded, 6,000 "!" were 18,000 bytes: the app answered 431 and the page 500.
    const huge = await rawRequest(`${web.url}?before=${'!'.repeat(6000)}`);
    assert.equal(huge.status, 414);
    assert.match(huge.body, /address is too long/);
    const cursors = ['!'.repeat(1500), 'A'.repeat(201), 'not a cursor', '%ZZ', 'eyJ4Ijox fQ'];
    for (const cursor of cursors) {
      const res = await rawRequest(`${web.url}?before=${cursor.replaceAll(' ', '+')}`);
      assert.equal(res.status, 400, cursor.slice(0, 20));
      assert.match(res.body, /page link is not valid/);
    }
    const twice = await rawRequest(`${web.url}?before=a&before=b`);
    assert.equal(twice.status, 400, 'a repeated cursor is not a cursor');
    assert.ok(!appLogs.lines.some((l) => String(l.url).includes('before=')), 'no bad cursor was sent to the app');
    assert.ok(!webLogs.lines.some((l) => Number(l.level) >= 50), 'nothing was logged as an error');
  });

  it('pages with a cursor it made itself', async () => {
    const values = Array.from({ length: 25 }, (_, i) => `('2020-01-01 00:00:00', 'bulk ${i}')`).join(',');
    await board.db.query(`INSERT INTO contents (timestamp, text) VALUES ${values}`);
    const first = await rawRequest(web.url);
    const older = /<a href="([^"]+)" rel="next">/.exec(first.body)?.[1];
    assert.ok(older);
    const next = await rawRequest(new URL(older.replaceAll('&amp;', '&'), web.url).href);
    assert.equal(next.status, 200);
    assert.ok(rows(next.body).length > 0);
  });
});

describe('web tier refusing cross-site form posts', () => {
  let board: TestBoard;
  let web: WebTier;
  const stored = async () => texts(board);

  before(async () => {
    board = await startTestBoard();
    web = board.web;
  });
  after(() => board?.close());

  it('refuses a post from another site with a localized 403 page and stores nothing', async () => {
    const host = new URL(web.url).host;
    const refused: Record<string, string>[] = [
      { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' },
      { 'sec-fetch-site': 'cross-site' },
      { origin: 'https://evil.example' },
      { origin: `http://${host}.evil.example` },
      { origin: 'null' },
      { 'sec-fetch-site': 'cross-site', origin: `http://${host}` },
    ];
    for (const headers of refused) {
      const res = await rawRequest(web.url, form('from elsewhere', headers));
      assert.equal(res.status, 403, JSON.stringify(headers));
      assert.match(String(res.headers['content-type']), /^text\/html/);
      assert.match(res.body, /sent from another site/);
      assert.doesNotMatch(res.body, /from elsewhere/, 'the foreign text is not put into the form');
      assert.ok(res.headers['content-security-policy']);
    }
    // enctype="text/plain" is another way a foreign form can post: refused before the body is read.
    const plain = await rawRequest(web.url, { method: 'POST', headers: { 'content-type': 'text/plain', 'sec-fetch-site': 'cross-site' }, body: 'text=x' });
    assert.equal(plain.status, 403);
    const ja = await rawRequest(web.url, form('x', { 'sec-fetch-site': 'cross-site', 'accept-language': 'ja' }));
    assert.equal(ja.status, 403);
    assert.match(ja.body, /別のサイトから送信/);
    assert.deepEqual(await stored(), [], 'nothing was stored');
  });

  it('accepts same-origin, same-site and direct posts, and clients that send neither header', async () => {
    const host = new URL(web.url).host;
    const accepted: Record<string, string>[] = [
      { 'sec-fetch-site': 'same-origin', origin: `http://${host}` },
      { 'sec-fetch-site': 'same-site', origin: `http://other.${host}` },
      { 'sec-fetch-site': 'none' },
      { origin: `http://${host}` },
      {},
    ];
    for (const [i, headers] of accepted.entries()) {
      const res = await rawRequest(web.url, form(`ok ${i}`, headers));
      assert.equal(res.status, 303, JSON.stringify(headers));
    }
    assert.deepEqual(await stored(), ['ok 0', 'ok 1', 'ok 2', 'ok 3', 'ok 4']);
  });
});

describe('web tier mapping app errors to pages', () => {
  /** A stand-in app that answers every call with one status and body: faults the real app does not make on demand. */
  async function answering(status: number, body: string, type = 'application/json') {
    const http = await import('node:http');
    const server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(status, { 'content-type': type });
        res.end(body);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as import('node:net').AddressInfo;
    return { url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(r)) };
  }

  const cases: [number, string, string, number][] = [
    [400, '{"error":{"code":"invalid_limit","message":"x"}}', 'application/json', 400],
    [404, '{"error":{"code":"not_found","message":"x"}}', 'application/json', 400],
    [414, '', 'text/plain', 400],
    [431, '', 'text/plain', 400],
    [418, '<html>teapot</html>', 'text/html', 400],
    [500, '{"error":{"code":"internal","message":"x"}}', 'application/json', 503],
    [502, '<html>bad gateway</html>', 'text/html', 503],
    [200, 'not json', 'application/json', 503],
  ];

  it('answers every app error as a page: 400 for a refusal, 503 when the app fails, never 500', { timeout: 30_000 }, async () => {
    for (const [status, body, type, page] of cases) {
      const stand = await answering(status, body, type);
      const logs = logSink();
      const web = await startTestWeb(stand.url, {}, logs);
      try {
        for (const req of [{ method: 'GET' }, form('hello')]) {
          const res = await rawRequest(web.url, req);
          const what = `app ${status} ${body.slice(0, 20)} on ${req.method}`;
          assert.equal(res.status, page, what);
          assert.match(String(res.headers['content-type']), /^text\/html/, what);
          assert.ok(res.headers['content-security-policy'], what);
        }
        assert.ok(!logs.lines.some((l) => Number(l.level) >= 50), `app ${status}: nothing logged as an error`);
      } finally {
        await web.close();
        await stand.close();
      }
    }
  });
});
