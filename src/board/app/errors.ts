// Every error the REST API returns has one shape:
//   {"error": {"code": "text_too_long", "message": "...", "requestId": "..."}}
// `code` is stable for programs; `message` is for people. Codes, statuses and messages come
// from one catalogue (shared/error-codes.ts), which the README's table is tested against.
import type { FastifyError, FastifyInstance } from 'fastify';
import { DatabaseNotWritableError, DatabaseOutcomeUnknownError, DatabaseUnavailableError } from '../dbs/errors.js';
import { SchemaNotReadyError } from './schema-state.js';
import { IdempotencyKeyReusedError } from '../dbs/idempotency.js';
import { errorBody, errorMessage, errorStatus, type ErrorCode } from '../shared/error-codes.js';
import { allowedMethods, SHUTTING_DOWN } from '../shared/http-server.js';

export class ApiError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    params?: Record<string, string | number>,
  ) {
    super(errorMessage(code, params));
    this.name = 'ApiError';
    this.status = errorStatus(code);
  }
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split('?')[0] ?? req.url;
    const allow = allowedMethods(app, req.url).join(', ');
    if (allow) reply.header('allow', allow);
    const err = allow ? new ApiError('method_not_allowed', { method: req.method, path, allow }) : new ApiError('not_found', { method: req.method, path });
    return reply.code(err.status).send(errorBody(err.code, err.message, req.id));
  });
  app.setErrorHandler((err: FastifyError, req, reply) => {
    const known = classify(err);
    if (known.status >= 500) req.log.error({ err }, known.message);
    if (known.status === 503 || known.status === 504) reply.header('retry-after', '2');
    reply.code(known.status).send(errorBody(known.code, known.message, req.id));
  });
}

const NOT_WRITABLE = {
  full: 'its disk is full',
  'read-only': 'its file is read-only',
  io: 'a disk error',
};

/** The catalogue's entry for an error a route, a hook, the router, a parser or the database raised. */
export function classify(err: FastifyError): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof DatabaseNotWritableError) return new ApiError('database_not_writable', { reason: NOT_WRITABLE[err.reason] });
  if (err instanceof SchemaNotReadyError) return new ApiError(err.code, { detail: err.detail });
  if (err instanceof DatabaseOutcomeUnknownError) return new ApiError('database_outcome_unknown');
  if (err instanceof DatabaseUnavailableError) return new ApiError('database_unavailable');
  if (err instanceof IdempotencyKeyReusedError) return new ApiError('idempotency_key_reused');
  if (err.code === SHUTTING_DOWN) return new ApiError('shutting_down');
  if (err.code === 'FST_ERR_BAD_URL') return new ApiError('bad_url');
  if (err.code === 'FST_ERR_MAX_PARAM_LENGTH') return new ApiError('uri_too_long');
  if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new ApiError('body_too_large');
  // Any other refusal of Fastify's (none is known to reach here): a 400 in the same shape.
  if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) return new ApiError('bad_request');
  return new ApiError('internal');
}
