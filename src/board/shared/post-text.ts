// The one rule for what a post may say, used by the app (authoritative) and the web page
// (to answer without a round trip and keep what was typed).
export const MAX_TEXT_CODE_POINTS = 255;

export type TextProblem = 'text_required' | 'text_empty' | 'text_too_long' | 'text_invalid';

export type TextCheck = { ok: true; text: string } | { ok: false; problem: TextProblem };

/** Trims surrounding white space and checks 1..255 code points of well-formed Unicode. */
export function checkPostText(value: unknown): TextCheck {
  if (typeof value !== 'string') return { ok: false, problem: 'text_required' };
  // Lone surrogates (e.g. "\ud800" in JSON) are not valid UTF-8 and cannot be stored.
  if (!value.isWellFormed()) return { ok: false, problem: 'text_invalid' };
  const text = value.trim();
  if (isBlank(text)) return { ok: false, problem: 'text_empty' };
  if (countCodePoints(text) > MAX_TEXT_CODE_POINTS) return { ok: false, problem: 'text_too_long' };
  return { ok: true, text };
}

// Characters that show nothing, one rule: white space, control characters (Cc), format
// characters (Cf: zero-width spaces and joiners, bidi controls, U+2060, U+FEFF, soft hyphen, the
// interlinear annotation marks U+FFF9-U+FFFB, Egyptian hieroglyph format controls, tags), every
// other default-ignorable code point (variation selectors, the Hangul fillers U+115F, U+1160,
// U+3164, U+FFA0, ...) and the blank Braille pattern U+2800. The one exception are the format
// characters that draw a sign of their own (Prepended_Concatenation_Mark: the Arabic number
// signs U+0600-U+0605, end of ayah U+06DD, the Syriac abbreviation mark U+070F, U+0890, U+0891,
// U+08E2, and the Kaithi number signs U+110BD, U+110CD).
const INVISIBLE = /(?![\u0600-\u0605\u06DD\u070F\u0890\u0891\u08E2\u{110BD}\u{110CD}])[\p{White_Space}\p{Cc}\p{Cf}\p{Default_Ignorable_Code_Point}\u2800]/gu;

/** True when the text would look empty on the page: nothing but invisible characters. */
export function isBlank(text: string): boolean {
  return text.replace(INVISIBLE, '').length === 0;
}

export function countCodePoints(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}
