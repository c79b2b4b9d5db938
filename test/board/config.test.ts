// Configuration from the environment: defaults, Docker link variables, and clear errors that
// name the variable but never echo a secret.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadAppConfig } from '../../src/board/app/config.js';
import { describeTarget } from '../../src/board/dbs/url.js';
import { loadWebConfig } from '../../src/board/web/config.js';

describe('app configuration', () => {
  it('defaults to the embedded SQLite database on 127.0.0.1:5555', () => {
    const c = loadAppConfig({});
    assert.deepEqual(c.database, { engine: 'sqlite', file: '.data/board.sqlite' });
    assert.equal(c.port, 5555);
    assert.equal(c.host, '127.0.0.1');
  });

  it('bounds slow clients by default, and a header bound never exceeds the request bound', () => {
    assert.deepEqual(loadAppConfig({}).http, {
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 30_000,
      idleTimeoutMs: 60_000,
      keepAliveTimeoutMs: 72_000,
      maxConnections: 2048,
    });
    assert.equal(loadWebConfig({ HTTP_REQUEST_TIMEOUT_MS: '2000' }).http.headersTimeoutMs, 2000);
    assert.equal(loadAppConfig({}).idempotencyRetentionMs, 24 * 3600_000);
  });

  it('uses the legacy link variables of `--link dbs:db`', () => {
    const c = loadAppConfig({ DB_PORT_3306_TCP_ADDR: '172.17.0.2', DB_PORT_3306_TCP_PORT: '3306', DB_PASSWORD: 's3cret' });
    assert.deepEqual(c.database, {
      engine: 'mysql',
      host: '172.17.0.2',
      port: 3306,
      user: 'user',
      password: 's3cret',
      database: 'sample_bbs',
    });
    assert.equal(describeTarget(c.database), 'mysql://user@172.17.0.2:3306/sample_bbs');
  });

  it('ignores the DB_NAME a link sets and reads the password the dbs container was given', () => {
    const c = loadAppConfig({ DB_PORT_3306_TCP_ADDR: '172.17.0.2', DB_NAME: '/app/db', DB_ENV_DB_PASSWORD: 'from-dbs' });
    assert.equal(c.database.engine === 'mysql' && c.database.database, 'sample_bbs');
    assert.equal(c.database.engine === 'mysql' && c.database.password, 'from-dbs');
  });

  it('refuses a link without a password, and says where to give one', () => {
    // What the original's `docker run -itd --name app --link dbs:db ...` gives when dbs got no DB_PASSWORD.
    for (const env of [{}, { DB_ENV_DB_PASSWORD: '' }, { DB_PASSWORD: '' }]) {
      assert.throws(() => loadAppConfig({ DB_PORT_3306_TCP_ADDR: '172.17.0.2', DB_NAME: '/app/db', ...env }), /no database password: .*-e DB_PASSWORD=/);
    }
  });

  describe('DB_PASSWORD_FILE (the *_FILE convention: the password in a file, not in the environment)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-secret-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    const link = { DB_PORT_3306_TCP_ADDR: '172.17.0.2', DB_NAME: '/app/db' };
    const file = (name: string, text: string) => {
      const path = join(dir, name);
      writeFileSync(path, text, { mode: 0o400 });
      return path;
    };

    it('reads the password from the file, without its trailing newline', () => {
      const c = loadAppConfig({ ...link, DB_PASSWORD_FILE: file('pw', 'from-a-file\n'), DB_ENV_DB_PASSWORD: 'from-dbs' });
      assert.equal(c.database.engine === 'mysql' && c.database.password, 'from-a-file');
    });

    it('refuses both DB_PASSWORD and DB_PASSWORD_FILE, an unreadable and an empty file, never showing a value', () => {
      const cases: [Record<string, string>, RegExp][] = [
        [{ DB_PASSWORD: 'hunter2', DB_PASSWORD_FILE: file('both', 'hunter2') }, /give DB_PASSWORD or DB_PASSWORD_FILE, not both/],
        [{ DB_PASSWORD_FILE: join(dir, 'missing') }, /DB_PASSWORD_FILE: cannot read .*missing \(ENOENT\)/],
        [{ DB_PASSWORD_FILE: file('empty', '\n') }, /DB_PASSWORD_FILE: .*empty is empty/],
      ];
      for (const [env, pattern] of cases) {
        assert.throws(
          () => loadAppConfig({ ...link, ...env }),
          (err: Error) => {
            assert.equal(err.name, 'ConfigError');
            assert.match(err.message, pattern);
            assert.doesNotMatch(err.message, /hunter2/);
            return true;
          },
        );
      }
    });
  });

  it('prefers DATABASE_URL over link variables', () => {
    const c = loadAppConfig({ DATABASE_URL: 'mysql://u:p%40ss@db.example:3307/board', DB_PORT_3306_TCP_ADDR: '10.0.0.1' });
    assert.deepEqual(c.database, { engine: 'mysql', host: 'db.example', port: 3307, user: 'u', password: 'p@ss', database: 'board' });
  });

  for (const [name, value, pattern] of [
    ['APP_PORT', '99999', /APP_PORT: expected a port/],
    ['APP_PORT', 'http', /APP_PORT/],
    ['DB_TIMEOUT_MS', '-1', /DB_TIMEOUT_MS/],
    ['SHUTDOWN_GRACE_MS', 'soon', /SHUTDOWN_GRACE_MS: expected a number/],
    ['LOG_LEVEL', 'loud', /LOG_LEVEL: expected one of/],
    ['ADMIN_TOKEN', 'short', /ADMIN_TOKEN: must be at least 16 characters/],
    ['DATABASE_URL', 'postgres://u:hunter2@h/db', /DATABASE_URL: unsupported scheme postgres:/],
    ['DATABASE_URL', 'mysql://u:hunter2@dbhost/', /DATABASE_URL: needs a host and a database name/],
    ['DATABASE_URL', 'mysql://u:hunter2@/', /DATABASE_URL: not a URL/],
    ['DB_PORT_3306_TCP_PORT', 'abc', /DB_PORT_3306_TCP_PORT/],
    ['HTTP_REQUEST_TIMEOUT_MS', '0', /HTTP_REQUEST_TIMEOUT_MS: expected at least 1/],
    ['HTTP_HEADERS_TIMEOUT_MS', '1.5', /HTTP_HEADERS_TIMEOUT_MS: expected a whole number/],
    ['HTTP_MAX_CONNECTIONS', 'many', /HTTP_MAX_CONNECTIONS/],
    ['IDEMPOTENCY_RETENTION_HOURS', '-3', /IDEMPOTENCY_RETENTION_HOURS/],
  ] as const) {
    it(`refuses ${name}=${value} naming the variable`, () => {
      const env: Record<string, string> = { [name]: value };
      if (name === 'DB_PORT_3306_TCP_PORT') env.DB_PORT_3306_TCP_ADDR = '10.0.0.2';
      assert.throws(
        () => loadAppConfig(env),
        (err: Error) => {
          assert.equal(err.name, 'ConfigError');
          assert.match(err.message, pattern);
          assert.doesNotMatch(err.message, /hunter2|short/, 'no secret value in the message');
          return true;
        },
      );
    });
  }
});

