// What the logs must never show, found by name and by shape rather than by path: a field whose
// name says it is secret (at any depth), the password in a URL (`scheme://user:PASSWORD@host`)
// and the value of a secret query parameter (`?token=...`), wherever such a string appears.
export const REDACTED = '[redacted]';

/** Names of fields and query parameters whose values are secret (case-insensitive). */
const SECRET_NAME = /passw|pwd|token|secret|key|credential|signature|cookie|authorization|session|^auth$|^pass$|^sig$/i;

/** Any secret name anywhere in a string (a superset of SECRET_NAME's matches). */
const SECRET_WORD = /passw|pwd|token|secret|key|credential|signature|cookie|authorization|session|auth|pass|sig/i;

// `scheme://user:password@`: the password is what sits between the first ':' and the '@'.
const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^\s/?#@:"]*:)[^\s/?#@"]*@/gi;
// `?name=value` or `&name=value`.
const QUERY_PARAM = /([?&;])([^=&#\s"?]+)=([^&#\s"]*)/g;

// Logs use few distinct field names: remember the verdict for each (a bounded cache).
const verdicts = new Map<string, boolean>();

export function isSecretName(name: string): boolean {
  let secret = verdicts.get(name);
  if (secret === undefined) {
    secret = SECRET_NAME.test(name);
    if (verdicts.size < 1000) verdicts.set(name, secret);
  }
  return secret;
}

/** A string with URL passwords and secret query parameter values replaced. */
export function redactString(s: string): string {
  // Most strings hold neither a URL with credentials nor a secret-looking name: leave them fast.
  if (!(s.includes('@') && s.includes('://')) && !SECRET_WORD.test(s)) return s;
  return s
    .replace(URL_PASSWORD, `$1${REDACTED}@`)
    .replace(QUERY_PARAM, (all, sep: string, name: string) => (isSecretName(name) ? `${sep}${name}=${REDACTED}` : all));
}

/**
 * A copy of a log value with every secret redacted, at any depth. Errors become plain objects
 * through `serializeError` first, so their messages and stacks are redacted too.
 */
export function redactValue(value: unknown, serializeError: (e: Error) => unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactString(value);
  if (value === null || typeof value !== 'object' || depth > 32) return value;
  if (value instanceof Error) return redactValue(serializeError(value), serializeError, depth + 1);
  const json = (value as { toJSON?: () => unknown }).toJSON;
  if (typeof json === 'function') return redactValue(json.call(value), serializeError, depth + 1);
  if (Array.isArray(value)) return value.map((v) => redactValue(v, serializeError, depth + 1));
  // Copied only when something changes: most log lines have nothing to redact.
  const obj = value as Record<string, unknown>;
  let out: Record<string, unknown> | undefined;
  for (const k of Object.keys(obj)) {
    const v = obj[k];
    const clean = isSecretName(k) ? REDACTED : redactValue(v, serializeError, depth + 1);
    if (clean !== v) out ??= { ...obj };
    if (out) out[k] = clean;
  }
  return out ?? obj;
}
