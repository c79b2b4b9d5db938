// `cacert` and `verify: false` against a fake cloud served over https on 127.0.0.1, with a CA and
// server certificate made for this run (openssl): trusted when the cacert signed it, a clear
// "not trusted" error (at once, never retried) when not, checking off with verify: false. No
// cloud needed; tls.test.ts does the same in front of the sandbox's real services.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { HttpClient } from '../../src/deployer/openstack/http.js';
import { connect, OpenStackConfigError, OpenStackError } from '../../src/deployer/openstack/index.js';
import { fakeKeystone, fakeNovaVersion, FakeServer } from './fake-cloud.js';
import { makeCa, makeServerCert } from './tls-proxy.js';

const dir = mkdtempSync(join(tmpdir(), 'berth-client-tls-'));
let server: FakeServer;

before(async () => {
  const ca = makeCa(dir, 'ca');
  makeCa(dir, 'other-ca'); // a CA that signed nothing here
  server = new FakeServer(makeServerCert(dir, ca));
  await server.start();
  fakeKeystone(server);
  fakeNovaVersion(server);
});
after(async () => {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** connect() to the https cloud as a clouds.yaml in `dir` describes it, with these settings. */
function connectWith(settings: Record<string, unknown>, authUrl = `${server.url}/v3`) {
  const file = join(dir, 'clouds.yaml');
  const auth = {
    auth_url: authUrl,
    username: 'alice',
    password: 'pw-Secret-123',
    project_name: 'demo',
    user_domain_name: 'Default',
    project_domain_name: 'Default',
  };
  writeFileSync(file, stringify({ clouds: { tls: { auth, ...settings } } }));
  return connect({ cloud: 'tls', env: { OS_CLIENT_CONFIG_FILE: file }, cwd: dir, retry: { attempts: 3, baseDelayMs: 5 }, timeoutMs: 5000 });
}

const untrusted = (e: unknown, call = 'identity POST /v3/auth/tokens') => {
  assert.ok(e instanceof OpenStackError, String(e));
  assert.equal(e.status, undefined);
  assert.ok(e.message.startsWith(`${call}: `), e.message);
  assert.match(
    e.message,
    /: no response: TLS: the server's certificate is not trusted \((?:[A-Z_]+): .*\); set cacert in clouds\.yaml to the CA bundle that signed it$/,
  );
  return true;
};

describe('cacert and verify', () => {
  it('cacert (a path, relative to the working directory) that signed the certificate: login and Nova over TLS', async () => {
    const os = await connectWith({ cacert: 'ca.pem' });
    try {
      assert.equal(os.cloud.cacert, join(dir, 'ca.pem'));
      assert.equal((await os.session.getToken()).value, 'tok-1');
      assert.equal(os.compute.microversion.chosen, '2.90');
    } finally {
      await os.close();
    }
  });

  it('a cacert that did not sign it: a clear TLS error at login, one connection, no retry', async () => {
    const before = server.connections;
    await assert.rejects(connectWith({ cacert: join(dir, 'other-ca.pem') }), untrusted);
    assert.equal(server.connections - before, 1);
  });

  it('an untrusted certificate on a GET (which a reset would retry): one connection, no retry', async () => {
    const http = new HttpClient({ ca: readFileSync(join(dir, 'other-ca.pem'), 'utf8'), retry: { attempts: 3, baseDelayMs: 5 } });
    try {
      const before = server.connections;
      await assert.rejects(http.call({ service: 'image', method: 'GET', url: `${server.url}/image/v2/images` }), (e) =>
        untrusted(e, 'image GET /image/v2/images'),
      );
      assert.equal(server.connections - before, 1);
    } finally {
      await http.close();
    }
  });

  it("no cacert: the system's CAs do not know the test CA, the same error", async () => {
    await assert.rejects(connectWith({}), untrusted);
  });

  it('a certificate for another address (localhost is not 127.0.0.1 in it): the same error', async () => {
    await assert.rejects(connectWith({ cacert: 'ca.pem' }, `${server.url.replace('127.0.0.1', 'localhost')}/v3`), (e: unknown) => {
      untrusted(e);
      assert.match((e as Error).message, /ERR_TLS_CERT_ALTNAME_INVALID/);
      return true;
    });
  });

  for (const setting of [{ verify: false }, { insecure: true }]) {
    it(`${JSON.stringify(setting)}: the certificate is not checked`, async () => {
      const os = await connectWith({ cacert: join(dir, 'other-ca.pem'), ...setting });
      try {
        assert.equal(os.cloud.insecure, true);
        assert.equal((await os.session.getToken()).user.name, 'alice');
      } finally {
        await os.close();
      }
    });
  }

  it('a cacert that is not a readable PEM file: a configuration error naming it, before any request', async () => {
    const before = server.seen.length;
    await assert.rejects(connectWith({ cacert: 'missing.pem' }), (e: unknown) => {
      assert.ok(e instanceof OpenStackConfigError, String(e));
      assert.equal(e.message, `cloud "tls": cacert ${join(dir, 'missing.pem')} cannot be read (ENOENT)`);
      return true;
    });
    writeFileSync(join(dir, 'not-pem.txt'), 'hello');
    await assert.rejects(connectWith({ cacert: 'not-pem.txt' }), /cacert .*not-pem\.txt holds no PEM certificate/);
    assert.equal(server.seen.length, before);
  });
});
