// Request bodies are JSON whatever the Content-Type says: the original's client sends none.
// Bytes are decoded strictly, so invalid UTF-8 is refused instead of silently replaced, and
// nesting is bounded: 16 KiB of brackets parse fine but overflow the stack of whatever walks
// the value later (the echo of POST /bbs did, after the post was stored).
import type { FastifyInstance } from 'fastify';
import { ApiError } from './errors.js';

export const BODY_LIMIT = 16 * 1024;
/** Deepest nesting of arrays and objects a body may have; a post needs 1. */
export const MAX_JSON_DEPTH = 64;

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

export function installJsonBodies(app: FastifyInstance): void {
  // Fastify refuses a Content-Type it cannot parse (`garbage`, `;;;`, a list of types) with 415
  // before any parser, the catch-all included. The body is JSON whatever the header says, so the
  // header is set to what is read. A request without one is left alone (no body: no parsing).
  app.addHook('onRequest', async (req) => {
    if (req.headers['content-type'] !== undefined) req.raw.headers['content-type'] = 'application/json';
  });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: BODY_LIMIT }, (_req, body, done) => {
    try {
      done(null, parseJson(body as Buffer));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
}

function parseJson(body: Buffer): unknown {
  let text: string;
  try {
    text = strictUtf8.decode(body);
  } catch {
    throw new ApiError('invalid_utf8');
  }
  if (text.trim() === '') throw new ApiError('malformed_json');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ApiError('malformed_json');
  }
  if (jsonDepth(text) > MAX_JSON_DEPTH) {
    throw new ApiError('json_too_deep', { max: MAX_JSON_DEPTH });
  }
  return value;
}

/** Deepest bracket nesting of valid JSON text, counted without recursion (strings skipped). */
export function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // Skip a string: to the next quote that is not escaped.
      for (i++; i < text.length && text.charCodeAt(i) !== 0x22; i++) if (text.charCodeAt(i) === 0x5c) i++;
    } else if (c === 0x5b || c === 0x7b) {
      max = Math.max(max, ++depth);
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return max;
}
