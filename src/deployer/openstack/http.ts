// HTTP for the OpenStack client: one keep-alive undici Agent, JSON in and out, a timeout on every
// attempt, and retries with exponential backoff and jitter where a retry is safe:
//   - 429 and 503 (the request was refused, not done): any method; Retry-After is honoured;
//   - other 5xx, resets and timeouts: only idempotent methods (a POST may have taken effect);
//   - a refused connection (nothing was sent): any method;
//   - 409 only when the caller says the conflict is transient (Nova's task-state conflicts by
//     default);
//   - never 400, 401 (the session re-authenticates), 403, 404 (unless asked), 413.
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request, type Dispatcher } from 'undici';
import { OpenStackError, parseErrorBody } from './errors.js';
import { Redactor } from './redact.js';

export type Method = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** A Retry-After longer than this fails the call instead of stalling the deployment. */
  maxRetryAfterMs: number;
}

export interface RequestLog {
  service: string;
  method: Method;
  path: string;
  status?: number;
  ms: number;
  attempt: number;
  requestId?: string;
  error?: string;
}

export interface HttpOptions {
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  log?: (entry: RequestLog) => void;
  redactor?: Redactor;
  /** PEM CA bundle text (read from clouds.yaml's `cacert` file) and `verify: false`. */
  ca?: string;
  insecure?: boolean;
}

export interface CallOptions {
  service: string;
  method: Method;
  url: string;
  headers?: Record<string, string>;
  json?: unknown;
  body?: string | Buffer;
  timeoutMs?: number;
  /** Whether a 409 is a transient conflict worth retrying (default: Nova task/vm-state ones). */
  retryConflict?: (err: OpenStackError) => boolean;
  /** Retry 404 too (a port Neutron has just made may not be visible to every worker yet). */
  retryNotFound?: boolean;
  /** A POST that only reads (Nova's os-getConsoleOutput action): retried like a GET. */
  idempotent?: boolean;
}

export interface HttpResponse<T = unknown> {
  status: number;
  headers: Record<string, string>;
  body: T;
  requestId?: string;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseDelayMs: 500, maxDelayMs: 8000, maxRetryAfterMs: 60_000 };
const IDEMPOTENT = new Set<Method>(['GET', 'HEAD', 'PUT', 'DELETE']);
const TASK_STATE = /task_state|vm_state|while it is in|in the middle of|locked|is being/i;
const NOT_SENT = new Set(['ECONNREFUSED', 'UND_ERR_CONNECT_TIMEOUT', 'ENOTFOUND', 'EAI_AGAIN']);
/** The server's certificate is not trusted: nothing was sent, and a retry gets the same answer. */
const TLS_UNTRUSTED = /CERT|SELF_SIGNED|UNABLE_TO_(VERIFY|GET)_ISSUER|UNABLE_TO_VERIFY_LEAF|ALTNAME/;

export const isTaskStateConflict = (err: OpenStackError): boolean => TASK_STATE.test(err.osMessage);

export class HttpClient {
  readonly redactor: Redactor;
  private readonly agent: Agent;
  private readonly retry: RetryPolicy;
  private readonly timeoutMs: number;

  constructor(private readonly opts: HttpOptions = {}) {
    this.redactor = opts.redactor ?? new Redactor();
    this.retry = { ...DEFAULT_RETRY, ...opts.retry };
    this.timeoutMs = opts.timeoutMs ?? 60_000;
    this.agent = new Agent({
      keepAliveTimeout: 10_000,
      connections: 8,
      connect: { ca: opts.ca, rejectUnauthorized: !opts.insecure },
    });
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  async call<T = unknown>(o: CallOptions): Promise<HttpResponse<T>> {
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.attempt<T>(o, attempt);
      if (outcome.ok) return outcome.response;
      const delay = this.retryDelay(o, outcome.error, outcome.retryAfterMs, attempt);
      if (delay === undefined) throw outcome.error;
      await sleep(delay);
    }
  }

