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
  if (text.length === 0) return { ok: false, problem: 'text_empty' };
  if (countCodePoints(text) > MAX_TEXT_CODE_POINTS) return { ok: false, problem: 'text_too_long' };
  return { ok: true, text };
}

export function countCodePoints(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}
