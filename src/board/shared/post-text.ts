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

// Characters that show nothing: white space, default-ignorable code points (zero-width spaces and
// joiners, U+2060, U+FEFF, soft hyphen, variation selectors, tags, and the Hangul fillers U+115F,
// U+1160, U+3164, U+FFA0), the blank Braille pattern U+2800, and control characters.
const INVISIBLE = /[\p{White_Space}\p{Default_Ignorable_Code_Point}\p{Cc}\u2800]/gu;

/** True when the text would look empty on the page: nothing but invisible characters. */
export function isBlank(text: string): boolean {
  return text.replace(INVISIBLE, '').length === 0;
}

export function countCodePoints(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}
