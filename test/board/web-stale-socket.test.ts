// The web tier keeps connections to the app alive in a pool. A pooled connection can be closed by
// the app just as the next request goes out on it (the app's keep-alive timed out, or it restarted):
// that request fails without an answer. A GET is then sent once more on a fresh connection, so the
// page does not answer 503 for an app that is up. The app here is the real one, behind a proxy
// that resets the pooled connection when the next request is sent on it (the race, made certain).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestBoard, startTestWeb, type TestBoard, type WebTier } from '../helpers/board.js';
import { rawRequest } from '../helpers/http.js';
import { form, rows } from '../helpers/page.js';
import { ResetProxy } from '../helpers/reset-proxy.js';

describe("the web tier's pooled connections to the app", () => {
  let board: TestBoard;
  let proxy: ResetProxy;
  let web: WebTier;

  before(async () => {
    board = await startTestBoard();
    proxy = await ResetProxy.start(Number(new URL(board.app.url).port));
    web = await startTestWeb(`http://127.0.0.1:${proxy.port}`);
  });
  after(async () => {
    await web?.close();
    await proxy?.close();
    await board?.close();
  });

  it('a page read on a connection the app closed is sent again on a fresh one: 200, not 503', async () => {
    assert.equal((await rawRequest(board.web.url, form('seen through a stale socket'))).status, 303);
    for (const path of ['/', '/', '/readyz']) {
      assert.equal((await rawRequest(new URL(path, web.url).href)).status, 200, 'a connection is in the pool');
      const resets = proxy.resets;
      proxy.resetNextUse();
      const res = await rawRequest(new URL(path, web.url).href);
      assert.equal(proxy.resets, resets + 1, 'the pooled connection was dead when the read went out on it');
      assert.equal(res.status, 200, `${path} answered on a fresh connection`);
      if (path === '/') assert.equal(rows(res.body)[0]?.[1], 'seen through a stale socket');
    }
  });
});
