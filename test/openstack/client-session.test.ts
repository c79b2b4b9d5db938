// The OpenStack client's session and Keystone login against a fake Keystone on 127.0.0.1: the
// auth bodies for each kind of credential and scope, a token renewed before it expires, one
// re-authentication on a 401, endpoints from the catalog. No cloud needed; auth.test.ts does the
// same against the sandbox's real Keystone.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { OpenStackConfigError, OpenStackError, Session, type CloudConfig } from '../../src/deployer/openstack/index.js';
import { withQuery } from '../../src/deployer/openstack/session.js';
import { fakeCloud, fakeKeystone, FakeServer, json, novaError } from './fake-cloud.js';

let server: FakeServer;
let session: Session | undefined;

beforeEach(async () => {
  server = new FakeServer();
  await server.start();
});
afterEach(async () => {
  await session?.close();
  session = undefined;
  await server.stop();
});

const open = (cloud: CloudConfig = fakeCloud(server.url)) =>
  (session = new Session(cloud, { retry: { attempts: 3, baseDelayMs: 5, maxDelayMs: 10 }, timeoutMs: 5000 }));
const logins = () => server.calls('POST', '/v3/auth/tokens');
const authBody = (n = 0) => (JSON.parse(logins()[n]!.body) as { auth: unknown }).auth;
/** The token each call to `path` carried. */
const tokensOn = (path: string) => server.seen.filter((s) => s.path === path).map((s) => s.headers['x-auth-token']);

describe('logging in to Keystone', () => {
  it('password, project by name: the body Keystone v3 wants, and the token, user, project, roles and catalog', async () => {
    fakeKeystone(server);
    const t = await open().getToken();
    assert.deepEqual(authBody(), {
      identity: { methods: ['password'], password: { user: { name: 'alice', domain: { name: 'Default' }, password: 'pw-Secret-123' } } },
      scope: { project: { name: 'demo', domain: { name: 'Default' } } },
    });
    assert.equal(t.value, 'tok-1');
    assert.equal(t.user.name, 'alice');
    assert.equal(t.project?.name, 'demo');
    assert.deepEqual(t.roles, ['member']);
    assert.deepEqual(
      t.catalog.map((c) => c.type),
      ['identity', 'compute', 'network', 'image'],
    );
    assert.equal(logins()[0]!.headers['content-type'], 'application/json');
  });

  it('each scope: project id, domain by id or name, none; a name without a domain is in "default"', async () => {
    fakeKeystone(server);
    const base = fakeCloud(server.url);
    const scopes: [Partial<CloudConfig['auth']>, unknown][] = [
      [{ projectName: undefined, projectId: 'p1' }, { project: { id: 'p1' } }],
      [{ projectName: undefined, domainId: 'd1' }, { domain: { id: 'd1' } }],
      [{ projectName: undefined, domainName: 'Users' }, { domain: { name: 'Users' } }],
      [{ projectName: 'demo', projectDomainName: undefined }, { project: { name: 'demo', domain: { id: 'default' } } }],
      [{ projectName: undefined }, undefined],
    ];
    for (const [i, [auth, scope]] of scopes.entries()) {
      const s = new Session({ ...base, auth: { ...base.auth, ...auth } });
      try {
        await s.getToken();
      } finally {
        await s.close();
      }
      assert.deepEqual((authBody(i) as { scope?: unknown }).scope, scope, JSON.stringify(auth));
    }
  });

  it('a user by id; application credentials by id, or by name with their user, and never a scope', async () => {
    fakeKeystone(server);
    const base = fakeCloud(server.url);
    const creds: [CloudConfig, unknown][] = [
      [
        { ...base, auth: { ...base.auth, username: undefined, userId: 'u1' } },
        {
          identity: { methods: ['password'], password: { user: { id: 'u1', password: 'pw-Secret-123' } } },
          scope: { project: { name: 'demo', domain: { name: 'Default' } } },
        },
      ],
      [
        {
          ...base,
          authType: 'application_credential',
          auth: { authUrl: base.auth.authUrl, applicationCredentialId: 'ac1', applicationCredentialSecret: 'ac-Secret-456' },
        },
        { identity: { methods: ['application_credential'], application_credential: { id: 'ac1', secret: 'ac-Secret-456' } } },
      ],
      [
        {
          ...base,
          authType: 'application_credential',
          auth: {
            authUrl: base.auth.authUrl,
            applicationCredentialName: 'ci',
            username: 'alice',
            userDomainId: 'd1',
            applicationCredentialSecret: 'ac-Secret-456',
          },
        },
        {
          identity: {
            methods: ['application_credential'],
            application_credential: { name: 'ci', secret: 'ac-Secret-456', user: { name: 'alice', domain: { id: 'd1' } } },
          },
        },
      ],
    ];
    for (const [i, [cloud, body]] of creds.entries()) {
      const s = new Session(cloud);
      try {
        await s.getToken();
      } finally {
        await s.close();
      }
      assert.deepEqual(authBody(i), body);
    }
  });

  it('wrong credentials: a 401 that names the cloud, the user and the project, never the password', async () => {
    server.on(
      'POST',
      '/v3/auth/tokens',
      json(
        401,
        { error: { code: 401, title: 'Unauthorized', message: 'The request you have made requires authentication.' } },
        { 'x-openstack-request-id': 'req-k1' },
      ),
    );
    const err = await open()
      .getToken()
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    assert.ok(err instanceof OpenStackError, String(err));
    assert.equal(err.status, 401);
    assert.equal(
      err.message,
      'identity POST /v3/auth/tokens: HTTP 401: authentication failed for cloud "fake" (user alice, project demo): wrong credentials or scope (The request you have made requires authentication.) [request req-k1]',
    );
    assert.equal(logins().length, 1, 'a 401 is never retried');
  });

  it('an application credential refused: the message names it, not its secret', async () => {
    server.on('POST', '/v3/auth/tokens', json(401, { error: { code: 401, message: 'Invalid application credential ac-Secret-456' } }));
    const base = fakeCloud(server.url);
    const cloud: CloudConfig = {
      ...base,
      authType: 'application_credential',
      auth: { authUrl: base.auth.authUrl, applicationCredentialId: 'ac1', applicationCredentialSecret: 'ac-Secret-456' },
    };
    await assert.rejects(open(cloud).getToken(), (e: Error) => {
      assert.match(e.message, /\(application credential ac1\): wrong credentials or scope \(Invalid application credential \*\*\*\)/);
      assert.doesNotMatch(e.message, /ac-Secret-456/);
      return true;
    });
  });

  it('a Keystone answer without X-Subject-Token is an error, not a session without a token', async () => {
    server.on(
      'POST',
      '/v3/auth/tokens',
      json(201, { token: { expires_at: new Date(Date.now() + 3_600_000).toISOString(), user: { id: 'u', name: 'alice' } } }),
    );
    await assert.rejects(open().getToken(), /Keystone answered without X-Subject-Token/);
  });
});

