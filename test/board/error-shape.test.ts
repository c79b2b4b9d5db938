// Every error the app answers has the whole shape {"error": {"code", "message", "requestId"}}
// (nothing more, the request id the one of X-Request-Id), with the status and message of the
// catalogue (src/board/shared/error-codes.ts), which the README's table of codes matches. Each
// code is produced by a real request here, those of the HTTP layer included: a late request
// while shutting down (503), an Expect Node cannot meet (417) and CONNECT (405). The web tier
// answers those three as its page, with its security headers.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { classify } from '../../src/board/app/errors.js';
import { startApp } from '../../src/board/app/main.js';
import { ERROR_CODES, type ErrorCode } from '../../src/board/shared/error-codes.js';
import { startTestAppOn, startTestWeb, type TestApp } from '../helpers/board.js';
import { postJson, rawRequest, rawSocket } from '../helpers/http.js';
import { freePort } from '../helpers/ports.js';

const ADMIN_TOKEN = 'test-admin-token-0123456789';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A response read off a raw socket (for answers no HTTP client would wait for). */
function parseRaw(data: string): Answer {
  const [head = '', ...rest] = data.split('\r\n\r\n');
  const [statusLine = '', ...lines] = head.split('\r\n');
  const headers: Record<string, string> = {};
  for (const l of lines) headers[l.slice(0, l.indexOf(':')).toLowerCase()] = l.slice(l.indexOf(':') + 1).trim();
  return { status: Number(statusLine.split(' ')[1]), headers, body: rest.join('\r\n\r\n') };
}

async function raw(url: string, data: string): Promise<Answer> {
  const s = rawSocket(url, data);
  return parseRaw((await s.closed).data);
}

/**
 * A request whose headers end after close() began. Begun before, it keeps its connection out of
 * the idle ones that closing drops.
 */
async function lateRequest(url: string, close: () => Promise<unknown>, head: string, lastHeader: string): Promise<Answer> {
  const s = rawSocket(url, `${head}\r\nHost: x\r\n`);
  await new Promise((r) => setTimeout(r, 100));
  const closing = close();
  await new Promise((r) => setTimeout(r, 100));
  s.socket.write(`${lastHeader}\r\n\r\n`);
  const res = parseRaw((await s.closed).data);
  await closing;
  return res;
}

/** The catalogue's message as a pattern: its {placeholders} stand for any text. */
function messagePattern(code: ErrorCode): RegExp {
  const parts = ERROR_CODES[code].message.split(/\{\w+\}/).map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${parts.join('.+')}$`);
}

function assertShape(res: Answer, code: ErrorCode) {
  assert.equal(res.status, ERROR_CODES[code].status, `${code}: the catalogue's status`);
  assert.match(String(res.headers['content-type']), /^application\/json/, `${code}: JSON`);
  const body = JSON.parse(res.body);
  assert.deepEqual(Object.keys(body), ['error'], `${code}: only "error"`);
  assert.deepEqual(Object.keys(body.error).sort(), ['code', 'message', 'requestId'], `${code}: the whole shape`);
  assert.equal(body.error.code, code);
  assert.match(body.error.message, messagePattern(code), `${code}: the catalogue's message`);
  assert.ok(body.error.requestId, `${code}: a request id`);
  assert.equal(body.error.requestId, res.headers['x-request-id'], `${code}: the request id of X-Request-Id`);
}

/** The README's table of codes: code -> status. */
function readmeCodes(): Map<string, number> {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const table = /\| code \| status \| when \|\n\|---\|---\|---\|\n((?:\|.*\n)+)/.exec(readme);
  assert.ok(table, 'the README has the table of error codes');
  return new Map(
    table[1]!
      .trim()
      .split('\n')
      .map((row) => {
        const [, code, status] = /^\| `(\w+)` \| (\d{3}) \|/.exec(row) ?? [];
        assert.ok(code && status, `a row of the table: ${row}`);
        return [code, Number(status)];
      }),
  );
}

