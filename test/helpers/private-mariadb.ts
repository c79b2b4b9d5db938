// A MariaDB server of the test's own (private datadir, its own port on 127.0.0.1), so a test can
// stop and restart a real database server without disturbing the machine's shared one.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createConnection } from 'mysql2/promise';
import { freePort } from './ports.js';

export class PrivateMariaDb {
  private proc?: ChildProcess;
  private constructor(
    readonly dir: string,
    readonly port: number,
  ) {}

  static async create(): Promise<PrivateMariaDb> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-mariadb-'));
    fs.mkdirSync(path.join(dir, 'data'));
    const init = spawnSync(
      'mariadb-install-db',
      ['--no-defaults', `--datadir=${dir}/data`, '--user=root', '--auth-root-authentication-method=normal', '--skip-test-db'],
      { encoding: 'utf8', timeout: 120_000 },
    );
    if (init.status !== 0) throw new Error(`mariadb-install-db failed: ${init.stderr || init.stdout}`);
    const server = new PrivateMariaDb(dir, await freePort());
    await server.start();
    return server;
  }

  /** A fresh server holding one empty utf8mb4 database. */
  static async withDatabase(database: string): Promise<PrivateMariaDb> {
    const server = await PrivateMariaDb.create();
    await server.query(`CREATE DATABASE ${database} CHARACTER SET utf8mb4`);
    return server;
  }

  url(database: string): string {
    return `mysql://root@127.0.0.1:${this.port}/${database}`;
  }

  async start(): Promise<void> {
    this.proc = spawn(
      '/usr/sbin/mariadbd',
      [
        '--no-defaults',
        `--datadir=${this.dir}/data`,
        '--user=root',
        `--port=${this.port}`,
        '--bind-address=127.0.0.1',
        `--socket=${this.dir}/mysqld.sock`,
        `--pid-file=${this.dir}/mysqld.pid`,
        '--skip-log-bin',
        '--innodb-buffer-pool-size=32M',
      ],
      { stdio: ['ignore', 'ignore', fs.openSync(path.join(this.dir, 'error.log'), 'a')] },
    );
    for (let i = 0; i < 300; i++) {
      if (await this.answers()) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`private MariaDB did not start: ${fs.readFileSync(path.join(this.dir, 'error.log'), 'utf8').slice(-2000)}`);
  }

  async stop(): Promise<void> {
    const proc = this.proc;
    if (!proc || proc.exitCode !== null) return;
    proc.kill('SIGCONT');
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGTERM');
    await exited;
  }

  /** SIGSTOP: the server holds its connections open but answers nothing (a hung host). */
  freeze(): void {
    this.proc?.kill('SIGSTOP');
  }

  thaw(): void {
    this.proc?.kill('SIGCONT');
  }

  async query(sql: string): Promise<unknown> {
    const conn = await createConnection({ host: '127.0.0.1', port: this.port, user: 'root' });
    try {
      return (await conn.query(sql))[0];
    } finally {
      await conn.end();
    }
  }

  async destroy(): Promise<void> {
    await this.stop();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  private async answers(): Promise<boolean> {
    try {
      await this.query('SELECT 1');
      return true;
    } catch {
      return false;
    }
  }
}
