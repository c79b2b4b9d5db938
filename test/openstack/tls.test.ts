// `cacert` in clouds.yaml is a file path, as openstacksdk reads it: the cloud's endpoints are
// trusted when signed by that CA, and only then. Keystone, Nova and Glance are reached through
// TLS proxies whose certificate a private CA made for this test signed.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parse, stringify } from 'yaml';
import { connect, OpenStackConfigError, OpenStackError } from '../../src/deployer/openstack/index.js';
import { IMAGE } from './fixtures.js';
import { CLOUDS_YAML } from './helpers.js';
import { makeCa, makeServerCert, TlsProxy } from './tls-proxy.js';

const dir = mkdtempSync(join(tmpdir(), 'berth-tls-'));
const proxies = { keystone: 5000, nova: 8774, glance: 9292 };
const started: TlsProxy[] = [];
const urls: Record<string, string> = {};
const byName: Record<string, TlsProxy> = {};

before(async () => {
  const ca = makeCa(dir, 'ca');
  makeCa(dir, 'other-ca'); // a CA that signed nothing here
  const cert = makeServerCert(dir, ca);
  for (const [name, port] of Object.entries(proxies)) {
    const p = new TlsProxy({ host: '127.0.0.1', port }, cert);
    urls[name] = await p.start();
    started.push(p);
    byName[name] = p;
  }
});
after(async () => {
  await Promise.all(started.map((p) => p.stop()));
  rmSync(dir, { recursive: true, force: true });
});

/** A clouds.yaml in `dir`: the sandbox's demo cloud over TLS (or only Glance over TLS), with this cacert. */
function cloudsYaml(cacert: string, o: { onlyGlance?: boolean } = {}): Record<string, string> {
  const demo = (parse(readFileSync(CLOUDS_YAML, 'utf8')) as { clouds: Record<string, { auth: Record<string, string> }> }).clouds['berth-demo']!;
  const cloud = {
    ...demo,
    auth: o.onlyGlance ? demo.auth : { ...demo.auth, auth_url: `${urls.keystone}/v3` },
    cacert,
    compute_endpoint_override: o.onlyGlance ? 'http://127.0.0.1:8774/v2.1' : `${urls.nova}/v2.1`,
    image_endpoint_override: urls.glance,
  };
  const file = join(dir, 'clouds.yaml');
  writeFileSync(file, stringify({ clouds: { tls: cloud } }));
  return { OS_CLIENT_CONFIG_FILE: file };
}

test('cacert as a path (relative to the working directory): Keystone, Nova and Glance over TLS', async () => {
  const os = await connect({ cloud: 'tls', env: cloudsYaml('ca.pem'), cwd: dir, timeoutMs: 30_000 });
  try {
    assert.equal(os.cloud.cacert, join(dir, 'ca.pem'));
    assert.equal((await os.session.getToken()).project?.name, 'demo');
    assert.ok((await os.compute.flavors.list()).some((f) => f.name === 'm1.tiny'));
    // Glance over TLS with a page per image: every next link followed through the proxy.
    const images = await os.image.images.list({}, { pageSize: 1 });
    assert.ok(images.some((i) => i.name === IMAGE));
  } finally {
    await os.close();
  }
});

const untrusted = (e: unknown) => {
  assert.ok(e instanceof OpenStackError, String(e));
  assert.equal(e.status, undefined);
  assert.match(e.message, /TLS: the server's certificate is not trusted/);
  assert.match(e.message, /set cacert in clouds\.yaml/);
  return true;
};

test('a CA that did not sign the certificate: a clear TLS error at login', async () => {
  await assert.rejects(connect({ cloud: 'tls', env: cloudsYaml(join(dir, 'other-ca.pem')), timeoutMs: 10_000 }), untrusted);
});

test('an untrusted certificate on a GET: the same error, and no retry (it would get the same answer)', async () => {
  // Keystone and Nova over plain HTTP here, so the login works and the GET to Glance meets TLS.
  const os = await connect({ cloud: 'tls', env: cloudsYaml(join(dir, 'other-ca.pem'), { onlyGlance: true }), timeoutMs: 10_000, retry: { baseDelayMs: 10 } });
  try {
    const before = byName.glance!.connections;
    await assert.rejects(os.image.images.list(), untrusted);
    assert.equal(byName.glance!.connections - before, 1);
  } finally {
    await os.close();
  }
});

test('a cacert that is not a readable PEM file: a configuration error naming it', async () => {
  await assert.rejects(connect({ cloud: 'tls', env: cloudsYaml(join(dir, 'missing.pem')) }), (e: unknown) => {
    assert.ok(e instanceof OpenStackConfigError, String(e));
    assert.match(e.message, /cacert .*missing\.pem cannot be read \(ENOENT\)/);
    return true;
  });
  writeFileSync(join(dir, 'not-pem.txt'), 'hello');
  await assert.rejects(connect({ cloud: 'tls', env: cloudsYaml(join(dir, 'not-pem.txt')) }), /holds no PEM certificate/);
});
