// Every error code the app tier answers with (and the HTTP layer of both tiers), in one place:
// its HTTP status and its message for people. The README's table of codes is tested against
// this catalogue. Messages may name details as {placeholders}, filled in by errorMessage().
// The shape of an error body: {"error": {"code", "message", "requestId"}} (errorBody).
export const ERROR_CODES = {
  text_required: { status: 400, message: 'the body must be a JSON object with a string field "text"' },
  text_empty: { status: 400, message: 'text must not be empty or only white space' },
  text_too_long: { status: 400, message: 'text must be at most 255 characters' },
  text_invalid: { status: 400, message: 'text must be valid UTF-8' },
  invalid_utf8: { status: 400, message: 'the request body is not valid UTF-8' },
  malformed_json: { status: 400, message: 'the request body is empty or not valid JSON' },
  json_too_deep: { status: 400, message: 'the request body must not nest arrays and objects more than {max} deep' },
  invalid_limit: { status: 400, message: 'limit must be a whole number from 1 to {max}' },
  invalid_cursor: { status: 400, message: 'before must be a cursor returned as "next" by this API' },
  invalid_id: { status: 400, message: 'the post id must be a positive whole number' },
  invalid_idempotency_key: { status: 400, message: 'Idempotency-Key must be 1 to {max} printable ASCII characters' },
  bad_url: { status: 400, message: 'the URL is not validly percent-encoded' },
  bad_request: { status: 400, message: 'the request could not be read' },
  malformed_request: { status: 400, message: 'the request is not valid HTTP' },
  unauthorized: { status: 401, message: 'deleting needs the header "Authorization: Bearer <ADMIN_TOKEN>"' },
  deleting_disabled: { status: 403, message: 'deleting posts is disabled: the server has no ADMIN_TOKEN' },
  not_found: { status: 404, message: 'no route for {method} {path}' },
  post_not_found: { status: 404, message: 'no post with id {id}' },
  method_not_allowed: { status: 405, message: '{method} is not allowed on {path}; use {allow}' },
  request_timeout: { status: 408, message: 'the request did not arrive in time' },
  body_too_large: { status: 413, message: 'the request body must be at most 16 KiB' },
  uri_too_long: { status: 414, message: 'a path segment of the URL is over 100 characters' },
  expectation_failed: { status: 417, message: 'the only Expect this server meets is 100-continue' },
  idempotency_key_reused: { status: 422, message: 'this Idempotency-Key was already used with a different request' },
  headers_too_large: { status: 431, message: 'the request headers are too large' },
  internal: { status: 500, message: 'internal error' },
  database_unavailable: { status: 503, message: 'the database is not reachable or not ready; try again shortly' },
  shutting_down: { status: 503, message: 'the server is shutting down; try again shortly' },
  database_not_writable: { status: 503, message: 'the database cannot store anything: {reason}; nothing was stored' },
  schema_newer_than_app: { status: 503, message: '{detail}; run the newer app version, or restore a backup made for this one' },
  database_outcome_unknown: {
    status: 504,
    message: 'the database did not confirm the write in time: it may or may not be stored; resend it with the same Idempotency-Key',
  },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** The code's message, its {placeholders} filled from params. */
export function errorMessage(code: ErrorCode, params: Record<string, string | number> = {}): string {
  return ERROR_CODES[code].message.replace(/\{(\w+)\}/g, (all, name: string) => (name in params ? String(params[name]) : all));
}

export function errorStatus(code: ErrorCode): number {
  return ERROR_CODES[code].status;
}

/** The one error shape of the API: {"error": {"code", "message", "requestId"}}. */
export function errorBody(code: ErrorCode, message: string, requestId: string) {
  return { error: { code, message, requestId } };
}
