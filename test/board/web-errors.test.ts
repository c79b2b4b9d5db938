// Requests that fail before any route of the web tier (an address that cannot be decoded or is
// too long, headers too large, malformed HTTP, a wrong method) still get the board's localized
// HTML page with its security headers, never Fastify's JSON.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startTestBoard, startTestWeb, type TestBoard, type WebTier } from '../helpers/board.js';
import { rawRequest } from '../helpers/http.js';

interface WireResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * Sends bytes as they are (no HTTP client would send malformed requests) and reads until the
 * server closes; `open` leaves the sending side open, as a client still sending does.
 */
function wire(url: string, request: string, open = false): Promise<WireResponse> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () => (open ? socket.write(request) : socket.end(request)));
    const chunks: Buffer[] = [];
    socket.on('data', (c) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const [head = '', ...rest] = text.split('\r\n\r\n');
      const [statusLine = '', ...lines] = head.split('\r\n');
      const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body: rest.join('\r\n\r\n') });
    });
  });
}

function assertPage(res: { status: number; headers: Record<string, unknown>; body: string }, status: number, text: RegExp, what: string) {
  assert.equal(res.status, status, what);
  assert.match(String(res.headers['content-type']), /^text\/html; charset=utf-8/, what);
  assert.match(String(res.headers['content-security-policy']), /default-src 'none'/, what);
  assert.equal(res.headers['x-content-type-options'], 'nosniff', what);
  assert.match(res.body, /^<!doctype html>/, what);
  assert.match(res.body, text, what);
}

describe('web tier errors before the routes', () => {
  let board: TestBoard;
  let web: WebTier;

  before(async () => {
    board = await startTestBoard();
    web = board.web;
  });
  after(() => board?.close());

  it('an address that cannot be decoded is a localized 400 page', async () => {
    assertPage(await rawRequest(new URL('/%', web.url).href), 400, /address is not valid/, 'GET /%');
    const ja = await rawRequest(new URL('/%E3%81', web.url).href, { headers: { 'accept-language': 'ja' } });
    assertPage(ja, 400, /このアドレスはこの掲示板では使えません/, 'GET /%E3%81 in Japanese');
  });

  it('a too-long address is a 414 page, headers too large a 431 page', async () => {
    assertPage(await rawRequest(`${web.url}?q=${'x'.repeat(3000)}`), 414, /address is too long/, '3,000-character URL');
    assertPage(await rawRequest(`${web.url}?q=${'x'.repeat(20_000)}`), 431, /headers are too large/, '20,000-character URL');
    const big = await wire(web.url, `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'y'.repeat(20_000)}\r\n\r\n`);
    assertPage(big, 431, /headers are too large/, '20 KB header');
  });

  it('malformed HTTP is a 400 page', async () => {
    for (const request of ['GARBAGE\r\n\r\n', 'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n', 'GET /\x00 HTTP/1.1\r\n\r\n']) {
      assertPage(await wire(web.url, request), 400, /could not be read/, JSON.stringify(request));
    }
  });

  it('a wrong method is 405 with Allow; an unknown path 404', async () => {
    const del = await rawRequest(web.url, { method: 'DELETE', headers: { 'accept-language': 'ja' } });
    assertPage(del, 405, /このページはその方法では使えません/, 'DELETE /');
    assert.equal(del.headers.allow, 'GET, HEAD, POST');
    const put = await rawRequest(new URL('/healthz', web.url).href, { method: 'PUT' });
    assertPage(put, 405, /cannot be used that way/, 'PUT /healthz');
    assert.equal(put.headers.allow, 'GET, HEAD');
    assertPage(await rawRequest(new URL('/nowhere', web.url).href, { method: 'POST' }), 404, /no such page/, 'POST /nowhere');
  });

  it('a request too slow to arrive is a 408 page', { timeout: 15_000 }, async () => {
    const slow = await startTestWeb(board.app.url, { HTTP_HEADERS_TIMEOUT_MS: '500', HTTP_REQUEST_TIMEOUT_MS: '500' });
    try {
      const res = await wire(
        slow.url,
        'POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\ntext=',
        true,
      );
      assertPage(res, 408, /took too long to arrive/, 'a body that never finishes');
    } finally {
      await slow.close();
    }
  });
});