  private async attempt<T>(
    o: CallOptions,
    attempt: number,
  ): Promise<{ ok: true; response: HttpResponse<T> } | { ok: false; error: OpenStackError; retryAfterMs?: number }> {
    const started = Date.now();
    const path = this.pathOf(o.url);
    const timeoutMs = o.timeoutMs ?? this.timeoutMs;
    let res: Dispatcher.ResponseData;
    let body: unknown;
    try {
      res = await request(o.url, {
        dispatcher: this.agent,
        method: o.method,
        headers: this.headersFor(o),
        body: o.json !== undefined ? JSON.stringify(o.json) : o.body,
        signal: AbortSignal.timeout(timeoutMs),
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      body = await readBody(res);
    } catch (cause) {
      const code = errorCode(cause);
      const error = new OpenStackError({
        service: o.service,
        method: o.method,
        path,
        osMessage: this.redactor.scrub(describeNetworkError(cause, timeoutMs)),
        osType: code,
        cause: code,
      });
      this.opts.log?.({ service: o.service, method: o.method, path, ms: Date.now() - started, attempt, error: code });
      return { ok: false, error };
    }
    const headers = flatHeaders(res.headers);
    const requestId = headers['x-openstack-request-id'] ?? headers['x-compute-request-id'];
    this.opts.log?.({ service: o.service, method: o.method, path, status: res.statusCode, ms: Date.now() - started, attempt, requestId });
    if (res.statusCode < 400) return { ok: true, response: { status: res.statusCode, headers, body: body as T, requestId } };
    const parsed = parseErrorBody(body);
    const error = new OpenStackError({
      service: o.service,
      method: o.method,
      path,
      status: res.statusCode,
      requestId,
      osMessage: this.redactor.scrub(parsed.message),
      osType: parsed.type,
    });
    return { ok: false, error, retryAfterMs: parseRetryAfter(headers['retry-after']) };
  }

  /** How long to wait before the next attempt, or undefined when this error is final. */
  private retryDelay(o: CallOptions, err: OpenStackError, retryAfterMs: number | undefined, attempt: number): number | undefined {
    if (attempt >= this.retry.attempts || !this.retriable(o, err)) return undefined;
    if (retryAfterMs !== undefined) {
      if (retryAfterMs > this.retry.maxRetryAfterMs) return undefined;
      return retryAfterMs + Math.random() * 250;
    }
    const ceiling = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (attempt - 1));
    return ceiling / 2 + (Math.random() * ceiling) / 2; // "equal jitter": spread, never zero
  }

  private retriable(o: CallOptions, err: OpenStackError): boolean {
    const s = err.status;
    const idempotent = IDEMPOTENT.has(o.method) || o.idempotent === true;
    if (s === undefined) return !TLS_UNTRUSTED.test(err.osType ?? '') && (idempotent || NOT_SENT.has(err.osType ?? ''));
    if (s === 429 || s === 503) return true;
    if (s >= 500) return idempotent;
    if (s === 409) return (o.retryConflict ?? isTaskStateConflict)(err);
    if (s === 404) return o.retryNotFound === true;
    return false; // 400, 401, 403, 413 and the rest: a retry would get the same answer
  }

  private headersFor(o: CallOptions): Record<string, string> {
    const h: Record<string, string> = { accept: 'application/json', 'user-agent': 'berth-openstack/0.1', ...o.headers };
    if (o.json !== undefined) h['content-type'] = 'application/json';
    return h;
  }

  private pathOf(url: string): string {
    const u = new URL(url);
    return this.redactor.scrub(decodeURIComponent(u.pathname + u.search));
  }
}

async function readBody(res: Dispatcher.ResponseData): Promise<unknown> {
  const text = await res.body.text();
  if (!text) return undefined;
  const type = String(res.headers['content-type'] ?? '');
  if (type.includes('json')) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}

function flatHeaders(h: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

/** Retry-After is either seconds or an HTTP date. */
export function parseRetryAfter(value: string | undefined): number | undefined {
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

function errorCode(err: unknown): string {
  // DOMException (AbortSignal.timeout) has a numeric legacy `code`: its name is what says "timeout".
  const e = err as { code?: unknown; name?: unknown; cause?: { code?: unknown } };
  for (const c of [e?.code, e?.cause?.code, e?.name]) if (typeof c === 'string' && c !== 'Error') return c;
  return 'UNKNOWN';
}

function describeNetworkError(err: unknown, timeoutMs: number): string {
  const code = errorCode(err);
  if (code === 'TimeoutError' || code === 'AbortError' || code.includes('TIMEOUT')) return `no answer within ${timeoutMs} ms (${code})`;
  const msg = (err as Error)?.message ?? String(err);
  if (TLS_UNTRUSTED.test(code))
    return `TLS: the server's certificate is not trusted (${code}: ${msg}); set cacert in clouds.yaml to the CA bundle that signed it`;
  return `${code}: ${msg}`;
}
