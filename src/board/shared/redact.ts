// What the logs must never show, found by name and by shape rather than by path: a field whose
// name says it is secret (at any depth), the password in a URL (`scheme://user:PASSWORD@host`)
// and the value of a secret query parameter (`?token=...`), wherever such a string appears.
// Separate from src/deployer/openstack/redact.ts on purpose: that one hides secret *values* the
// OpenStack client registered (it knows them), in its error texts; this one hides secrets the
// board's logger cannot know in advance, by the *names and shapes* that carry them.
export const REDACTED = '[redacted]';

/**
 * Names of fields and query parameters whose values are secret (case-insensitive): a name that
 * contains one of SECRET_PARTS, or is one of SECRET_EXACT. The README lists the same names.
 */
export const SECRET_PARTS = ['passw', 'pwd', 'passphrase', 'token', 'secret', 'key', 'credential', 'signature', 'cookie', 'authorization', 'session'] as const;
export const SECRET_EXACT = ['auth', 'pass', 'sig'] as const;

const SECRET_NAME = new RegExp([...SECRET_PARTS, ...SECRET_EXACT.map((n) => `^${n}$`)].join('|'), 'i');

/** Any secret name anywhere in a string, also percent-encoded (a superset of SECRET_NAME's matches). */
const SECRET_WORD = new RegExp([...SECRET_PARTS, ...SECRET_EXACT].join('|') + '|%[0-9a-f]{2}', 'i');

// `scheme://user:password@`: the password is what sits between the first ':' and the '@'.
const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^\s/?#@:"]*:)[^\s/?#@"]*@/gi;
// Where a query parameter's name starts: after `?`, `&` or `;` (`a=b;session=x`), up to its `=`.
const PARAM_NAME = /[?&;]([^=&;#\s"?]+)=/g;
// Where a secret parameter's value ends: at the next `&` (not `;`: a value may hold one).
const VALUE_END = /[&#\s"]/g;

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
  return redactQuery(s.replace(URL_PASSWORD, `$1${REDACTED}@`));
}

/** Values of secret query parameters replaced; names are read percent-decoded (`%74oken`). */
function redactQuery(s: string): string {
  let out = '';
  let copied = 0;
  PARAM_NAME.lastIndex = 0;
  for (let m = PARAM_NAME.exec(s); m; m = PARAM_NAME.exec(s)) {
    if (!isSecretName(percentDecoded(m[1]!))) continue;
    VALUE_END.lastIndex = PARAM_NAME.lastIndex;
    const end = VALUE_END.exec(s)?.index ?? s.length;
    out += s.slice(copied, PARAM_NAME.lastIndex) + REDACTED;
    copied = end;
    PARAM_NAME.lastIndex = end;
  }
  return copied ? out + s.slice(copied) : s;
}

/** A name as a server reads it: `+` and %XX decoded, repeatedly (`%2574oken`), never throwing. */
function percentDecoded(name: string): string {
  let current = name;
  for (let i = 0; i < 3 && current.includes('%'); i++) {
    let next: string;
    try {
      next = decodeURIComponent(current.replaceAll('+', ' '));
    } catch {
      next = current.replace(/%([0-9a-f]{2})/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
    }
    if (next === current) break;
    current = next;
  }
  return current;
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
