// Request bodies are JSON whatever the Content-Type says: the original's client sends none.
// Bytes are decoded strictly, so invalid UTF-8 is refused instead of silently replaced.
import type { FastifyInstance } from 'fastify';
import { ApiError } from './errors.js';

export const BODY_LIMIT = 16 * 1024;

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

export function installJsonBodies(app: FastifyInstance): void {
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
    throw new ApiError(400, 'invalid_utf8', 'the request body is not valid UTF-8');
  }
  if (text.trim() === '') throw new ApiError(400, 'malformed_json', 'the request body is empty; expected JSON');
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError(400, 'malformed_json', 'the request body is not valid JSON');
  }
}
