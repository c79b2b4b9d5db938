// clouds.yaml / secure.yaml / OS_* loading, as openstacksdk does it (files in a temp dir).
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { loadCloudConfig, OpenStackConfigError } from '../../src/deployer/openstack/index.js';

const dir = mkdtempSync(join(tmpdir(), 'berth-os-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const home = join(dir, 'home');
const cwd = join(dir, 'cwd');
mkdirSync(join(home, '.config', 'openstack'), { recursive: true });
mkdirSync(cwd);
writeFileSync(
  join(home, '.config', 'openstack', 'clouds.yaml'),
  `clouds:
  home-cloud:
    auth:
      auth_url: http://keystone.example:5000
      username: alice
      project-name: web
      user_domain_name: Users
    regions: [North, South]
  appcred:
    auth_type: v3applicationcredential
    auth:
      auth_url: http://keystone.example:5000/v3/
      application_credential_id: abc
    interface: internalURL
`,
);
writeFileSync(
  join(home, '.config', 'openstack', 'secure.yaml'),
  'clouds:\n  home-cloud:\n    auth:\n      password: s3cret\n  appcred:\n    auth:\n      application_credential_secret: shh\n',
);

test('a clouds.yaml in ~/.config/openstack, with secure.yaml merged in', () => {
  const c = loadCloudConfig({ cloud: 'home-cloud', env: {}, cwd, home });
  assert.equal(c.auth.password, 's3cret');
  assert.equal(c.auth.authUrl, 'http://keystone.example:5000/v3'); // version appended
  assert.equal(c.auth.projectName, 'web'); // dashes accepted
  assert.equal(c.auth.userDomainName, 'Users');
  assert.equal(c.auth.projectDomainId, undefined);
  assert.equal(c.regionName, 'North'); // first of regions
  assert.equal(c.interface, 'public');
});

test('OS_CLOUD selects; application credentials; interface names like internalURL', () => {
  const c = loadCloudConfig({ env: { OS_CLOUD: 'appcred' }, cwd, home });
  assert.equal(c.authType, 'application_credential');
  assert.equal(c.auth.applicationCredentialSecret, 'shh');
  assert.equal(c.interface, 'internal');
});

test('./clouds.yaml wins over ~/.config/openstack, and OS_CLIENT_CONFIG_FILE over both', () => {
  writeFileSync(join(cwd, 'clouds.yaml'), 'clouds:\n  local:\n    auth: {auth_url: "http://local:5000/v3", username: u, password: p}\n');
  assert.equal(loadCloudConfig({ cloud: 'local', env: {}, cwd, home }).source, join(cwd, 'clouds.yaml'));
  // home-cloud's clouds.yaml is no longer read (only its secure.yaml part is left): not usable.
  assert.throws(() => loadCloudConfig({ cloud: 'home-cloud', env: {}, cwd, home }), /home-cloud/);
  const explicit = join(dir, 'explicit.yaml');
  writeFileSync(explicit, 'clouds:\n  x:\n    auth: {auth_url: "http://x:5000", user_id: uid, password: p, project_id: pid}\n');
  const c = loadCloudConfig({ env: { OS_CLIENT_CONFIG_FILE: explicit, OS_CLOUD: 'x' }, cwd, home });
  assert.equal(c.auth.projectId, 'pid');
});

test('plain OS_* variables are a cloud of their own ("envvars")', () => {
  const env = {
    OS_AUTH_URL: 'http://k:5000/v3',
    OS_USERNAME: 'bob',
    OS_PASSWORD: 'pw',
    OS_PROJECT_NAME: 'p',
    OS_USER_DOMAIN_NAME: 'Default',
    OS_PROJECT_DOMAIN_NAME: 'Default',
    OS_REGION_NAME: 'RegionTwo',
    OS_INTERFACE: 'admin',
  };
  const c = loadCloudConfig({ env, cwd: dir, home: join(dir, 'nohome') });
  assert.equal(c.name, 'envvars');
  assert.equal(c.source, 'environment');
  assert.equal(c.regionName, 'RegionTwo');
  assert.equal(c.interface, 'admin');
});

test('clear errors: no cloud selected, unknown cloud, missing password', () => {
  assert.throws(
    () => loadCloudConfig({ env: {}, cwd, home }),
    (e: unknown) => e instanceof OpenStackConfigError && /no cloud selected/.test(e.message) && /local/.test(e.hint ?? ''),
  );
  assert.throws(() => loadCloudConfig({ cloud: 'nope', env: {}, cwd, home }), /cloud "nope" not found/);
  const f = join(dir, 'nopw.yaml');
  writeFileSync(f, 'clouds:\n  c:\n    auth: {auth_url: "http://k:5000", username: u}\n');
  assert.throws(() => loadCloudConfig({ cloud: 'c', env: { OS_CLIENT_CONFIG_FILE: f }, cwd, home }), /password missing/);
});

test('cacert is a path: relative to the working directory, ~ for home, OS_CACERT alike', () => {
  const file = join(dir, 'cacert-clouds.yaml');
  const cloud = (cacert: string) =>
    `  c-${cacert.replace(/\W/g, '')}:\n    auth: { auth_url: http://k.example:5000, username: u, password: p }\n    cacert: ${cacert}\n`;
  writeFileSync(file, `clouds:\n${cloud('ca/bundle.pem')}${cloud('~/ca.pem')}${cloud('/etc/ssl/ca.pem')}`);
  const load = (name: string) => loadCloudConfig({ cloud: name, env: { OS_CLIENT_CONFIG_FILE: file }, cwd, home }).cacert;
  assert.equal(load('c-cabundlepem'), join(cwd, 'ca', 'bundle.pem'));
  assert.equal(load('c-capem'), join(home, 'ca.pem'));
  assert.equal(load('c-etcsslcapem'), '/etc/ssl/ca.pem');
  const env = { OS_AUTH_URL: 'http://k.example:5000', OS_USERNAME: 'u', OS_PASSWORD: 'p', OS_CACERT: 'my-ca.pem' };
  assert.equal(loadCloudConfig({ env, cwd, home }).cacert, join(cwd, 'my-ca.pem'));
});
