// Keystone against the real sandbox: password and application-credential auth, scoping, the
// catalog and endpoint choice, clear errors, re-authentication after a 401.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { connect, loadCloudConfig, OpenStackConfigError, OpenStackError, Session } from '../../src/deployer/openstack/index.js';
import { Cleanup, connectAs, sandboxEnv, SANDBOX_PASSWORD, uniq } from './helpers.js';

const cleanup = new Cleanup();
after(() => cleanup.run());

test('password auth, project-scoped: token, user, project, roles and catalog', async () => {
  const os = await connectAs('demo');
  cleanup.add('close demo', () => os.close());
  const t = await os.session.getToken();
  assert.equal(t.user.name, 'demo');
  assert.equal(t.project?.name, 'demo');
  assert.ok(t.roles.includes('member'));
  assert.ok(t.expiresAt.getTime() > Date.now());
  for (const type of ['identity', 'compute', 'network', 'image', 'placement']) {
    assert.ok(
      t.catalog.some((e) => e.type === type),
      `catalog has ${type}`,
    );
  }
  assert.equal(await os.session.endpoint('network'), 'http://127.0.0.1:9696/v2.0');
  assert.equal(await os.session.endpoint('image'), 'http://127.0.0.1:9292/v2');
  assert.equal(await os.session.endpoint('compute'), 'http://127.0.0.1:8774/v2.1');
  assert.match(os.compute.microversion.max, /^2\.\d+$/);
  assert.equal(os.compute.microversion.chosen, '2.90');
});

test('wrong password: a clear 401 that names the cloud and never the password', async () => {
  const cfg = loadCloudConfig({ cloud: 'berth-demo', env: sandboxEnv() });
  cfg.auth.password = 'definitely-wrong-pw';
  await assert.rejects(connect({ config: cfg }), (e: unknown) => {
    assert.ok(e instanceof OpenStackError);
    assert.equal(e.status, 401);
    assert.match(e.message, /authentication failed for cloud "berth-demo" \(user demo, project demo\)/);
    assert.match(e.requestId ?? '', /^req-/);
    assert.ok(!e.message.includes('definitely-wrong-pw'));
    assert.ok(!JSON.stringify(e).includes('definitely-wrong-pw'));
    return true;
  });
});

test('unknown cloud: a config error listing the known ones', () => {
  assert.throws(
    () => loadCloudConfig({ cloud: 'berth-nope', env: sandboxEnv() }),
    (e: unknown) => e instanceof OpenStackConfigError && /berth-nope/.test(e.message) && /berth-admin, berth-demo/.test(e.hint ?? ''),
  );
});

test('OS_* variables (an openrc) log in like the clouds.yaml entry', async () => {
  const env = {
    OS_AUTH_URL: 'http://127.0.0.1:5000/v3',
    OS_USERNAME: 'demo',
    OS_PASSWORD: SANDBOX_PASSWORD,
    OS_PROJECT_NAME: 'demo',
    OS_USER_DOMAIN_NAME: 'Default',
    OS_PROJECT_DOMAIN_NAME: 'Default',
    OS_REGION_NAME: 'RegionOne',
  };
  const os = await connect({ env, cwd: '/nonexistent', home: '/nonexistent' });
  try {
    assert.equal(os.cloud.name, 'envvars');
    assert.equal((await os.session.getToken()).project?.name, 'demo');
  } finally {
    await os.close();
  }
});

test('domain scope, and project scope by id', async () => {
  const demo = loadCloudConfig({ cloud: 'berth-admin', env: sandboxEnv() });
  const byId = await connectAs('demo');
  const projectId = (await byId.session.getToken()).project!.id;
  await byId.close();
  const s = new Session({ ...demo, auth: { ...demo.auth, projectName: undefined, projectDomainName: undefined, domainId: 'default' } });
  try {
    const t = await s.getToken();
    assert.equal(t.domain?.id, 'default');
    assert.equal(t.project, undefined);
  } finally {
    await s.close();
  }
  const demoCfg = loadCloudConfig({ cloud: 'berth-demo', env: sandboxEnv() });
  const s2 = new Session({ ...demoCfg, auth: { ...demoCfg.auth, projectName: undefined, projectId } });
  try {
    assert.equal((await s2.getToken()).project?.name, 'demo');
  } finally {
    await s2.close();
  }
});

test('endpoint choice: region and interface from the catalog, a clear error when absent', async () => {
  const cfg = loadCloudConfig({ cloud: 'berth-demo', env: sandboxEnv() });
  const internal = new Session({ ...cfg, interface: 'internal' });
  const wrongRegion = new Session({ ...cfg, regionName: 'Atlantis' });
  try {
    assert.equal(await internal.endpoint('compute'), 'http://127.0.0.1:8774/v2.1');
    await assert.rejects(wrongRegion.endpoint('compute'), (e: unknown) => {
      assert.ok(e instanceof OpenStackConfigError);
      assert.match(e.message, /no public "compute" endpoint in region Atlantis/);
      assert.match(e.hint ?? '', /public@RegionOne/);
      return true;
    });
  } finally {
    await internal.close();
    await wrongRegion.close();
  }
});

test('application credential: created by demo, logs in with its own scope, never echoed', async () => {
  const demo = await connectAs('demo');
  cleanup.add('close demo (app cred)', () => demo.close());
  const cred = await demo.identity.applicationCredentials.create({ name: uniq('appcred') });
  cleanup.add('application credential', () => demo.identity.applicationCredentials.delete(cred.id));
  assert.ok(cred.secret);
  const base = loadCloudConfig({ cloud: 'berth-demo', env: sandboxEnv() });
  const os = await connect({
    config: {
      ...base,
      authType: 'application_credential',
      auth: { authUrl: base.auth.authUrl, applicationCredentialId: cred.id, applicationCredentialSecret: cred.secret },
    },
  });
  try {
    const t = await os.session.getToken();
    assert.equal(t.project?.name, 'demo');
    assert.equal(t.user.name, 'demo');
    assert.ok((await os.compute.flavors.list()).length > 0);
  } finally {
    await os.close();
  }
  // A wrong secret is a 401 that does not contain the secret.
  const bad = connect({
    config: {
      ...base,
      authType: 'application_credential',
      auth: { authUrl: base.auth.authUrl, applicationCredentialId: cred.id, applicationCredentialSecret: 'not-the-secret' },
    },
  });
  await assert.rejects(bad, (e: unknown) => e instanceof OpenStackError && e.status === 401 && !e.message.includes('not-the-secret'));
});

test('a revoked token: one 401, one re-authentication, and the call succeeds', async () => {
  const demo = await connectAs('demo');
  const admin = await connectAs('admin');
  cleanup.add('close sessions', async () => {
    await demo.close();
    await admin.close();
  });
  const before = await demo.session.getToken();
  await admin.identity.revokeToken(before.value);
  const flavors = await demo.compute.flavors.list();
  assert.ok(flavors.length > 0);
  const afterToken = await demo.session.getToken();
  assert.notEqual(afterToken.value, before.value);
});
