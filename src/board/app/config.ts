// The app tier's settings, all from the environment and all checked before it starts.
import { z } from 'zod';
import { ConfigError, host, logLevel, port, positiveInt, readSecret, readVar, type Env } from '../shared/env.js';
import { DEFAULT_SHUTDOWN_GRACE_MS } from '../shared/lifecycle.js';
import { databaseFromEnv, type DatabaseTarget } from '../dbs/url.js';
import { httpLimitsFromEnv, type HttpLimits } from '../shared/http-limits.js';

export interface AppConfig {
  host: string;
  port: number;
  database: DatabaseTarget;
  /**
   * Secret the pages' cursors are keyed by: CURSOR_KEY, else the database password (which every
   * app replica of one board shares); undefined for SQLite without CURSOR_KEY (one process: it
   * makes its own key).
   */
  cursorKey: string | undefined;
  /** Bearer token that allows DELETE; deleting is disabled when unset. */
  adminToken: string | undefined;
  /** Upper bound for one database call, so no request waits without bound. */
  dbTimeoutMs: number;
  /** How long an Idempotency-Key is remembered (a retry within it never stores twice). */
  idempotencyRetentionMs: number;
  /** How many of the newest posts the original's `GET /bbs` returns. */
  legacyListLimit: number;
  logLevel: string;
  /** Bounds on slow clients and open connections. */
  http: HttpLimits;
  /** How long SIGTERM waits for requests in flight before answering them and exiting. */
  shutdownGraceMs: number;
}

export function loadAppConfig(env: Env = process.env): AppConfig {
  // Read in this order, so the first bad setting named is the first in this list.
  const config = {
    host: readVar(env, 'HOST', host('127.0.0.1')),
    port: readVar(env, 'APP_PORT', port(5555)),
    database: databaseFromEnv(env),
    adminToken: readVar(env, 'ADMIN_TOKEN', z.string().min(16, 'must be at least 16 characters').optional()),
    dbTimeoutMs: readVar(env, 'DB_TIMEOUT_MS', positiveInt(5000, 600_000)),
    idempotencyRetentionMs: readVar(env, 'IDEMPOTENCY_RETENTION_HOURS', positiveInt(24, 24 * 365)) * 3600_000,
    legacyListLimit: readVar(env, 'LEGACY_LIST_LIMIT', positiveInt(1000, 100_000)),
    logLevel: readVar(env, 'LOG_LEVEL', logLevel),
    http: httpLimitsFromEnv(env),
    shutdownGraceMs: readVar(env, 'SHUTDOWN_GRACE_MS', positiveInt(DEFAULT_SHUTDOWN_GRACE_MS, 600_000)),
  };
  const { database } = config;
  return { ...config, cursorKey: cursorKeyFrom(env) ?? (database.engine === 'mysql' ? database.password || undefined : undefined) };
}

/** CURSOR_KEY or CURSOR_KEY_FILE: at least 16 characters (a guessable key would let links be forged). */
function cursorKeyFrom(env: Env): string | undefined {
  const key = readSecret(env, 'CURSOR_KEY');
  if (key !== undefined && key.length < 16) throw new ConfigError('invalid environment variable CURSOR_KEY: must be at least 16 characters');
  return key;
}
