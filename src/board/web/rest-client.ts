// The web tier's only way to the data: HTTP to the app tier through a keep-alive pool.
// Every call is bounded by its own deadline (REST_TIMEOUT_MS); an app that is down, slow or
// failing becomes AppUnavailableError (the page answers 503), and a refusal (4xx) becomes AppRejectedError.
// A post carries an Idempotency-Key, which makes it safe to send again when its outcome is unknown.
import { Pool } from 'undici';

export interface PostView {
  id: number;
  timestamp: string | null;
  text: string | null;
}

export interface PageView {
  posts: PostView[];
  next: string | null;
}

export class AppUnavailableError extends Error {
  override name = 'AppUnavailableError';
}

export class AppRejectedError extends Error {
  override name = 'AppRejectedError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }

  /** The key was already used for a post with another text (IETF httpapi idempotency draft: 422). */
  get keyReused(): boolean {
    return this.status === 422;
  }
}

export class RestClient {
  private readonly pool: Pool;
  private readonly basePath: string;

  constructor(
    baseUrl: string,
    private readonly timeoutMs: number,
    connections = 64,
  ) {
    const url = new URL(baseUrl);
    this.basePath = url.pathname.replace(/\/$/, '');
    // No headersTimeout/bodyTimeout here: undici checks those on a coarse timer (about 1 s late),
    // so each call carries its own deadline instead (once()).
    this.pool = new Pool(url.origin, {
      connections,
      keepAliveTimeout: 4_000,
      connect: { timeout: Math.min(timeoutMs, 2_000) },
    });
  }

  listPosts(limit: number, before: string | undefined, requestId: string): Promise<PageView> {
    const q = new URLSearchParams({ limit: String(limit) });
    if (before) q.set('before', before);
    return this.call('GET', `/api/v1/posts?${q}`, requestId) as Promise<PageView>;
  }

  /**
   * Stores a post once whatever happens on the way: when the app does not answer (timeout,
   * connection lost, 5xx) the same request is sent once more with the same key. The app answers
   * a repeat with the first result and stores nothing new (concurrent ones included).
   */
  async createPost(text: string, key: string, requestId: string): Promise<PostView> {
    const send = () => this.once('POST', '/api/v1/posts', requestId, { text }, { 'idempotency-key': key });
    try {
      return (await send()) as PostView;
    } catch (err) {
      if (!(err instanceof AppUnavailableError)) throw err;
      return (await send()) as PostView;
    }
  }

  async ready(requestId: string): Promise<void> {
    await this.call('GET', '/readyz', requestId);
  }

  close(): Promise<void> {
    return this.pool.close();
  }

  private async call(method: 'GET' | 'POST', path: string, requestId: string, body?: unknown): Promise<unknown> {
    try {
      return await this.once(method, path, requestId, body);
    } catch (err) {
      // A pooled connection the app closed (e.g. it restarted) fails once; a GET is safe to repeat.
      if (method === 'GET' && isStaleSocket(err)) return this.once(method, path, requestId, body);
      throw err;
    }
  }

  /** One request and its body within timeoutMs: our own millisecond timer aborts it. */
  private async once(method: string, path: string, requestId: string, body?: unknown, headers: Record<string, string> = {}): Promise<unknown> {
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), this.timeoutMs);
    try {
      return await this.exchange(deadline.signal, method, path, requestId, body, headers);
    } catch (err) {
      if (deadline.signal.aborted) throw new AppUnavailableError(`app tier did not answer within ${this.timeoutMs} ms`);
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  private async exchange(
    signal: AbortSignal,
    method: string,
    path: string,
    requestId: string,
    body: unknown,
    headers: Record<string, string>,
  ): Promise<unknown> {
    let res;
    try {
      res = await this.pool.request({
        method,
        path: this.basePath + path,
        headers: { 'x-request-id': requestId, ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal,
      });
    } catch (err) {
      throw Object.assign(new AppUnavailableError(`app tier unreachable: ${(err as Error).message}`), { cause: err });
    }
    let payload: unknown;
    try {
      payload = await res.body.json();
    } catch (err) {
      // A refusal without the API's JSON (e.g. Node's own 431) is still a refusal.
      if (res.statusCode >= 400 && res.statusCode < 500) throw new AppRejectedError(res.statusCode, 'rejected', `app tier answered ${res.statusCode}`);
      throw new AppUnavailableError(`app tier sent an unreadable reply (${res.statusCode}): ${(err as Error).message}`);
    }
    if (res.statusCode >= 500) throw new AppUnavailableError(`app tier answered ${res.statusCode}`);
    if (res.statusCode >= 400) {
      const e = (payload as { error?: { code?: string; message?: string } } | null)?.error;
      throw new AppRejectedError(res.statusCode, e?.code ?? 'rejected', e?.message ?? `app tier answered ${res.statusCode}`);
    }
    return payload;
  }
}

function isStaleSocket(err: unknown): boolean {
  const cause = (err as { cause?: { code?: string } }).cause;
  return cause?.code === 'UND_ERR_SOCKET' || cause?.code === 'ECONNRESET';
}
