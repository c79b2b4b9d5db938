// The web tier's settings, all from the environment and all checked before it starts.
import { ConfigError, host, logLevel, port, positiveInt, readVar, type Env } from '../shared/env.js';
import { httpLimitsFromEnv, type HttpLimits } from '../shared/http-limits.js';

export interface WebConfig {
  host: string;
  port: number;
  /** Base URL of the app tier's REST server. */
  restUrl: string;
  /** Upper bound for one call to the app tier; past it the page answers 503. */
  restTimeoutMs: number;
  pageSize: number;
  logLevel: string;
  /** Bounds on slow clients and open connections. */
  http: HttpLimits;
}

export function loadWebConfig(env: Env = process.env): WebConfig {
  return {
    host: readVar(env, 'HOST', host('127.0.0.1')),
    port: readVar(env, 'WEB_PORT', port(8080)),
    restUrl: restUrlFromEnv(env),
    restTimeoutMs: readVar(env, 'REST_TIMEOUT_MS', positiveInt(3000, 120_000)),
    pageSize: readVar(env, 'PAGE_SIZE', positiveInt(20, 100)),
    logLevel: readVar(env, 'LOG_LEVEL', logLevel),
    http: httpLimitsFromEnv(env),
  };
}

/** REST_URL, else the variables of `docker run --link app:rest`, else the local default. */
export function restUrlFromEnv(env: Env): string {
  if (env.REST_URL) {
    let url: URL;
    try {
      url = new URL(env.REST_URL);
    } catch {
      throw new ConfigError('invalid environment variable REST_URL: expected a URL such as http://app:5555');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new ConfigError('invalid environment variable REST_URL: expected an http:// or https:// URL');
    }
    return url.href.replace(/\/$/, '');
  }
  if (env.REST_PORT_5555_TCP_ADDR) {
    const p = readVar(env, 'REST_PORT_5555_TCP_PORT', port(5555));
    const addr = readVar(env, 'REST_PORT_5555_TCP_ADDR', host('127.0.0.1'));
    return `http://${addr.includes(':') ? `[${addr}]` : addr}:${p}`;
  }
  return 'http://127.0.0.1:5555';
}
