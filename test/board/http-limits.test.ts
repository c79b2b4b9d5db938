// Slow and unfinished requests are bounded on both tiers: headers, body and idle time, and the
// number of connections. A request that does not arrive in time gets 408 and its socket closed.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestBoard, type AppTier, type TestBoard, type WebTier } from '../helpers/board.js';
import { rawRequest, rawSocket } from '../helpers/http.js';

const LIMITS = { HTTP_HEADERS_TIMEOUT_MS: '800', HTTP_REQUEST_TIMEOUT_MS: '1500', HTTP_MAX_CONNECTIONS: '3' };
// A bound is checked on a timer (node's connectionsCheckingInterval), so it may fire a little late.
const SLACK_MS = 2000;

describe('HTTP limits', () => {
  let board: TestBoard;
  let app: AppTier;
  let web: WebTier;
  before(async () => {
    board = await startTestBoard({ app: LIMITS, web: LIMITS });
    ({ app, web } = board);
  });
  after(() => board?.close());

  for (const tier of ['app', 'web'] as const) {
    const base = () => (tier === 'app' ? app.url : web.url);
    const path = tier === 'app' ? '/api/v1/posts' : '/';
    // What each tier reads: the page takes only its form (anything else is 415 at once).
    const type = tier === 'app' ? 'application/json' : 'application/x-www-form-urlencoded';

    it(`${tier}: a body that never finishes gets 408 and the socket closed within the bound`, { timeout: 15_000 }, async () => {
      const conn = rawSocket(base(), `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: ${type}\r\nContent-Length: 100\r\n\r\n{`);
      const { status, ms, data } = await conn.closed;
      assert.equal(status, 408, data);
      assert.ok(ms >= 1500 - 50 && ms < 1500 + SLACK_MS, `closed after ${ms} ms`);
      if (tier === 'app') {
        const body = JSON.parse(data.slice(data.indexOf('\r\n\r\n') + 4));
        assert.equal(body.error.code, 'request_timeout');
        assert.equal(typeof body.error.requestId, 'string');
      }
    });

    it(`${tier}: headers that never finish get 408 within the header bound`, { timeout: 15_000 }, async () => {
      const conn = rawSocket(base(), `GET ${path} HTTP/1.1\r\nHost: x\r\nX-Slow: 1`);
      const { status, ms } = await conn.closed;
      assert.equal(status, 408);
      assert.ok(ms >= 800 - 50 && ms < 800 + SLACK_MS, `closed after ${ms} ms`);
    });

    it(`${tier}: connections beyond the cap are closed at once, the others keep working`, { timeout: 15_000 }, async () => {
      // Three kept-alive connections, each shown to be counted by an answer over it.
      const held = [1, 2, 3].map(() => rawSocket(base(), `GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n`));
      await Promise.all(held.map((h) => new Promise((r) => h.socket.once('data', r))));
      const extra = rawSocket(base(), `GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n`);
      const { status, data } = await extra.closed;
      assert.equal(status, 0, `no answer to a connection over the cap: ${data}`);
      for (const h of held) h.socket.destroy();
      await Promise.all(held.map((h) => h.closed));
      assert.equal((await rawRequest(`${base().replace(/\/$/, '')}/healthz`)).status, 200, 'a connection is accepted again');
    });
  }
});

describe('errors of the HTTP parser', () => {
  it('are rendered by the tier that owns the server (a page for the web, JSON for the API)', async () => {
    const { createHttpServer } = await import('../../src/board/shared/http-server.js');
    const { createLogger } = await import('../../src/board/shared/logger.js');
    const server = createHttpServer(createLogger('test', 'silent'), 1024, {
      renderClientError: ({ status, code, requestId }) => ({ type: 'text/html; charset=utf-8', body: `<p>${status} ${code} ${requestId}</p>` }),
    });
    await server.listen({ port: 0, host: '127.0.0.1' });
    try {
      const url = `http://127.0.0.1:${(server.server.address() as { port: number }).port}`;
      const { status, data } = await rawSocket(url, `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(17 * 1024)}\r\n\r\n`).closed;
      assert.equal(status, 431);
      assert.match(data, /content-type: text\/html; charset=utf-8/i);
      const id = /x-request-id: (\S+)/i.exec(data)?.[1];
      assert.ok(id && data.endsWith(`<p>431 headers_too_large ${id}</p>`));
    } finally {
      await server.close();
    }
  });
});
