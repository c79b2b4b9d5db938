// SIGTERM with something stuck in flight: a slow upload, a frozen MariaDB, a database host that
// never answers. The app answers what is in flight, closes the database within a bound, and
// exits 0 within SHUTDOWN_GRACE_MS.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createConnection } from 'mysql2/promise';
import { rawRequest, rawSocket } from '../helpers/http.js';
import { freePort } from '../helpers/ports.js';
import { PrivateMariaDb } from '../helpers/private-mariadb.js';
import { exitCodeOf, startTierProcess, untilAnswering, untilPrinted } from '../helpers/tier-process.js';

const GRACE = { SHUTDOWN_GRACE_MS: '3000' };

describe('SIGTERM with work stuck in flight', () => {
  it('a slow upload (inside HTTP_REQUEST_TIMEOUT_MS) is answered 503 and the app exits 0', { timeout: 60_000 }, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-shutdown-'));
    const port = await freePort();
    const app = startTierProcess('src/board/app/main.ts', {
      ...GRACE,
      APP_PORT: String(port),
      DATABASE_URL: `sqlite:${dir}/db.sqlite`,
      HTTP_REQUEST_TIMEOUT_MS: '120000',
    });
    try {
      await untilAnswering(`http://127.0.0.1:${port}/healthz`, app);
      // About 30 s at one byte every 300 ms: far longer than the grace.
      const body = JSON.stringify({ text: `a slow upload ${'.'.repeat(80)}` });
      const upload = rawSocket(
        `http://127.0.0.1:${port}`,
        `POST /api/v1/posts HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`,
      );
      let sent = 0;
      const drip = setInterval(() => !upload.socket.destroyed && sent < body.length && upload.socket.write(body[sent++]!), 300);
      await new Promise((r) => setTimeout(r, 600));
      app.proc.kill('SIGTERM');
      const answer = await upload.closed;
      clearInterval(drip);
      assert.equal(await exitCodeOf(app.proc), 0, app.output());
      assert.equal(answer.status, 503, answer.data);
      assert.match(answer.data, /"code":"shutting_down"/);
      assert.match(answer.data, /connection: close/i);
      assert.doesNotMatch(app.output(), /shutdown took too long/);
    } finally {
      app.proc.kill('SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a database host that never answers (connect ETIMEDOUT): exits 0', { timeout: 60_000 }, async () => {
    // A listener with a backlog of one in a stopped process: once the backlog is full the kernel
    // drops further SYNs, so connecting to it times out, as to a host behind a dropping firewall.
    const holder = spawn(
      process.execPath,
      ['-e', "require('net').createServer().listen(0, '127.0.0.1', 1, function () { console.log(this.address().port) })"],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const dbPort = Number(await new Promise<string>((r) => holder.stdout!.once('data', (d) => r(String(d).trim()))));
    holder.kill('SIGSTOP');
    const fillers = Array.from({ length: 4 }, () => net.connect(dbPort, '127.0.0.1').on('error', () => undefined));
    const port = await freePort();
    const app = startTierProcess('src/board/app/main.ts', {
      ...GRACE,
      APP_PORT: String(port),
      DATABASE_URL: `mysql://u:p@127.0.0.1:${dbPort}/sample_bbs`,
    });
    try {
      await untilAnswering(`http://127.0.0.1:${port}/healthz`, app);
      const read = rawRequest(`http://127.0.0.1:${port}/api/v1/posts`);
      await new Promise((r) => setTimeout(r, 500));
      app.proc.kill('SIGTERM');
      assert.equal(await exitCodeOf(app.proc), 0, app.output());
      assert.equal((await read).status, 503);
    } finally {
      app.proc.kill('SIGKILL');
      for (const f of fillers) f.destroy();
      holder.kill('SIGKILL');
    }
  });

  describe('a frozen MariaDB (SIGSTOP)', () => {
    let server: PrivateMariaDb;
    before(async () => {
      server = await PrivateMariaDb.withDatabase('sample_bbs');
    });
    after(async () => {
      server?.thaw();
      await server?.destroy();
    });

    it('a post waiting on it is answered 503 and not stored, and the app exits 0', { timeout: 60_000 }, async () => {
      const port = await freePort();
      const app = startTierProcess('src/board/app/main.ts', {
        ...GRACE,
        APP_PORT: String(port),
        DATABASE_URL: server.url('sample_bbs'),
        DB_TIMEOUT_MS: '30000',
      });
      try {
        await untilAnswering(`http://127.0.0.1:${port}/healthz`, app);
        await untilPrinted(app, /database schema (migrated|is current)/);
        server.freeze();
        const post = rawRequest(`http://127.0.0.1:${port}/bbs`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ text: 'in flight, server frozen' }),
        });
        await new Promise((r) => setTimeout(r, 500));
        app.proc.kill('SIGTERM');
        assert.equal(await exitCodeOf(app.proc), 0, app.output());
        const res = await post;
        assert.equal(res.status, 503, res.body);
      } finally {
        app.proc.kill('SIGKILL');
        server.thaw();
      }
      await new Promise((r) => setTimeout(r, 1000));
      const conn = await createConnection({ host: '127.0.0.1', port: server.port, user: 'root', database: 'sample_bbs' });
      try {
        const [rows] = await conn.query("SELECT COUNT(*) AS n FROM contents WHERE text = 'in flight, server frozen'");
        assert.equal(Number((rows as { n: number }[])[0]!.n), 0, 'the 503 stored nothing');
      } finally {
        await conn.end();
      }
    });
  });
});
