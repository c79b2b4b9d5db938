// Keyset cursor for newest-first pages: the (timestamp, id) of the last row shown, opaque to
// clients. Keyset rather than OFFSET so that a deep page costs the same as the first.
import { TIMESTAMP_PATTERN } from './time.js';

export interface Cursor {
  timestamp: string | null;
  id: number;
}

export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify([c.timestamp, c.id])).toString('base64url');
}

/** Returns null for anything that is not a cursor this server made. */
export function decodeCursor(value: string): Cursor | null {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(value)) return null;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
    if (!Array.isArray(parsed) || parsed.length !== 2) return null;
    const [timestamp, id] = parsed as [unknown, unknown];
    if (!Number.isSafeInteger(id) || (id as number) < 1) return null;
    if (timestamp !== null && (typeof timestamp !== 'string' || !TIMESTAMP_PATTERN.test(timestamp))) return null;
    return { timestamp: timestamp as string | null, id: id as number };
  } catch {
    return null;
  }
}
