// The app tier's REST API, every route and error path, on SQLite and on a real MariaDB server.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { countPosts, ENGINES, type TestDatabase } from '../helpers/databases.js';
import { startTestAppOn, type AppTier, type TestApp } from '../helpers/board.js';
import { postJson, rawRequest, rawSocket } from '../helpers/http.js';

const ADMIN_TOKEN = 'test-admin-token-0123456789';
const TS = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;

for (const engine of ENGINES) {
  describe(`app REST API on ${engine}`, () => {
    let testApp: TestApp;
    let db: TestDatabase;
    let app: AppTier;
    const url = (p: string) => `${app.url}${p}`;

    before(async () => {
      testApp = await startTestAppOn(engine, { ADMIN_TOKEN });
      ({ db, app } = testApp);
    });
    after(() => testApp?.close());

    it('POST /bbs with no Content-Type (the original client) stores the post and echoes the body', async () => {
      const body = JSON.stringify({ text: 'from the original client' });
      const res = await rawRequest(url('/bbs'), { method: 'POST', body });
      assert.equal(res.status, 201);
      assert.deepEqual(res.json(), { text: 'from the original client' });
      const rows = await db.query<{ text: string }>('SELECT text FROM contents WHERE text = ?', ['from the original client']);
      assert.equal(rows.length, 1);
    });

    it('reads any Content-Type as JSON, also one that is no media type at all', async () => {
      // Fastify refused these three with 415 before the body was read; the README says any is read as JSON.
      const types = ['garbage', ';;;', 'application/json, text/plain', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data'];
      for (const [i, type] of types.entries()) {
        for (const path of ['/bbs', '/api/v1/posts']) {
          const text = `typed as ${type} ${i} ${path}`;
          const res = await rawRequest(url(path), { method: 'POST', headers: { 'content-type': type }, body: JSON.stringify({ text }) });
          assert.equal(res.status, 201, `${type} on ${path}`);
          assert.equal(res.json().text, text);
          assert.equal(await countPosts(db, text), 1);
        }
      }
      // The JSON rules still hold whatever the type says.
      const bad = await rawRequest(url('/api/v1/posts'), { method: 'POST', headers: { 'content-type': ';;;' }, body: 'text=x' });
      assert.equal(bad.status, 400);
      assert.equal(bad.json().error.code, 'malformed_json');
    });

    it('reads an Idempotency-Key after 2,000 other headers: the second request is a replay', async () => {
      // Node's maxHeadersCount (2,000) dropped it: two 201s and two rows. 2,000 "a: 1" fit in 16 KiB.
      const text = `many headers ${engine}`;
      const body = JSON.stringify({ text });
      const request = [
        'POST /api/v1/posts HTTP/1.1',
        `Host: ${new URL(app.url).host}`,
        'Content-Type: application/json',
        ...Array.from({ length: 2000 }, () => 'a: 1'),
        'Idempotency-Key: k-many',
        `Content-Length: ${Buffer.byteLength(body)}`,
        'Connection: close',
        '',
        body,
      ].join('\r\n');
      const first = await rawSocket(app.url, request).closed;
      const second = await rawSocket(app.url, request).closed;
      assert.equal(first.status, 201, first.data.slice(0, 200));
      assert.equal(second.status, 201, second.data.slice(0, 200));
      assert.match(second.data, /\r\nidempotent-replayed: true\r\n/i, 'the second is the first answer again');
      assert.equal(await countPosts(db, text), 1);
    });

    it('GET /bbs returns an object keyed by post id with timestamp and text', async () => {
      await postJson(url('/bbs'), { text: 'keyed 🌸 日本語' });
      const res = await rawRequest(url('/bbs'));
      assert.equal(res.status, 200);
      const all = res.json<Record<string, { timestamp: string; text: string }>>();
      const entry = Object.entries(all).find(([, v]) => v.text === 'keyed 🌸 日本語');
      assert.ok(entry, 'the post is listed');
      assert.match(entry[0], /^\d+$/);
      assert.match(entry[1].timestamp, TS);
      assert.deepEqual(Object.keys(entry[1]).sort(), ['text', 'timestamp']);
    });

    it('POST /api/v1/posts returns 201, the stored post and its Location', async () => {
      const res = await postJson(url('/api/v1/posts'), { text: '  padded  ' });
      assert.equal(res.status, 201);
      const post = res.json();
      assert.equal(post.text, 'padded', 'surrounding white space is trimmed');
      assert.match(post.timestamp, TS);
      assert.equal(res.headers.location, `/api/v1/posts/${post.id}`);
      const got = await rawRequest(url(`/api/v1/posts/${post.id}`));
      assert.equal(got.status, 200);
      assert.deepEqual(got.json(), post);
    });

    it('keeps 255 code points of emoji exactly (utf8mb4), refuses 256', async () => {
      const max = '😀'.repeat(255);
      const ok = await postJson(url('/api/v1/posts'), { text: max });
      assert.equal(ok.status, 201);
      const stored = await db.query<{ text: string }>('SELECT text FROM contents WHERE id = ?', [ok.json().id]);
      assert.equal(stored[0]!.text, max);
      const before = await countPosts(db);
      const tooLong = await postJson(url('/api/v1/posts'), { text: 'a'.repeat(256) });
      assert.equal(tooLong.status, 400);
      assert.equal(tooLong.json().error.code, 'text_too_long');
      assert.equal(await countPosts(db), before);
    });

    const refused: [string, string | Buffer, number, string][] = [
      ['empty text', JSON.stringify({ text: '' }), 400, 'text_empty'],
      ['white space only', JSON.stringify({ text: ' \t\n\u3000 ' }), 400, 'text_empty'],
      ['missing text', JSON.stringify({ message: 'hi' }), 400, 'text_required'],
      ['text not a string', JSON.stringify({ text: 42 }), 400, 'text_required'],
      ['a JSON array', JSON.stringify(['hi']), 400, 'text_required'],
      ['malformed JSON', '{"text": "unterminated', 400, 'malformed_json'],
      ['an empty body', '', 400, 'malformed_json'],
      ['invalid UTF-8', Buffer.from([0x7b, 0x22, 0x74, 0x65, 0x78, 0x74, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]), 400, 'invalid_utf8'],
      ['a lone surrogate', '{"text": "\\ud800"}', 400, 'text_invalid'],
      ['a body over 16 KiB', JSON.stringify({ text: 'x'.repeat(17 * 1024) }), 413, 'body_too_large'],
      // The issue's reproduction: fits in 16 KiB, parses, but once overflowed the stack while echoed.
      ['an extra field nested 5,000 deep', `{"text":"dup","a":${'['.repeat(5000)}${']'.repeat(5000)}}`, 400, 'json_too_deep'],
      ['only invisible characters', JSON.stringify({ text: '\u200b\u3164\u2800\u115f\u1160\uffa0\u2060\ufeff\ufe0f\u{e0100} \u00ad' }), 400, 'text_empty'],
      ['a zero-width space', JSON.stringify({ text: '\u200b' }), 400, 'text_empty'],
      ['a Hangul filler', JSON.stringify({ text: '\u3164' }), 400, 'text_empty'],
      ['a blank Braille pattern', JSON.stringify({ text: '\u2800\u2800' }), 400, 'text_empty'],
      // Format characters (Cf) that are not default-ignorable but show nothing either.
      ['interlinear annotation marks', JSON.stringify({ text: '\ufff9\ufffa\ufffb' }), 400, 'text_empty'],
      ['Egyptian hieroglyph format controls', JSON.stringify({ text: '\u{13430}\u{13436}\u{1343f}' }), 400, 'text_empty'],
    ];
    for (const [what, body, status, code] of refused) {
      for (const path of ['/bbs', '/api/v1/posts']) {
        it(`POST ${path} with ${what}: ${status} ${code}, nothing stored`, async () => {
          const before = await countPosts(db);
          const res = await rawRequest(url(path), { method: 'POST', headers: { 'content-type': 'application/json' }, body });
          assert.equal(res.status, status);
          const err = res.json().error;
          assert.equal(err.code, code);
          assert.equal(typeof err.message, 'string');
          assert.equal(err.requestId, res.headers['x-request-id']);
          assert.equal(await countPosts(db), before);
        });
      }
    }

    it('POST /bbs echoes a body nested as deep as allowed, stored exactly once', async () => {
      const text = `nested echo ${engine}`;
      const body = `{"text":${JSON.stringify(text)},"a":${'['.repeat(60)}${']'.repeat(60)}}`;
      const res = await rawRequest(url('/bbs'), { method: 'POST', body });
      assert.equal(res.status, 201);
      assert.deepEqual(res.json(), JSON.parse(body));
      assert.equal((await db.query('SELECT id FROM contents WHERE text = ?', [text])).length, 1);
    });

    it('keeps text that has visible characters around invisible ones', async () => {
      const res = await postJson(url('/api/v1/posts'), { text: 'a\u200bb' });
      assert.equal(res.status, 201);
      assert.equal(res.json().text, 'a\u200bb');
      // Format characters that draw a sign of their own (Arabic end of ayah, number sign) are text.
      for (const text of ['\u06dd', '\u0600', 'a\ufff9b\ufffa']) {
        const kept = await postJson(url('/api/v1/posts'), { text });
        assert.equal(kept.status, 201, JSON.stringify(text));
        assert.equal(kept.json().text, text);
      }
    });

    it('lists newest first with a keyset cursor that walks every post exactly once', async () => {
      const ids: number[] = [];
      for (let i = 0; i < 7; i++) ids.push((await postJson(url('/api/v1/posts'), { text: `page ${i}` })).json().id);
      const seen: number[] = [];
      let next: string | null = null;
      do {
        const q: string = next ? `?limit=3&before=${next}` : '?limit=3';
        const page = (await rawRequest(url(`/api/v1/posts${q}`))).json();
        assert.ok(page.posts.length <= 3);
        seen.push(...page.posts.map((p: { id: number }) => p.id));
        next = page.next;
      } while (next);
      assert.equal(new Set(seen).size, seen.length, 'no post twice');
      assert.equal(seen.length, await countPosts(db), 'every post once');
      assert.deepEqual(seen.slice(0, 7), [...ids].reverse(), 'newest first');
    });

    it('orders by timestamp, then id, and keeps rows with no timestamp reachable', async () => {
      await db.query("INSERT INTO contents (timestamp, text) VALUES ('2001-01-01 00:00:00', 'old row'), (NULL, 'no time')");
      const all: { text: string }[] = [];
      let next: string | null = null;
      do {
        const page: { posts: { text: string }[]; next: string | null } = (
          await rawRequest(url(`/api/v1/posts?limit=2${next ? `&before=${next}` : ''}`))
        ).json();
        all.push(...page.posts);
        next = page.next;
      } while (next);
      const texts = all.map((p) => p.text);
      assert.equal(texts.at(-1), 'no time');
      assert.equal(texts.at(-2), 'old row');
      assert.ok(texts.indexOf('page 6') < texts.indexOf('page 0'));
    });

    for (const [q, code] of [
      ['limit=0', 'invalid_limit'],
      ['limit=101', 'invalid_limit'],
      ['limit=ten', 'invalid_limit'],
      ['before=not-a-cursor!', 'invalid_cursor'],
      [`before=${Buffer.from('[1,2,3]').toString('base64url')}`, 'invalid_cursor'],
    ]) {
      it(`GET /api/v1/posts?${q} is refused with ${code}`, async () => {
        const res = await rawRequest(url(`/api/v1/posts?${q}`));
        assert.equal(res.status, 400);
        assert.equal(res.json().error.code, code);
      });
    }

    it('GET /api/v1/posts/:id answers 404 for a missing post and 400 for a bad id', async () => {
      assert.equal((await rawRequest(url('/api/v1/posts/999999999'))).json().error.code, 'post_not_found');
      const bad = await rawRequest(url('/api/v1/posts/abc'));
      assert.equal(bad.status, 400);
      assert.equal(bad.json().error.code, 'invalid_id');
    });

    it('DELETE needs the admin token and removes exactly that post', async () => {
      const id = (await postJson(url('/api/v1/posts'), { text: 'to delete' })).json().id;
      const del = (headers: Record<string, string>) => rawRequest(url(`/api/v1/posts/${id}`), { method: 'DELETE', headers });
      const none = await del({});
      assert.equal(none.status, 401);
      assert.equal(none.json().error.code, 'unauthorized');
      assert.equal((await del({ authorization: 'Bearer wrong-token-wrong-token' })).status, 401);
      assert.equal((await rawRequest(url(`/api/v1/posts/${id}`))).status, 200, 'still there after refused deletes');
      const before = await countPosts(db);
      // The scheme is case-insensitive (RFC 9110 §11.1): a lower-case "bearer" is the same.
      assert.equal((await del({ authorization: `bearer ${ADMIN_TOKEN}` })).status, 204);
      assert.equal(await countPosts(db), before - 1);
      assert.equal((await rawRequest(url(`/api/v1/posts/${id}`))).status, 404);
      assert.equal((await del({ authorization: `Bearer ${ADMIN_TOKEN}` })).status, 404);
    });

    const sameShape = (res: { json(): any; headers: Record<string, unknown> }, code: string) => {
      const { error } = res.json();
      assert.deepEqual(Object.keys(error).sort(), ['code', 'message', 'requestId']);
      assert.equal(error.code, code);
      assert.equal(error.requestId, res.headers['x-request-id']);
    };

    it('a URL the router cannot decode answers 400 in the error shape', async () => {
      const res = await rawRequest(url('/api/v1/posts/%'));
      assert.equal(res.status, 400);
      sameShape(res, 'bad_url');
    });

    it('an id over 100 characters answers 414 in the error shape', async () => {
      const res = await rawRequest(url(`/api/v1/posts/${'1'.repeat(101)}`));
      assert.equal(res.status, 414);
      sameShape(res, 'uri_too_long');
    });

    for (const [what, request, status, code] of [
      ['malformed HTTP', 'GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n', 400, 'malformed_request'],
      ['headers over 16 KiB', `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(17 * 1024)}\r\n\r\n`, 431, 'headers_too_large'],
    ] as const) {
      it(`${what} answers ${status} in the error shape and closes the connection`, async () => {
        const { status: got, data } = await rawSocket(app.url, request).closed;
        assert.equal(got, status);
        const [head, body] = data.split('\r\n\r\n') as [string, string];
        assert.match(head, /content-type: application\/json/i);
        const { error } = JSON.parse(body);
        assert.equal(error.code, code);
        assert.equal(error.requestId, /x-request-id: (\S+)/i.exec(head)?.[1]);
      });
    }

    it('a known path with a wrong method answers 405 with Allow', async () => {
      for (const [path, method, allow] of [
        ['/bbs', 'DELETE', 'GET, HEAD, POST'],
        ['/api/v1/posts', 'PUT', 'GET, HEAD, POST'],
        ['/api/v1/posts/1', 'POST', 'GET, HEAD, DELETE'],
        ['/healthz', 'POST', 'GET, HEAD'],
      ] as const) {
        const res = await rawRequest(url(path), { method });
        assert.equal(res.status, 405, `${method} ${path}`);
        assert.equal(res.headers.allow, allow);
        sameShape(res, 'method_not_allowed');
      }
    });

    it('unknown routes answer 404 in the same error shape', async () => {
      const res = await rawRequest(url('/nope'));
      assert.equal(res.status, 404);
      assert.equal(res.json().error.code, 'not_found');
    });

    it('/healthz and /readyz answer 200 while the database is reachable', async () => {
      assert.deepEqual((await rawRequest(url('/healthz'))).json(), { status: 'ok' });
      const ready = await rawRequest(url('/readyz'));
      assert.equal(ready.status, 200);
      assert.equal(ready.json().status, 'ready');
    });

    it('keeps a well-formed X-Request-Id and makes one otherwise', async () => {
      assert.equal((await rawRequest(url('/healthz'), { headers: { 'x-request-id': 'abc-123' } })).headers['x-request-id'], 'abc-123');
      const made = (await rawRequest(url('/healthz'), { headers: { 'x-request-id': 'bad id <script>' } })).headers['x-request-id'];
      assert.match(String(made), /^[0-9a-f-]{36}$/);
    });
  });
}

describe('app REST API without ADMIN_TOKEN', () => {
  it('refuses every DELETE with 403 deleting_disabled', async () => {
    const { app, close } = await startTestAppOn('sqlite');
    try {
      const id = (await postJson(`${app.url}/api/v1/posts`, { text: 'kept' })).json().id;
      const res = await rawRequest(`${app.url}/api/v1/posts/${id}`, { method: 'DELETE', headers: { authorization: 'Bearer anything-at-all-here' } });
      assert.equal(res.status, 403);
      assert.equal(res.json().error.code, 'deleting_disabled');
      assert.equal((await rawRequest(`${app.url}/api/v1/posts/${id}`)).status, 200);
    } finally {
      await close();
    }
  });
});
