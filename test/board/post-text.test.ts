// The one rule for blank text, checked over every format character Unicode has: each one alone
// counts as blank, except those that draw a sign of their own (Prepended_Concatenation_Mark).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkPostText, isBlank } from '../../src/board/shared/post-text.js';

/** Format characters that render a visible sign (Unicode's Prepended_Concatenation_Mark). */
const SHOWS_A_SIGN = [0x600, 0x601, 0x602, 0x603, 0x604, 0x605, 0x6dd, 0x70f, 0x890, 0x891, 0x8e2, 0x110bd, 0x110cd];

describe('blank text', () => {
  it('counts every format character (Cf) as invisible, but those that draw a sign', () => {
    const format: number[] = [];
    for (let c = 0; c < 0x110000; c++) if (/\p{Cf}/u.test(String.fromCodePoint(c))) format.push(c);
    assert.ok(format.length > 150, `${format.length} format characters`);
    const wrong = format.filter((c) => isBlank(String.fromCodePoint(c)) === SHOWS_A_SIGN.includes(c));
    assert.deepEqual(
      wrong.map((c) => c.toString(16)),
      [],
      'format characters on the wrong side of the rule',
    );
  });

  it('refuses the interlinear annotation marks and their neighbours alone, keeps them inside text', () => {
    for (const text of ['\ufff9', '\ufffa', '\ufffb', '\ufff9\ufffa\ufffb', ' \ufff9 \u200b ', '\u{13430}', '\u{e0001}', '\u180e', '\u034f']) {
      assert.deepEqual(checkPostText(text), { ok: false, problem: 'text_empty' }, JSON.stringify(text));
    }
    for (const text of ['\ufffc', '\ufffd', 'a\ufff9b\ufffac\ufffb', '\u06dd']) {
      assert.deepEqual(checkPostText(text), { ok: true, text }, JSON.stringify(text));
    }
  });
});
