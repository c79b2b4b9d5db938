// Keyset cursor for newest-first pages: the (timestamp, id) of the last row shown, opaque to
// clients. Keyset rather than OFFSET so that a deep page costs the same as the first.
// Shared by the tiers: the app makes and verifies cursors, the web tier checks their form before
// asking the app (it has no key, so a forged cursor that looks right is refused by the app).
//
// Format: base64url(JSON [timestamp, id]) followed by a 22-character base64url HMAC-SHA256 tag
// (128 bits) of that payload. So a cursor the app did not make is refused (invalid_cursor). The
// key comes from a secret the app's replicas share (CURSOR_KEY, else the database password: see
// app/config.ts), so every replica behind a load balancer, and the app after a restart, accepts
// the others' cursors; without one (SQLite, no CURSOR_KEY) each process makes its own at start,
// and a link made before a restart is refused: the page then shows the newest posts, as for any
// bad link.
import crypto from 'node:crypto';

export interface Cursor {
  timestamp: string | null;
  id: number;
}

const TAG_LENGTH = 22;
/** Longer than any cursor the app makes (about 80 characters); longer values are not read. */
const MAX_LENGTH = 200;
let key: Buffer = crypto.randomBytes(32);

/** The tag key from a secret the app's processes share (its CURSOR_KEY or database password). */
export function useCursorKey(secret: string): void {
  key = crypto.createHash('sha256').update('berth cursor key\0').update(secret).digest();
}

export function encodeCursor(c: Cursor): string {
  const payload = Buffer.from(JSON.stringify([c.timestamp, c.id])).toString('base64url');
  return payload + tag(payload);
}

/** The cursor a value holds, if the app made it (its tag is right); null for anything else. */
export function decodeCursor(value: string): Cursor | null {
  const parts = split(value);
  if (!parts) return null;
  const expected = Buffer.from(tag(parts.payload));
  if (!crypto.timingSafeEqual(expected, Buffer.from(parts.tag))) return null;
  return fields(parts.payload);
}

/**
 * Whether a value has a cursor's form and valid fields (the web tier's check: it cannot verify
 * the tag, the app does).
 */
export function isWellFormedCursor(value: string): boolean {
  const parts = split(value);
  return parts !== null && fields(parts.payload) !== null;
}

function tag(payload: string): string {
  return crypto.createHmac('sha256', key).update(payload).digest().subarray(0, 16).toString('base64url');
}

function split(value: string): { payload: string; tag: string } | null {
  if (value.length > MAX_LENGTH || !/^[A-Za-z0-9_-]+$/.test(value) || value.length <= TAG_LENGTH) return null;
  return { payload: value.slice(0, -TAG_LENGTH), tag: value.slice(-TAG_LENGTH) };
}

/** [timestamp, id]: a real date-time (or null: the original's undated rows) and an id of 1 or more. */
function fields(payload: string): Cursor | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (!Array.isArray(parsed) || parsed.length !== 2) return null;
  const [timestamp, id] = parsed as [unknown, unknown];
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 1) return null;
  if (timestamp !== null && !(typeof timestamp === 'string' && isDateTime(timestamp))) return null;
  return { timestamp, id };
}

/** `YYYY-MM-DD HH:MM:SS` naming a moment that exists on the calendar (no 2026-02-30, no 25:00). */
function isDateTime(s: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(s)) return false;
  const [y, mo, d, h, mi, se] = s.split(/[- :]/).map(Number) as [number, number, number, number, number, number];
  const t = new Date(Date.UTC(y, mo - 1, d, h, mi, se));
  return (
    t.getUTCFullYear() === y &&
    t.getUTCMonth() === mo - 1 &&
    t.getUTCDate() === d &&
    t.getUTCHours() === h &&
    t.getUTCMinutes() === mi &&
    t.getUTCSeconds() === se
  );
}
