// The form's one-time key: made when a page is rendered and sent by the web tier to the app as
// the Idempotency-Key of the post, so the same form sent twice (a double click, a retry after a
// 503, the web tier's own retry after a timeout) stores one post. A page keeps its key only
// while the post it was made for may have been stored (the 503 page); any other page gets a new one.
import crypto from 'node:crypto';

/** The app's contract for Idempotency-Key: up to 255 printable ASCII characters (no spaces here). */
const KEY_PATTERN = /^[!-~]{1,255}$/;

const KEY_BYTES = 16;
/** Random bytes drawn 4 KiB at a time, as crypto.randomUUID does: one call per key cost 5 µs a page. */
let pool = Buffer.alloc(0);
let used = 0;

/** 128 random bits, base64url: 22 characters. Each byte of the pool is handed out once. */
export function newFormKey(): string {
  if (used + KEY_BYTES > pool.length) {
    pool = crypto.randomBytes(256 * KEY_BYTES);
    used = 0;
  }
  used += KEY_BYTES;
  return pool.toString('base64url', used - KEY_BYTES, used);
}

/**
 * The key a posted form carries: a fresh one when it has none (old pages, curl), so the web
 * tier's own retry is safe for them too; undefined when what it carries cannot be a key.
 */
export function formKeyOf(body: Record<string, string> | undefined): string | undefined {
  const key = body?.key;
  if (key === undefined || key === '') return newFormKey();
  return KEY_PATTERN.test(key) ? key : undefined;
}

/**
 * Pages shared between requests (shared-reads.ts renders one page for all the requests that
 * share a read) are rendered with this slot instead of a key; each response then fills in its
 * own. The form comes before the posts, so the first occurrence is always the form's.
 */
export const KEY_SLOT = '@@form-key@@';

export function withOwnKey(html: string): string {
  return html.replace(KEY_SLOT, () => newFormKey());
}