describe('tokens: renewed before they expire, and once on a 401', () => {
  it('one login serves every call while the token is good, and callers at once share one login', async () => {
    fakeKeystone(server);
    server.on('GET', '/network/v2.0/networks', json(200, { networks: [] }));
    const s = open();
    await Promise.all([1, 2, 3, 4, 5].map(() => s.request('network', 'GET', '/networks')));
    await s.request('network', 'GET', '/networks');
    assert.equal(logins().length, 1);
    assert.deepEqual(new Set(tokensOn('/network/v2.0/networks')), new Set(['tok-1']));
  });

  it('a token within 2 minutes of its expiry is renewed before the next call (no 401 needed)', async () => {
    // The first token has 2 min + 1.5 s to live: good now, due for renewal a moment later.
    fakeKeystone(server, { lifetimeMs: (n) => (n === 1 ? 121_500 : 3_600_000) });
    server.on('GET', '/network/v2.0/networks', json(200, { networks: [] }));
    const s = open();
    await s.request('network', 'GET', '/networks');
    await s.request('network', 'GET', '/networks');
    assert.equal(logins().length, 1, 'still good: no second login yet');
    await sleep(1600);
    await s.request('network', 'GET', '/networks');
    await s.request('network', 'GET', '/networks');
    assert.equal(logins().length, 2);
    assert.deepEqual(tokensOn('/network/v2.0/networks'), ['tok-1', 'tok-1', 'tok-2', 'tok-2']);
  });

  it('a 401 on a call (a revoked token): one new login, the call again with the new token', async () => {
    fakeKeystone(server);
    server.on(
      'GET',
      '/network/v2.0/ports',
      json(401, { error: { code: 401, message: 'The request you have made requires authentication.' } }),
      json(200, { ports: [{ id: 'p1' }] }),
    );
    const s = open();
    const res = await s.request<{ ports: unknown[] }>('network', 'GET', '/ports');
    assert.deepEqual(res.body.ports, [{ id: 'p1' }]);
    assert.equal(logins().length, 2);
    assert.deepEqual(tokensOn('/network/v2.0/ports'), ['tok-1', 'tok-2']);
  });

  it('calls at once that all meet the revoked token share one new login', async () => {
    fakeKeystone(server);
    server.on('GET', '/network/v2.0/ports', (req, res) =>
      (req.headers['x-auth-token'] === 'tok-1' ? json(401, { error: { code: 401, message: 'Token revoked' } }) : json(200, { ports: [] }))(req, res),
    );
    const s = open();
    await s.getToken();
    await Promise.all([1, 2, 3, 4].map(() => s.request('network', 'GET', '/ports')));
    assert.equal(logins().length, 2);
    assert.deepEqual(tokensOn('/network/v2.0/ports').sort(), ['tok-1', 'tok-1', 'tok-1', 'tok-1', 'tok-2', 'tok-2', 'tok-2', 'tok-2']);
  });

  it('a second 401 right after the new login fails: once, never a loop', async () => {
    fakeKeystone(server);
    server.on('GET', '/network/v2.0/ports', json(401, { error: { code: 401, message: 'The request you have made requires authentication.' } }));
    const s = open();
    await assert.rejects(s.request('network', 'GET', '/ports'), (e: unknown) => e instanceof OpenStackError && e.status === 401);
    assert.equal(logins().length, 2);
    assert.deepEqual(tokensOn('/network/v2.0/ports'), ['tok-1', 'tok-2']);
  });

  it('a 403 is no reason to log in again', async () => {
    fakeKeystone(server);
    server.on('GET', '/compute/v2.1/os-quota-sets/p1', novaError(403, 'forbidden', 'Policy does not allow it.'));
    await assert.rejects(open().request('compute', 'GET', '/os-quota-sets/p1'), /HTTP 403: Policy does not allow it/);
    assert.equal(logins().length, 1);
  });
});

