// SQLite that can be read but not written: its disk full (a 1 MiB tmpfs, filled) or its file
// read-only (0444, the app running as nobody). Writes answer 503 database_not_writable and store
// nothing, the log names SQLITE_FULL / SQLITE_READONLY, and /readyz is 503 until writes can work.
// Needs root (mount, and running the app as another user), as the CI machine has.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { logSink, startTestApp, type AppTier, type LogSink } from '../helpers/board.js';
import { postJson, rawRequest } from '../helpers/http.js';
import { freePort } from '../helpers/ports.js';

const ROUTES: [string, Record<string, string>][] = [
  ['/api/v1/posts', {}],
  ['/api/v1/posts', { 'idempotency-key': 'full-key-1' }],
  ['/bbs', {}],
  ['/bbs', { 'idempotency-key': 'full-key-2' }],
];

function countRows(file: string, like: string): number {
  const out = execFileSync(process.execPath, [
    '-e',
    `
    const db = new (require('better-sqlite3'))(${JSON.stringify(file)}, { readonly: true });
    process.stdout.write(String(db.prepare('SELECT COUNT(*) AS n FROM contents WHERE text LIKE ?').get(${JSON.stringify(like)}).n));`,
  ]);
  return Number(String(out));
}

describe('SQLite on a full disk', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-full-'));
  const file = path.join(dir, 'board.sqlite');
  const filler = path.join(dir, 'filler');
  let app: AppTier;
  let logs: LogSink;
  before(async () => {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir]);
    logs = logSink();
    app = await startTestApp(`sqlite:${file}`, {}, logs);
  });
  after(async () => {
    await app?.close();
    execFileSync('umount', [dir]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('answers 503 database_not_writable, stores nothing, says SQLITE_FULL, and is not ready until space is back', { timeout: 60_000 }, async () => {
    assert.equal((await postJson(`${app.url}/api/v1/posts`, { text: 'before the disk filled' })).status, 201);
    const fd = fs.openSync(filler, 'w');
    try {
      for (;;) fs.writeSync(fd, Buffer.alloc(4096));
    } catch (err) {
      assert.equal((err as NodeJS.ErrnoException).code, 'ENOSPC');
    } finally {
      fs.closeSync(fd);
    }
    for (const [i, [route, headers]] of ROUTES.entries()) {
      const res = await postJson(`${app.url}${route}`, { text: `on a full disk ${i} ${'x'.repeat(200)}` }, headers);
      assert.equal(res.status, 503, `${route} ${JSON.stringify(headers)}: ${res.body}`);
      assert.equal(res.json().error.code, 'database_not_writable');
      assert.match(res.json().error.message, /disk is full; nothing was stored/);
      assert.equal(res.headers['retry-after'], '2');
    }
    const logged = logs.text();
    assert.match(logged, /its disk is full \(SQLITE_FULL\)/);
    assert.doesNotMatch(logged, /cannot rollback/);
    const ready = await rawRequest(`${app.url}/readyz`);
    assert.equal(ready.status, 503);
    assert.match(ready.json().reason, /disk of the database is full/);
    assert.equal((await rawRequest(`${app.url}/api/v1/posts`)).status, 200, 'reads go on');

    fs.rmSync(filler);
    assert.equal((await rawRequest(`${app.url}/readyz`)).status, 200, 'ready again once there is space');
    assert.equal((await postJson(`${app.url}/api/v1/posts`, { text: 'after space came back' })).status, 201);
    assert.equal(countRows(file, 'on a full disk%'), 0);
  });
});

describe('SQLite file that is read-only for the app (0444, the app as nobody)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-ro-'));
  const file = path.join(dir, 'board.sqlite');
  before(async () => {
    // Made by the app (as root here), with a post; then the file is made read-only.
    const maker = await startTestApp(`sqlite:${file}`);
    assert.equal((await postJson(`${maker.url}/api/v1/posts`, { text: 'written while writable' })).status, 201);
    await maker.close();
    fs.chmodSync(dir, 0o777);
    fs.chmodSync(file, 0o444);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('starts and reads, but is not ready and answers writes 503 with SQLITE_READONLY in the log', { timeout: 60_000 }, async () => {
    const port = await freePort();
    const proc = spawn(process.execPath, ['--import', 'tsx', 'src/board/app/main.ts'], {
      env: { ...process.env, APP_PORT: String(port), DATABASE_URL: `sqlite:${file}` },
      uid: 65534,
      gid: 65534,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    proc.stdout!.on('data', (d) => (out += d));
    proc.stderr!.on('data', (d) => (out += d));
    try {
      const url = `http://127.0.0.1:${port}`;
      for (let i = 0; !(/app tier ready/.test(out) && /schema is current/.test(out)); i++) {
        if (proc.exitCode !== null || i > 300) assert.fail(`the app did not start: ${out}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const list = await rawRequest(`${url}/api/v1/posts`);
      assert.equal(list.status, 200);
      assert.equal(list.json().posts[0].text, 'written while writable');
      const ready = await rawRequest(`${url}/readyz`);
      assert.equal(ready.status, 503);
      assert.match(ready.json().reason, /not writable \(EACCES\)/);
      for (const [route, headers] of ROUTES) {
        const res = await postJson(`${url}${route}`, { text: 'into a read-only file' }, headers);
        assert.equal(res.status, 503, `${route}: ${res.body}`);
        assert.equal(res.json().error.code, 'database_not_writable');
        assert.match(res.json().error.message, /read-only/);
      }
      await new Promise((r) => setTimeout(r, 200));
      assert.match(out, /its file is read-only \(SQLITE_READONLY\)/);
    } finally {
      proc.kill('SIGTERM');
      await new Promise((r) => (proc.exitCode !== null ? r(null) : proc.once('exit', r)));
    }
    assert.equal(countRows(file, 'into a read-only file'), 0);
  });
});
