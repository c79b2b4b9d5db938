// Turning request input into checked values, or an ApiError that says what is wrong.
import { checkPostText } from '../../shared/post-text.js';
import { decodeCursor, type Cursor } from '../../shared/cursor.js';
import { ApiError } from '../errors.js';

export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 20;

export function textFromBody(body: unknown): string {
  const value = body && typeof body === 'object' && !Array.isArray(body) ? (body as { text?: unknown }).text : undefined;
  const check = checkPostText(value);
  if (!check.ok) throw new ApiError(check.problem);
  return check.text;
}

export function pageSize(value: unknown): number {
  if (value === undefined) return DEFAULT_PAGE_SIZE;
  const n = typeof value === 'string' && /^\d{1,4}$/.test(value) ? Number(value) : NaN;
  if (!(n >= 1 && n <= MAX_PAGE_SIZE)) {
    throw new ApiError('invalid_limit', { max: MAX_PAGE_SIZE });
  }
  return n;
}

export function cursor(value: unknown): Cursor | undefined {
  if (value === undefined || value === '') return undefined;
  const c = typeof value === 'string' ? decodeCursor(value) : null;
  if (!c) throw new ApiError('invalid_cursor');
  return c;
}

export function postId(value: unknown): number {
  const n = typeof value === 'string' && /^[1-9]\d{0,14}$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n)) throw new ApiError('invalid_id');
  return n;
}
