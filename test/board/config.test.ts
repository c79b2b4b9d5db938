// Configuration from the environment: defaults, Docker link variables, and clear errors that
// name the variable but never echo a secret.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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
      headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, idleTimeoutMs: 60_000, keepAliveTimeoutMs: 72_000, maxConnections: 2048,
    });
    assert.equal(loadWebConfig({ HTTP_REQUEST_TIMEOUT_MS: '2000' }).http.headersTimeoutMs, 2000);
    assert.equal(loadAppConfig({}).idempotencyRetentionMs, 24 * 3600_000);
  });

  it('uses the legacy link variables of `--link dbs:db`', () => {
    const c = loadAppConfig({ DB_PORT_3306_TCP_ADDR: '172.17.0.2', DB_PORT_3306_TCP_PORT: '3306', DB_PASSWORD: 's3cret' });
    assert.deepEqual(c.database, {
      engine: 'mysql', host: '172.17.0.2', port: 3306, user: 'user', password: 's3cret', database: 'sample_bbs',
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
        assert.throws(() => loadAppConfig({ ...link, ...env }), (err: Error) => {
          assert.equal(err.name, 'ConfigError');
          assert.match(err.message, pattern);
          assert.doesNotMatch(err.message, /hunter2/);
          return true;
        });
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
      assert.throws(() => loadAppConfig(env), (err: Error) => {
        assert.equal(err.name, 'ConfigError');
        assert.match(err.message, pattern);
        assert.doesNotMatch(err.message, /hunter2|short/, 'no secret value in the message');
        return true;
      });
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
});