describe('web configuration', () => {
  it('finds the app from REST_URL, else `--link app:rest`, else 127.0.0.1:5555', () => {
    assert.equal(loadWebConfig({ REST_URL: 'http://app:5555/' }).restUrl, 'http://app:5555');
    assert.equal(loadWebConfig({ REST_PORT_5555_TCP_ADDR: '172.17.0.3', REST_PORT_5555_TCP_PORT: '5555' }).restUrl, 'http://172.17.0.3:5555');
    assert.equal(loadWebConfig({}).restUrl, 'http://127.0.0.1:5555');
    assert.equal(loadWebConfig({}).port, 8080);
  });

  it('refuses a REST_URL that is not an http URL', () => {
    assert.throws(() => loadWebConfig({ REST_URL: 'ftp://x' }), /REST_URL: expected an http/);
    assert.throws(() => loadWebConfig({ REST_URL: 'not a url' }), /REST_URL/);
    assert.throws(() => loadWebConfig({ PAGE_SIZE: '1000' }), /PAGE_SIZE: expected at most 100/);
  });
});

describe('starting with a bad value', () => {
  it('stops with exit code 2 and one line naming the variable', () => {
    const res = spawnSync(process.execPath, ['--import', 'tsx', 'src/board/app/main.ts'], {
      env: { ...process.env, APP_PORT: 'eighty', DATABASE_URL: 'mysql://u:topsecret@/' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.equal(res.status, 2);
    assert.match(res.stderr, /^invalid environment variable APP_PORT: /);
    assert.doesNotMatch(res.stderr + res.stdout, /topsecret/);
  });

  // Values that pass the checks on their form but cannot be used: found when the tier opens the
  // database or listens. Each one was an exit 1 with a stack trace (one also printed the host).
  const dir = mkdtempSync(join(tmpdir(), 'berth-bad-start-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const notADatabase = join(dir, 'notes.sqlite');
  writeFileSync(notADatabase, 'these are notes, not a database\n'.repeat(200));
  const readOnly = join(dir, 'read-only');
  const source = join(dir, 'source');

  /** A tier started as a process (optionally inside a shell prefix), its exit code and output. */
  function start(tier: 'app' | 'web', env: Record<string, string>, wrap?: (cmd: string) => string[]) {
    const node = [process.execPath, '--import', 'tsx', `src/board/${tier}/main.ts`];
    const [cmd, ...args] = wrap ? wrap(node.map((a) => `'${a}'`).join(' ')) : node;
    return spawnSync(cmd!, args, { env: { ...process.env, APP_PORT: '0', WEB_PORT: '0', ...env }, encoding: 'utf8', timeout: 60_000 });
  }

  function assertBadSetting(res: ReturnType<typeof start>, variable: string, value: string) {
    assert.equal(res.status, 2, `exit code (stderr: ${res.stderr.slice(0, 300)})`);
    const lines = res.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, `one line, not ${lines.length}: ${res.stderr.slice(0, 300)}`);
    assert.match(lines[0]!, new RegExp(`^invalid environment variable ${variable}: `));
    assert.ok(!(res.stderr + res.stdout).includes(value), `the value is not shown: ${lines[0]}`);
  }

  it('a password with a bad %-escape in DATABASE_URL', () => {
    const value = 'mysql://u:p%zz@h/db';
    assertBadSetting(start('app', { DATABASE_URL: value }), 'DATABASE_URL', 'p%zz');
    assertBadSetting(start('app', { DATABASE_URL: 'mysql://u:p@h/db%FF' }), 'DATABASE_URL', 'db%FF');
  });

  it('an SQLite path that is a directory, or a file that is not a database', () => {
    assertBadSetting(start('app', { DATABASE_URL: `sqlite:${dir}` }), 'DATABASE_URL', dir);
    assertBadSetting(start('app', { DATABASE_URL: `sqlite:${notADatabase}` }), 'DATABASE_URL', notADatabase);
  });

  it('an SQLite database on a read-only mount, new or existing', () => {
    // A mount namespace of its own (unshare) holds a read-only bind mount of a folder with a database.
    mkdirSync(source, { recursive: true });
    mkdirSync(readOnly, { recursive: true });
    execFileSync(process.execPath, ['-e', `new (require('better-sqlite3'))(${JSON.stringify(join(source, 'board.sqlite'))}).pragma('journal_mode = WAL')`]);
    const inReadOnlyMount = (cmd: string) => [
      'unshare',
      '-rm',
      'sh',
      '-c',
      `mount --bind '${source}' '${readOnly}' && mount -o remount,bind,ro '${readOnly}' && exec ${cmd}`,
    ];
    for (const file of ['board.sqlite', 'new.sqlite', 'folder/new.sqlite']) {
      const path = join(readOnly, file);
      assertBadSetting(start('app', { DATABASE_URL: `sqlite:${path}` }, inReadOnlyMount), 'DATABASE_URL', path);
    }
  });

  it('a HOST that is no address of this machine, on either tier', () => {
    for (const tier of ['app', 'web'] as const) {
      assertBadSetting(start(tier, { HOST: 'nonexistent.invalid', DATABASE_URL: 'sqlite::memory:' }), 'HOST', 'nonexistent');
    }
  });

  it('a port already in use names its variable', async () => {
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = String((server.address() as net.AddressInfo).port);
    try {
      assertBadSetting(start('app', { APP_PORT: port, DATABASE_URL: 'sqlite::memory:' }), 'APP_PORT', port);
      assertBadSetting(start('web', { WEB_PORT: port }), 'WEB_PORT', port);
    } finally {
      server.close();
    }
  });
});
