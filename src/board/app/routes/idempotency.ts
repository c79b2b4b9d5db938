// The Idempotency-Key request header of the posting routes (draft-ietf-httpapi-idempotency-key-
// header): its value checked, a fingerprint of the request, and the answer — the first one
// again, marked `Idempotent-Replayed: true`, when the key was seen before.
import crypto from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { KeyedRequest, StoredAnswer } from '../../dbs/idempotency.js';
import { ApiError } from '../errors.js';

export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';
const MAX_KEY_LENGTH = 255;

/** The key of this request with the fingerprint of its route and body, or undefined without one. */
export function keyedRequest(req: FastifyRequest, route: string): KeyedRequest | undefined {
  const raw = req.headers[IDEMPOTENCY_KEY_HEADER];
  if (raw === undefined) return undefined;
  const key = typeof raw === 'string' ? unquote(raw) : undefined;
  if (!key || key.length > MAX_KEY_LENGTH || !/^[\x20-\x7e]+$/.test(key) || key.trim() === '') {
    throw new ApiError('invalid_idempotency_key', { max: MAX_KEY_LENGTH });
  }
  // The parsed body, not its bytes: the same JSON with other spacing is the same request.
  const fingerprint = crypto
    .createHash('sha256')
    .update(`${route}\n${JSON.stringify(req.body)}`)
    .digest('hex');
  return { key, fingerprint };
}

/** The draft writes the key as a structured-field string ("..."); a bare token is accepted too. */
function unquote(value: string): string {
  const quoted = /^"((?:[^"\\]|\\[\\"])*)"$/.exec(value);
  return quoted ? quoted[1]!.replace(/\\([\\"])/g, '$1') : value;
}

/** 201 with the stored answer's body; a replay says so. */
export function sendStored(reply: FastifyReply, answer: StoredAnswer, location?: string) {
  reply.code(201).type('application/json; charset=utf-8');
  if (location) reply.header('location', location);
  if (answer.replayed) reply.header('idempotent-replayed', 'true');
  return reply.send(answer.response);
}
