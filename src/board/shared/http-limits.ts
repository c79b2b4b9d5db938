// Bounds on what one client may hold on a tier: time to send headers, time to send the whole
// request, idle time between requests on a kept-alive connection, and open connections. Without
// them a request whose body never finishes is kept forever (Fastify's requestTimeout is 0).
import { positiveInt, readVar, type Env } from './env.js';

export interface HttpLimits {
  /** Headers must arrive within this; else 408. */
  headersTimeoutMs: number;
  /** The whole request (headers and body) must arrive within this; else 408. */
  requestTimeoutMs: number;
  /** A socket with no traffic at all for this long is closed. */
  idleTimeoutMs: number;
  /** A kept-alive connection waits this long for its next request. */
  keepAliveTimeoutMs: number;
  /** Connections beyond this are closed as soon as they are accepted. */
  maxConnections: number;
}

export const DEFAULT_HTTP_LIMITS: HttpLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  idleTimeoutMs: 60_000,
  // Longer than the 60 s idle timeout of common proxies, so they never reuse a closed connection.
  keepAliveTimeoutMs: 72_000,
  maxConnections: 2048,
};

export function httpLimitsFromEnv(env: Env): HttpLimits {
  const d = DEFAULT_HTTP_LIMITS;
  const limits = {
    headersTimeoutMs: readVar(env, 'HTTP_HEADERS_TIMEOUT_MS', positiveInt(d.headersTimeoutMs, 600_000)),
    requestTimeoutMs: readVar(env, 'HTTP_REQUEST_TIMEOUT_MS', positiveInt(d.requestTimeoutMs, 600_000)),
    idleTimeoutMs: readVar(env, 'HTTP_IDLE_TIMEOUT_MS', positiveInt(d.idleTimeoutMs, 3_600_000)),
    keepAliveTimeoutMs: readVar(env, 'HTTP_KEEPALIVE_TIMEOUT_MS', positiveInt(d.keepAliveTimeoutMs, 3_600_000)),
    maxConnections: readVar(env, 'HTTP_MAX_CONNECTIONS', positiveInt(d.maxConnections, 1_000_000)),
  };
  // Node refuses a header bound longer than the whole-request bound.
  return { ...limits, headersTimeoutMs: Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs) };
}

/** How often node checks the header and request bounds: a bound fires at most this late. */
export function checkingIntervalMs(l: HttpLimits): number {
  return Math.max(50, Math.min(1000, Math.floor(l.headersTimeoutMs / 4)));
}
