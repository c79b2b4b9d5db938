// Page cursors (src/board/shared/cursor.ts): a cursor the app did not make is refused, on the
// API (400 invalid_cursor) and on the page (400 with the newest posts). Cursors that look right
// but hold bad fields are refused even with a valid tag (they are signed here with the app's own
// key: the app under test runs in this process), and well-formed ones are forged byte by byte.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { encodeCursor, type Cursor } from '../../src/board/shared/cursor.js';
import { logSink, startTestBoard, type TestBoard } from '../helpers/board.js';
import { postJson, rawRequest } from '../helpers/http.js';
import { rows } from '../helpers/page.js';

const b64 = (json: string) => Buffer.from(json).toString('base64url');
const TAG = 'A'.repeat(22);

/** Signed by the app's key, with fields the app would never put in a cursor. */
const BAD_FIELDS: [string, unknown][] = [
  ['a timestamp that is not one', ['garbage', 5]],
  ['a date not on the calendar', ['2026-02-30 10:00:00', 5]],
  ['an hour past 23', ['2026-01-01 25:00:00', 5]],
  ['id 0', ['2026-01-01 10:00:00', 0]],
  ['a negative id', ['2026-01-01 10:00:00', -3]],
  ['a fractional id', ['2026-01-01 10:00:00', 1.5]],
  ['an id as a string', ['2026-01-01 10:00:00', '5']],
  ['no id', [null, null]],
];
const signed = ([timestamp, id]: unknown[]) => encodeCursor({ timestamp, id } as Cursor);

describe('page cursors', () => {
  let board: TestBoard;
  const appLogs = logSink();
  let real: string;
  const api = (before: string) => rawRequest(`${board.app.url}/api/v1/posts?limit=2&before=${before}`);
  const page = (before: string) => rawRequest(`${board.web.url}?limit=2&before=${before}`);

  before(async () => {
    board = await startTestBoard({ appLogs });
    for (let i = 0; i < 5; i++) await postJson(`${board.app.url}/api/v1/posts`, { text: `post ${i}` });
    real = (await api('')).json().next;
    assert.ok(real, 'the first page has a next cursor');
  });
  after(() => board?.close());

  it('a cursor the app made pages on, on the API and on the page', async () => {
    assert.equal((await api(real)).status, 200);
    const res = await page(real);
    assert.equal(res.status, 200);
    assert.equal(rows(res.body).length, 2);
  });

  /** Forged: no tag, a made-up tag, a real cursor's payload changed under its tag, its tag changed. */
  const forged = () => {
    const payload = real.slice(0, -22);
    const [ts, id] = JSON.parse(Buffer.from(payload, 'base64url').toString()) as [string, number];
    return [
      ['[null,1] (issue 16 #18)', b64('[null,1]')],
      ['["garbage",5] (issue 14)', b64('["garbage",5]')],
      ['[null,1] with a made-up tag', b64('[null,1]') + TAG],
      ['a real cursor with another id under its tag', b64(JSON.stringify([ts, id + 1])) + real.slice(-22)],
      ['a real cursor with one character of its tag changed', real.slice(0, -1) + (real.endsWith('A') ? 'B' : 'A')],
    ];
  };

  it('the API refuses cursors it did not make: 400 invalid_cursor', async () => {
    for (const [what, cursor] of forged()) {
      const res = await api(cursor!);
      assert.equal(res.status, 400, what);
      assert.equal(res.json().error.code, 'invalid_cursor', what);
    }
  });

  it('the page refuses cursors the app did not make: 400 with the newest posts', async () => {
    for (const [what, cursor] of forged()) {
      const res = await page(cursor!);
      assert.equal(res.status, 400, what);
      assert.match(res.body, /page link is not valid/, what);
      assert.ok(rows(res.body).length > 0, `${what}: the newest posts are shown`);
    }
  });

  it('the API refuses a signed cursor with bad fields: bad timestamp, id 0, negative, fractional', async () => {
    for (const [what, fields] of BAD_FIELDS) {
      const res = await api(signed(fields as unknown[]));
      assert.equal(res.status, 400, what);
      assert.equal(res.json().error.code, 'invalid_cursor', what);
    }
  });

  it('the page refuses a cursor with bad fields itself, without asking the app', async () => {
    const asked = appLogs.lines.filter((l) => String(l.url).includes('before=')).length;
    for (const [what, fields] of BAD_FIELDS) {
      const res = await page(signed(fields as unknown[]));
      assert.equal(res.status, 400, what);
      assert.match(res.body, /page link is not valid/, what);
    }
    assert.equal(appLogs.lines.filter((l) => String(l.url).includes('before=')).length, asked, 'no such cursor reached the app');
  });
});
