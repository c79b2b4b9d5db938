// What users typed goes back into the page only escaped: in the rows of the board, and in the
// form's value="…" kept after each refusal (400 too long, 409 a used key, 503 the app down).
// The page is built with html`…` (src/board/web/html.ts), which escapes every interpolation.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { html, trusted } from '../../src/board/web/html.js';
import { startTestBoard, startTestWeb, type TestBoard } from '../helpers/board.js';
import { rawRequest } from '../helpers/http.js';
import { form, formKey, rows } from '../helpers/page.js';
import { freePort } from '../helpers/ports.js';

/** Every character that means something in HTML or in a quoted attribute. */
const HOSTILE = `"><b id='x'>&amp; a "quote" & 'apostrophe' <i>`;
const ESCAPED = '&quot;&gt;&lt;b id=&#39;x&#39;&gt;&amp;amp; a &quot;quote&quot; &amp; &#39;apostrophe&#39; &lt;i&gt;';

/** The value="…" of the form's text input, exactly as sent. */
function typedValue(page: string): string | undefined {
  return /<input type="text" id="text" name="text" value="([^"]*)"/.exec(page)?.[1];
}

function assertKeptEscaped(page: string, typed: string, escaped: string, what: string) {
  assert.equal(typedValue(page), escaped, `${what}: the kept text is escaped in value="…"`);
  assert.ok(!page.includes(typed), `${what}: the raw text appears nowhere in the page`);
  assert.doesNotMatch(page, /<b id=|<i>/, `${what}: no element made of the text`);
}

describe('html`…`', () => {
  it('escapes every interpolated value, keeps only what html`…` or trusted() made', () => {
    const user = `<a href="x" onclick='y'>&`;
    assert.equal(
      html`<p title="${user}">${user}${[user, html`<br>`]}${trusted('<hr>')}${undefined}${false}${7}</p>`.toString(),
      '<p title="&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;">&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;' +
        '&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;<br><hr>7</p>',
    );
  });
});

describe('the page escaping what users typed', () => {
  let board: TestBoard;
  before(async () => {
    board = await startTestBoard();
  });
  after(() => board?.close());

  it('400 (text over 255 characters): the text kept in value="…" is escaped', async () => {
    const typed = HOSTILE + 'x'.repeat(256);
    const res = await rawRequest(board.web.url, form(typed));
    assert.equal(res.status, 400);
    assertKeptEscaped(res.body, typed, ESCAPED + 'x'.repeat(256), '400');
  });

  it('409 (a used key with another text): the text kept in value="…" is escaped', async () => {
    const key = formKey((await rawRequest(board.web.url)).body)!;
    assert.equal((await rawRequest(board.web.url, form({ text: 'first use of the key', key }))).status, 303);
    const res = await rawRequest(board.web.url, form({ text: HOSTILE, key }));
    assert.equal(res.status, 409);
    assertKeptEscaped(res.body, HOSTILE, ESCAPED, '409');
  });

  it('503 (the app tier down): the text kept in value="…" is escaped', async () => {
    const web = await startTestWeb(`http://127.0.0.1:${await freePort()}`);
    try {
      const res = await rawRequest(web.url, form(HOSTILE));
      assert.equal(res.status, 503);
      assertKeptEscaped(res.body, HOSTILE, ESCAPED, '503');
    } finally {
      await web.close();
    }
  });

  it('a stored post is escaped in its row', async () => {
    assert.equal((await rawRequest(board.web.url, form(HOSTILE))).status, 303);
    const page = (await rawRequest(board.web.url)).body;
    assert.equal(rows(page)[0]?.[1], ESCAPED);
    assert.ok(!page.includes(HOSTILE));
    assert.doesNotMatch(page, /<b id=|<i>/);
  });
});
