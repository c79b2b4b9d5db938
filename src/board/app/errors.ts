// Every error the REST API returns has one shape:
//   {"error": {"code": "text_too_long", "message": "...", "requestId": "..."}}
// `code` is stable for programs; `message` is for people.
import type { FastifyError, FastifyInstance } from 'fastify';
import { DatabaseNotWritableError, DatabaseOutcomeUnknownError, DatabaseUnavailableError } from '../dbs/errors.js';
import { SchemaNotReadyError } from './schema-state.js';
import { IdempotencyKeyReusedError } from '../dbs/idempotency.js';
import { allowedMethods, errorBody } from '../shared/http-server.js';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const TEXT_MESSAGES: Record<string, string> = {
  text_required: 'the body must be a JSON object with a string field "text"',
  text_empty: 'text must not be empty or only white space',
  text_too_long: 'text must be at most 255 characters',
  text_invalid: 'text must be valid UTF-8',
};

export function installErrorHandling(app: FastifyInstance): void {
  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split('?')[0];
    const allow = allowedMethods(app, req.url);
    if (allow.length) {
      reply.code(405).header('allow', allow.join(', '));
      return reply.send(errorBody('method_not_allowed', `${req.method} is not allowed on ${path}; use ${allow.join(', ')}`, req.id));
    }
    return reply.code(404).send(errorBody('not_found', `no route for ${req.method} ${path}`, req.id));
  });
  app.setErrorHandler((err: FastifyError, req, reply) => {
    const { status, code, message } = classify(err);
    if (status >= 500) req.log.error({ err }, message);
    if (status === 503 || status === 504) reply.header('retry-after', '2');
    reply.code(status).send(errorBody(code, message, req.id));
  });
}

const NOT_WRITABLE = {
  full: 'the database cannot store anything: its disk is full',
  'read-only': 'the database cannot store anything: its file is read-only',
  io: 'the database cannot store anything: a disk error',
};

function classify(err: FastifyError): { status: number; code: string; message: string } {
  if (err instanceof ApiError) return { status: err.status, code: err.code, message: err.message };
  if (err instanceof DatabaseNotWritableError) {
    return { status: 503, code: 'database_not_writable', message: `${NOT_WRITABLE[err.reason]}; nothing was stored` };
  }
  if (err instanceof SchemaNotReadyError) return { status: 503, code: err.code, message: err.message };
  if (err instanceof DatabaseOutcomeUnknownError) {
    return {
      status: 504,
      code: 'database_outcome_unknown',
      message: 'the database did not confirm the write in time: it may or may not be stored; resend it with the same Idempotency-Key',
    };
  }
  if (err instanceof DatabaseUnavailableError) {
    return { status: 503, code: 'database_unavailable', message: 'the database is not reachable; try again shortly' };
  }
  if (err instanceof IdempotencyKeyReusedError) {
    return { status: 422, code: 'idempotency_key_reused', message: err.message };
  }
  if (err.code === 'FST_ERR_BAD_URL') {
    return { status: 400, code: 'bad_url', message: 'the URL is not validly percent-encoded' };
  }
  if (err.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    return { status: 414, code: 'uri_too_long', message: 'a path segment of the URL is over 100 characters' };
  }
  if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return { status: 413, code: 'body_too_large', message: 'the request body must be at most 16 KiB' };
  }
  if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
    return { status: err.statusCode, code: 'bad_request', message: err.message };
  }
  return { status: 500, code: 'internal', message: 'internal error' };
}
