// The web tier's only way to the data: HTTP to the app tier through a keep-alive pool.
// Every call is bounded by a timeout; an app that is down, slow or failing becomes
// AppUnavailableError (the page answers 503), and a refusal (4xx) becomes AppRejectedError.
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
}

export class RestClient {
  private readonly pool: Pool;
  private readonly basePath: string;

  constructor(baseUrl: string, timeoutMs: number, connections = 64) {
    const url = new URL(baseUrl);
    this.basePath = url.pathname.replace(/\/$/, '');
    this.pool = new Pool(url.origin, {
      connections,
      keepAliveTimeout: 4_000,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      connect: { timeout: Math.min(timeoutMs, 2_000) },
    });
  }

  listPosts(limit: number, before: string | undefined, requestId: string): Promise<PageView> {
    const q = new URLSearchParams({ limit: String(limit) });
    if (before) q.set('before', before);
    return this.call('GET', `/api/v1/posts?${q}`, requestId) as Promise<PageView>;
  }

  createPost(text: string, requestId: string): Promise<PostView> {
    return this.call('POST', '/api/v1/posts', requestId, { text }) as Promise<PostView>;
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

  private async once(method: string, path: string, requestId: string, body?: unknown): Promise<unknown> {
    let res;
    try {
      res = await this.pool.request({
        method,
        path: this.basePath + path,
        headers: { 'x-request-id': requestId, ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      throw Object.assign(new AppUnavailableError(`app tier unreachable: ${(err as Error).message}`), { cause: err });
    }
    let payload: unknown;
    try {
      payload = await res.body.json();
    } catch (err) {
      throw new AppUnavailableError(`app tier sent an unreadable reply (${res.statusCode}): ${(err as Error).message}`);
    }
    if (res.statusCode >= 500) throw new AppUnavailableError(`app tier answered ${res.statusCode}`);
    if (res.statusCode >= 400) {
      const e = (payload as { error?: { code?: string; message?: string } }).error;
      throw new AppRejectedError(res.statusCode, e?.code ?? 'rejected', e?.message ?? `app tier answered ${res.statusCode}`);
    }
    return payload;
  }
}

function isStaleSocket(err: unknown): boolean {
  const cause = (err as { cause?: { code?: string } }).cause;
  return cause?.code === 'UND_ERR_SOCKET' || cause?.code === 'ECONNRESET';
}
