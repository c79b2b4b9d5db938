// The tiers as real processes: SIGTERM drains in-flight requests and exits 0, `npm start`
// prints the URL, and logs are JSON lines that never contain a secret.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { rawRequest } from '../helpers/http.js';
import { freePort } from '../helpers/ports.js';

function startTier(entry: string, env: Record<string, string>): { proc: ChildProcess; output: () => string } {
  const proc = spawn(process.execPath, ['--import', 'tsx', entry], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  return { proc, output: () => out };
}

const exitOf = (p: ChildProcess) => new Promise<number | null>((r) => (p.exitCode !== null ? r(p.exitCode) : p.once('exit', (c) => r(c))));

async function untilListening(url: string, proc: ChildProcess): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (proc.exitCode !== null) throw new Error('the process exited before listening');
    try {
      await rawRequest(url);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`${url} never answered`);
}

/** Resolves when the process has printed a line matching `pattern` (its logs are the events). */
async function untilOutput(tier: { proc: ChildProcess; output: () => string }, pattern: RegExp): Promise<void> {
  while (!pattern.test(tier.output())) {
    if (tier.proc.exitCode !== null) throw new Error(`exited before printing ${pattern}`);
    await new Promise((r) => tier.proc.stdout!.once('data', r));
  }
}

describe('tiers as processes', () => {
  it('web: SIGTERM lets an in-flight request finish, then exits 0', { timeout: 60_000 }, async () => {
    // A slow stand-in for the app tier: the real one answers too fast to catch a request in flight.
    const slowApp = http.createServer((req, res) => {
      setTimeout(() => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ posts: [{ id: 1, timestamp: '2026-01-01 00:00:00', text: 'slow but sure' }], next: null }));
      }, 1500);
    });
    await new Promise<void>((r) => slowApp.listen(0, '127.0.0.1', r));
    const webPort = await freePort();
    const web = startTier('src/board/web/main.ts', {
      WEB_PORT: String(webPort),
      REST_URL: `http://127.0.0.1:${(slowApp.address() as net.AddressInfo).port}`,
      REST_TIMEOUT_MS: '10000',
    });
    try {
      await untilListening(`http://127.0.0.1:${webPort}/healthz`, web.proc);
      const inFlight = rawRequest(`http://127.0.0.1:${webPort}/`);
      await new Promise((r) => setTimeout(r, 300));
      web.proc.kill('SIGTERM');
      const res = await inFlight;
      assert.equal(res.status, 200);
      assert.match(res.body, /slow but sure/);
      assert.equal(await exitOf(web.proc), 0);
      await assert.rejects(rawRequest(`http://127.0.0.1:${webPort}/healthz`), /ECONNREFUSED/);
      assert.match(web.output(), /"msg":"stopped"/);
    } finally {
      web.proc.kill('SIGKILL');
      slowApp.close();
    }
  });

  it('app: SIGTERM lets a request held in the database finish, then exits 0', { timeout: 60_000 }, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-drain-'));
    const port = await freePort();
    const file = `${dir}/db.sqlite`;
    const app = startTier('src/board/app/main.ts', { APP_PORT: String(port), DATABASE_URL: `sqlite:${file}`, DB_TIMEOUT_MS: '20000' });
    const { default: SQLite } = await import('better-sqlite3');
    let holder: InstanceType<typeof SQLite> | undefined;
    try {
      await untilListening(`http://127.0.0.1:${port}/healthz`, app.proc);
      await untilOutput(app, /"msg":"database schema migrated"/);
      // Another connection holds the write lock: the post waits inside the app until we let go.
      holder = new SQLite(file);
      holder.exec('BEGIN IMMEDIATE');
      let exited = false;
      const exit = exitOf(app.proc).then((code) => ((exited = true), code));
      const post = rawRequest(`http://127.0.0.1:${port}/api/v1/posts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text: 'in flight at SIGTERM' }),
      }).then((res) => ({ res, exitedBefore: exited }));
      // An answer on another connection sent after the post: the app has the post by then.
      assert.equal((await rawRequest(`http://127.0.0.1:${port}/healthz`, { headers: { connection: 'close' } })).status, 200);
      app.proc.kill('SIGTERM');
      await untilOutput(app, /"msg":"shutting down"/);
      assert.equal(exited, false, 'still running with a request in flight');

      holder.exec('ROLLBACK');
      const { res, exitedBefore } = await post;
      assert.equal(res.status, 201, 'the request in flight completes');
      assert.equal(res.headers.connection, 'close', 'and its connection ends with it, not kept alive past the exit');
      assert.equal(exitedBefore, false, 'answered before the process exited');
      assert.equal(await exit, 0);
      const rows = new SQLite(file).prepare("SELECT COUNT(*) AS n FROM contents WHERE text = 'in flight at SIGTERM'").get() as { n: number };
      assert.equal(rows.n, 1);
    } finally {
      holder?.close();
      app.proc.kill('SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('app: SIGTERM closes the database and exits 0; the data is there after a restart', { timeout: 60_000 }, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-proc-'));
    const port = await freePort();
    const env = { APP_PORT: String(port), DATABASE_URL: `sqlite:${dir}/db.sqlite`, ADMIN_TOKEN: 'admin-token-never-logged-1234' };
    try {
      for (const text of ['first life', 'second life']) {
        const app = startTier('src/board/app/main.ts', env);
        await untilListening(`http://127.0.0.1:${port}/healthz`, app.proc);
        const post = await rawRequest(`http://127.0.0.1:${port}/api/v1/posts`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: 'Bearer admin-token-never-logged-1234' },
          body: JSON.stringify({ text }),
        });
        assert.equal(post.status, 201);
        await rawRequest(`http://127.0.0.1:${port}/api/v1/posts/999`, {
          method: 'DELETE',
          headers: { authorization: 'Bearer admin-token-never-logged-1234' },
        });
        app.proc.kill('SIGTERM');
        assert.equal(await exitOf(app.proc), 0);
        const lines = app.output().trim().split('\n');
        for (const line of lines) assert.doesNotThrow(() => JSON.parse(line), `a JSON log line: ${line}`);
        assert.doesNotMatch(app.output(), /admin-token-never-logged/);
      }
      const app = startTier('src/board/app/main.ts', env);
      await untilListening(`http://127.0.0.1:${port}/healthz`, app.proc);
      const page = (await rawRequest(`http://127.0.0.1:${port}/api/v1/posts`)).json();
      assert.deepEqual(
        page.posts.map((p: { text: string }) => p.text),
        ['second life', 'first life'],
      );
      app.proc.kill('SIGTERM');
      assert.equal(await exitOf(app.proc), 0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('app: the database password never appears in its logs', { timeout: 60_000 }, async () => {
    const port = await freePort();
    // Nothing listens on port 1: the app logs that it is waiting for its database.
    const app = startTier('src/board/app/main.ts', { APP_PORT: String(port), DATABASE_URL: 'mysql://user:pw-should-not-leak@127.0.0.1:1/sample_bbs' });
    try {
      await untilListening(`http://127.0.0.1:${port}/readyz`, app.proc);
      const ready = await rawRequest(`http://127.0.0.1:${port}/readyz`);
      assert.equal(ready.status, 503);
      await new Promise((r) => setTimeout(r, 500));
      assert.match(app.output(), /waiting for the database/);
      assert.doesNotMatch(app.output() + ready.body, /pw-should-not-leak/);
    } finally {
      app.proc.kill('SIGTERM');
      await exitOf(app.proc);
    }
  });

  it('both tiers keep credentials of REST_URL and secret query parameters out of their logs', { timeout: 60_000 }, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-logs-'));
    const [appPort, webPort] = [await freePort(), await freePort()];
    const app = startTier('src/board/app/main.ts', { APP_PORT: String(appPort), DATABASE_URL: `sqlite:${dir}/db.sqlite` });
    const web = startTier('src/board/web/main.ts', { WEB_PORT: String(webPort), REST_URL: `http://board:rest-pw-never-logged@127.0.0.1:${appPort}` });
    try {
      await untilListening(`http://127.0.0.1:${appPort}/healthz`, app.proc);
      await untilListening(`http://127.0.0.1:${webPort}/healthz`, web.proc);
      await rawRequest(`http://127.0.0.1:${appPort}/api/v1/posts?limit=1&access_token=app-query-token-never-logged`);
      await rawRequest(`http://127.0.0.1:${webPort}/?limit=1&password=web-query-pw-never-logged`);
      for (const tier of [app, web]) {
        tier.proc.kill('SIGTERM');
        assert.equal(await exitOf(tier.proc), 0);
      }
      const logs = app.output() + web.output();
      assert.match(web.output(), /"restUrl":"http:\/\/board:\[redacted\]@127\.0\.0\.1/, 'the web tier logs where the app is');
      assert.match(logs, /limit=1&access_token=\[redacted\]/, 'the app tier logs the request URL');
      assert.match(logs, /limit=1&password=\[redacted\]/, 'the web tier logs the request URL');
      assert.doesNotMatch(logs, /never-logged/);
    } finally {
      app.proc.kill('SIGKILL');
      web.proc.kill('SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('npm start runs web and app on SQLite and prints the URL', { timeout: 60_000 }, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-start-'));
    const [webPort, appPort] = [await freePort(), await freePort()];
    const start = startTier('src/board/start.ts', { WEB_PORT: String(webPort), APP_PORT: String(appPort), DATABASE_URL: `sqlite:${dir}/db.sqlite` });
    try {
      const url = `http://127.0.0.1:${webPort}/`;
      await untilListening(url, start.proc);
      for (let i = 0; i < 50 && !start.output().includes(url); i++) await new Promise((r) => setTimeout(r, 100));
      assert.match(start.output(), new RegExp(`The board is running at ${url.replace(/\//g, '\\/')}`));
      const posted = await rawRequest(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'text=via+npm+start' });
      assert.equal(posted.status, 303);
      assert.match((await rawRequest(url)).body, /<td>via npm start<\/td>/);
      start.proc.kill('SIGTERM');
      assert.equal(await exitOf(start.proc), 0);
    } finally {
      start.proc.kill('SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