describe('endpoints and queries', () => {
  it('from the catalog by interface and region; /v2.0 and /v2 added where the catalog has none; overrides win', async () => {
    const base = server.url;
    fakeKeystone(server, {
      catalog: [
        {
          type: 'compute',
          endpoints: [
            { interface: 'public', region_id: 'North', url: `${base}/north/compute/v2.1` },
            { interface: 'internal', region_id: 'South', url: `${base}/internal/compute/v2.1/` },
            { interface: 'public', region_id: 'South', url: `${base}/south/compute/v2.1` },
          ],
        },
        { type: 'network', endpoints: [{ interface: 'public', region_id: 'South', url: `${base}/south/network/` }] },
        { type: 'image', endpoints: [{ interface: 'public', region_id: 'South', url: `${base}/south/image/v2` }] },
      ],
    });
    const s = open(fakeCloud(base, { regionName: 'South', endpointOverrides: { image: 'http://glance.override:9292' } }));
    assert.equal(await s.endpoint('compute'), `${base}/south/compute/v2.1`);
    assert.equal(await s.endpoint('network'), `${base}/south/network/v2.0`);
    assert.equal(await s.endpoint('image'), 'http://glance.override:9292/v2');
    const internal = new Session(fakeCloud(base, { regionName: 'South', interface: 'internal' }));
    try {
      assert.equal(await internal.endpoint('compute'), `${base}/internal/compute/v2.1`);
      await assert.rejects(internal.endpoint('network'), (e: unknown) => {
        assert.ok(e instanceof OpenStackConfigError);
        assert.equal(e.message, 'no internal "network" endpoint in region South');
        assert.equal(e.hint, 'the catalog offers public@South; set region_name / interface in clouds.yaml');
        return true;
      });
      await assert.rejects(internal.endpoint('identity'), /the catalog has no "identity" service/);
    } finally {
      await internal.close();
    }
  });

  it('queries: arrays repeat the key, undefined values are left out', () => {
    assert.equal(
      withQuery('http://h/v2.0/ports?a=1', { fixed_ips: ['ip_address=10.0.0.1', 'ip_address=10.0.0.2'], name: undefined, limit: 5, admin_state_up: true }),
      'http://h/v2.0/ports?a=1&fixed_ips=ip_address%3D10.0.0.1&fixed_ips=ip_address%3D10.0.0.2&limit=5&admin_state_up=true',
    );
    assert.equal(withQuery('http://h/x', undefined), 'http://h/x');
  });

  it("a service's own headers go with every call to it, and only to it", async () => {
    fakeKeystone(server);
    server.on('GET', '/compute/v2.1/flavors', json(200, { flavors: [] }));
    server.on('GET', '/network/v2.0/networks', json(200, { networks: [] }));
    const s = open();
    s.setServiceHeaders('compute', { 'openstack-api-version': 'compute 2.90' });
    await s.request('compute', 'GET', '/flavors');
    await s.request('network', 'GET', '/networks');
    assert.equal(server.calls('GET', '/compute/v2.1/flavors')[0]!.headers['openstack-api-version'], 'compute 2.90');
    assert.equal(server.calls('GET', '/network/v2.0/networks')[0]!.headers['openstack-api-version'], undefined);
  });
});