describe('error codes', () => {
  it("the README's table of codes and the catalogue agree, code by code and status by status", () => {
    const catalogue = new Map(Object.entries(ERROR_CODES).map(([code, e]) => [code, e.status as number]));
    assert.deepEqual([...readmeCodes()].sort(), [...catalogue].sort());
  });

  it("an error no rule names is 500 internal, another 4xx of Fastify 400 bad_request, in the catalogue's words", () => {
    const internal = classify(Object.assign(new Error('boom')) as never);
    assert.deepEqual([internal.code, internal.status, internal.message], ['internal', 500, ERROR_CODES.internal.message]);
    const other = classify(Object.assign(new Error('x'), { statusCode: 415, code: 'FST_ERR_SOMETHING' }) as never);
    assert.deepEqual([other.code, other.status, other.message], ['bad_request', 400, ERROR_CODES.bad_request.message]);
  });
});

describe("the app's every error in the whole shape", () => {
  let testApp: TestApp;
  let noAdmin: TestApp;
  let url: (p: string) => string;
  const seen = new Set<ErrorCode>();
  const check = (res: Answer, code: ErrorCode) => {
    assertShape(res, code);
    seen.add(code);
  };

  before(async () => {
    testApp = await startTestAppOn('sqlite', { ADMIN_TOKEN, HTTP_REQUEST_TIMEOUT_MS: '1000', HTTP_HEADERS_TIMEOUT_MS: '1000' });
    noAdmin = await startTestAppOn('sqlite');
    url = (p) => `${testApp.app.url}${p}`;
  });
  after(async () => {
    await testApp?.close();
    await noAdmin?.close();
  });

  it('every refusal of a request', async () => {
    const post = (body: string | Buffer, headers: Record<string, string> = {}) => rawRequest(url('/api/v1/posts'), { method: 'POST', body, headers });
    check(await postJson(url('/api/v1/posts'), { nothing: 1 }), 'text_required');
    check(await postJson(url('/api/v1/posts'), { text: ' \u200b ' }), 'text_empty');
    check(await postJson(url('/api/v1/posts'), { text: 'x'.repeat(256) }), 'text_too_long');
    check(await post('{"text":"\\ud800"}'), 'text_invalid');
    check(await post(Buffer.from([0x7b, 0xff, 0x7d])), 'invalid_utf8');
    check(await post('{"text":'), 'malformed_json');
    check(await post(`{"text":"a","x":${'['.repeat(70)}${']'.repeat(70)}}`), 'json_too_deep');
    check(await rawRequest(url('/api/v1/posts?limit=0')), 'invalid_limit');
    check(await rawRequest(url('/api/v1/posts?before=forged')), 'invalid_cursor');
    check(await rawRequest(url('/api/v1/posts/abc')), 'invalid_id');
    check(await postJson(url('/api/v1/posts'), { text: 'k' }, { 'idempotency-key': 'x'.repeat(256) }), 'invalid_idempotency_key');
    check(await rawRequest(url('/api/v1/posts/%zz')), 'bad_url');
    check(await rawRequest(url('/api/v1/posts/1'), { method: 'DELETE' }), 'unauthorized');
    check(await rawRequest(`${noAdmin.app.url}/api/v1/posts/1`, { method: 'DELETE' }), 'deleting_disabled');
    check(await rawRequest(url('/no-such-route')), 'not_found');
    check(await rawRequest(url('/api/v1/posts/999999')), 'post_not_found');
    check(await rawRequest(url('/bbs'), { method: 'PUT' }), 'method_not_allowed');
    check(await post(JSON.stringify({ text: 'x'.repeat(17 * 1024) })), 'body_too_large');
    check(await rawRequest(url(`/api/v1/posts/${'1'.repeat(101)}`)), 'uri_too_long');
    assert.equal((await postJson(url('/api/v1/posts'), { text: 'first' }, { 'idempotency-key': 'shape-k' })).status, 201);
    check(await postJson(url('/api/v1/posts'), { text: 'second' }, { 'idempotency-key': 'shape-k' }), 'idempotency_key_reused');
  });

  it('what the HTTP layer refuses: malformed, too slow, headers too large, Expect, CONNECT', { timeout: 15_000 }, async () => {
    check(await raw(url('/'), 'GARBAGE\r\n\r\n'), 'malformed_request');
    check(await raw(url('/'), 'POST /api/v1/posts HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n{"te'), 'request_timeout');
    check(await raw(url('/'), `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(17 * 1024)}\r\n\r\n`), 'headers_too_large');
    check(await rawRequest(url('/api/v1/posts'), { headers: { expect: '200-ok', 'x-request-id': 'expect-417' } }), 'expectation_failed');
    const connect = await raw(url('/'), 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n');
    check(connect, 'method_not_allowed');
    assert.equal(connect.headers.allow, 'DELETE, GET, HEAD, POST', 'CONNECT: Allow names the methods the app answers');
  });

  it('the database out of reach: 503 database_unavailable with Retry-After', async () => {
    const app = await startApp({ APP_PORT: '0', LOG_LEVEL: 'silent', DATABASE_URL: `mysql://u:p@127.0.0.1:${await freePort()}/nothing`, DB_TIMEOUT_MS: '500' });
    try {
      const res = await rawRequest(`${app.url}/api/v1/posts`);
      check(res, 'database_unavailable');
      assert.equal(res.headers['retry-after'], '2');
    } finally {
      await app.close();
    }
  });

  it('a request that arrives while the app shuts down: 503 shutting_down with Retry-After', async () => {
    const late = await startTestAppOn('sqlite');
    const res = await lateRequest(late.app.url, late.close, 'GET /api/v1/posts HTTP/1.1', 'X-Request-Id: late-1');
    check(res, 'shutting_down');
    assert.equal(res.headers['retry-after'], '2');
  });

  // Faults too costly to make twice (a full disk, a frozen COMMIT, a newer schema) are made by the
  // files that test them; those files must name the code they expect.
  const MADE_ELSEWHERE: Partial<Record<ErrorCode, string>> = {
    database_not_writable: 'sqlite-faults.test.ts',
    database_outcome_unknown: 'idempotency.test.ts',
    schema_newer_than_app: 'schema-limits.test.ts',
  };

  it('every code of the catalogue was answered above (internal and bad_request: by classify; three faults in their own files)', () => {
    const untested = Object.keys(ERROR_CODES).filter((c) => !seen.has(c as ErrorCode) && c !== 'internal' && c !== 'bad_request' && !(c in MADE_ELSEWHERE));
    assert.deepEqual(untested, []);
    for (const [code, file] of Object.entries(MADE_ELSEWHERE)) {
      const source = readFileSync(new URL(`./${file}`, import.meta.url), 'utf8');
      assert.ok(source.includes(`'${code}'`), `${file} expects ${code}`);
    }
  });
});

describe("the web tier's answers outside its routes, as its page", () => {
  const assertPage = (res: Answer, status: number, text: RegExp) => {
    assert.equal(res.status, status);
    assert.match(String(res.headers['content-type']), /^text\/html; charset=utf-8/);
    assert.match(res.body, text);
    assert.match(String(res.headers['content-security-policy']), /default-src 'none'/);
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    assert.equal(res.headers['referrer-policy'], 'same-origin');
    assert.equal(res.headers['cache-control'], 'no-store');
    assert.ok(res.headers['x-request-id'], 'a request id');
  };

  it('Expect other than 100-continue: a 417 page; CONNECT: a 405 page with Allow', async () => {
    const web = await startTestWeb(`http://127.0.0.1:${await freePort()}`);
    try {
      assertPage(await rawRequest(web.url, { headers: { expect: '200-ok' } }), 417, /expects something this board does not do/);
      const connect = await raw(web.url, 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n');
      assertPage(connect, 405, /cannot be used that way/);
      assert.equal(connect.headers.allow, 'GET, HEAD, POST');
    } finally {
      await web.close();
    }
  });

  it('a request that arrives while it shuts down: a 503 page with Retry-After', async () => {
    const web = await startTestWeb(`http://127.0.0.1:${await freePort()}`);
    const res = await lateRequest(web.url, web.close, 'GET / HTTP/1.1', 'Accept-Language: ja');
    assertPage(res, 503, /掲示板は再起動中です/);
    assert.equal(res.headers['retry-after'], '5');
  });
});
