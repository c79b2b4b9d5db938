// The web tier keeps connections to the app alive in a pool. A pooled connection can be closed by
// the app just as the next request goes out on it (the app's keep-alive timed out, or it restarted):
// that request fails without an answer. A GET is then sent once more on a fresh connection, so the
// page does not answer 503 for an app that is up. The app here is the real one, behind a proxy
// that closes each kept-alive connection when its second request arrives (the race, made certain).
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startTestBoard, startTestWeb, type TestBoard, type WebTier } from '../helpers/board.js';
import { rawRequest } from '../helpers/http.js';
import { form, rows } from '../helpers/page.js';

/** Forwards the first request of each connection to the app; at the second, closes the connection. */
async function closingAfterOneRequest(appUrl: string) {
  const { hostname, port } = new URL(appUrl);
  let connections = 0;
  let dropped = 0;
  const server = net.createServer((client) => {
    connections++;
    const upstream = net.connect(Number(port), hostname);
    let requests = 0;
    let inRequest = false;
    client.on('data', (chunk: Buffer) => {
      // A request starts with its method; the rest of a body arrives in later chunks.
      if (!inRequest || /^(GET|POST|HEAD) /.test(chunk.toString('latin1', 0, 5))) requests++;
      inRequest = true;
      if (requests > 1) {
        dropped++;
        client.destroy();
        upstream.destroy();
        return;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.on('error', () => {});
    upstream.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    connections: () => connections,
    dropped: () => dropped,
    close: () => new Promise((r) => server.close(r)),
  };
}

describe('the web tier\'s pooled connections to the app', () => {
  let board: TestBoard;
  let proxy: Awaited<ReturnType<typeof closingAfterOneRequest>>;
  let web: WebTier;

  before(async () => {
    board = await startTestBoard();
    proxy = await closingAfterOneRequest(board.app.url);
    web = await startTestWeb(proxy.url);
  });
  after(async () => {
    await web?.close();
    await proxy?.close();
    await board?.close();
  });

  it('a page read on a connection the app closed is sent again on a fresh one: 200, not 503', async () => {
    assert.equal((await rawRequest(board.web.url, form('seen through a stale socket'))).status, 303);
    for (let i = 0; i < 3; i++) {
      const res = await rawRequest(web.url);
      assert.equal(res.status, 200, `page ${i + 1}`);
      assert.equal(rows(res.body)[0]?.[1], 'seen through a stale socket');
    }
    assert.ok(proxy.dropped() >= 2, `the pooled connection was stale for pages 2 and 3 (dropped ${proxy.dropped()})`);
    assert.equal((await rawRequest(new URL('/readyz', web.url).href)).status, 200, '/readyz as well');
  });
});
