// Starts the board's tiers in this process on free ports. Logs go to an in-memory sink so tests
// can read them (request ids, redaction) instead of printing them.
import { Writable } from 'node:stream';
import { after, before } from 'node:test';
import { startApp } from '../../src/board/app/main.js';
import type { Engine } from '../../src/board/dbs/connect.js';
import { createTestDatabase } from './databases.js';
import { startWeb } from '../../src/board/web/main.js';

export interface LogSink {
  lines: Record<string, unknown>[];
  text(): string;
  stream: Writable;
}

export function logSink(): LogSink {
  const lines: Record<string, unknown>[] = [];
  const raw: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      raw.push(String(chunk));
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, stream, text: () => raw.join('') };
}

export type AppTier = Awaited<ReturnType<typeof startApp>>;
export type WebTier = Awaited<ReturnType<typeof startWeb>>;

/** The app tier on a free port, its schema migrated before this resolves. */
export async function startTestApp(databaseUrl: string, extra: Record<string, string> = {}, logs?: LogSink) {
  const app = await startApp({ APP_PORT: '0', LOG_LEVEL: logs ? 'info' : 'silent', DATABASE_URL: databaseUrl, ...extra }, logs?.stream);
  await app.ready;
  return app;
}

/** The app tier on a free port without waiting for its schema (it may start before its database). */
export function startTestAppNoWait(databaseUrl: string) {
  return startApp({ APP_PORT: '0', LOG_LEVEL: 'silent', DATABASE_URL: databaseUrl });
}

export async function startTestWeb(restUrl: string, extra: Record<string, string> = {}, logs?: LogSink) {
  return startWeb({ WEB_PORT: '0', LOG_LEVEL: logs ? 'info' : 'silent', REST_URL: restUrl, ...extra }, logs?.stream);
}

export type TestApp = Awaited<ReturnType<typeof startTestAppOn>>;

/**
 * An app on a fresh database for the enclosing describe: started before its tests (handed to
 * `use`), closed and its database dropped after them.
 */
export function appPerSuite(engine: Engine, env: Record<string, string>, use: (t: TestApp) => void): void {
  let t: TestApp | undefined;
  before(async () => {
    t = await startTestAppOn(engine, env);
    use(t);
  });
  after(() => t?.close());
}

/** A fresh database of this engine and the app tier on it (no web tier); close() stops the app, then drops the database. */
export async function startTestAppOn(engine: Engine, env: Record<string, string> = {}, logs?: LogSink) {
  const db = await createTestDatabase(engine);
  const app = await startTestApp(db.url, env, logs).catch(async (err: unknown) => {
    await db.drop();
    throw err;
  });
  return {
    db,
    app,
    async close() {
      await app.close();
      await db.drop();
    },
  };
}

export type TestBoard = Awaited<ReturnType<typeof startTestBoard>>;

/**
 * A whole board for a test file: a fresh database (SQLite unless told), the app tier (with `app`
 * added to its environment), the web tier in front (with `web` added to its environment).
 */
export async function startTestBoard(
  opts: { engine?: Engine; app?: Record<string, string>; appLogs?: LogSink; webLogs?: LogSink; web?: Record<string, string> } = {},
) {
  const { db, app, close } = await startTestAppOn(opts.engine ?? 'sqlite', opts.app, opts.appLogs);
  const web = await startTestWeb(app.url, opts.web, opts.webLogs);
  return {
    db,
    app,
    web,
    async close() {
      await web.close();
      await close();
    },
  };
}
