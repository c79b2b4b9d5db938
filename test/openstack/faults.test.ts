// What the sandbox cannot do on demand (429 with Retry-After, 503, a reset connection, a hung
// endpoint, refusals that must not be retried) injected by a small proxy in front of the real
// Nova and Neutron; everything else passes through to them.
import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { connect, loadCloudConfig, OpenStackError, type OpenStack } from '../../src/deployer/openstack/index.js';
import { FaultProxy } from './fault-proxy.js';
import { Cleanup, connectAs, sandboxEnv, uniq } from './helpers.js';

const nova = new FaultProxy({ host: '127.0.0.1', port: 8774 });
const neutron = new FaultProxy({ host: '127.0.0.1', port: 9696 });
const cleanup = new Cleanup();
let os: OpenStack;
let token = '';

before(async () => {
  const novaUrl = await nova.start();
  const neutronUrl = await neutron.start();
  const cfg = loadCloudConfig({ cloud: 'berth-demo', env: sandboxEnv() });
  os = await connect({
    config: { ...cfg, endpointOverrides: { compute: `${novaUrl}/v2.1`, network: neutronUrl } },
    timeoutMs: 20_000,
    retry: { attempts: 4, baseDelayMs: 50, maxDelayMs: 200, maxRetryAfterMs: 5000 },
  });
  token = (await os.session.getToken()).value;
});
beforeEach(() => {
  nova.clear();
  neutron.clear();
});
after(async () => {
  try {
    await cleanup.run();
  } finally {
    await os?.close();
    await nova.stop();
    await neutron.stop();
  }
});

const noToken = (e: unknown) => !String((e as Error).message).includes(token) && !JSON.stringify(e).includes(token);

test('429 with Retry-After: waits that long, then succeeds', async () => {
  nova.inject(/^\/v2\.1\/flavors/, { kind: 'status', status: 429, headers: { 'retry-after': '1' }, body: { overLimit: { code: 429, message: 'slow down' } } });
  const t0 = Date.now();
  const flavors = await os.compute.flavors.list();
  assert.ok(flavors.length > 0);
  assert.ok(Date.now() - t0 >= 1000, `waited ${Date.now() - t0} ms`);
  assert.equal(nova.count('GET', /^\/v2\.1\/flavors/), 2);
});

test('429 with a Retry-After longer than allowed fails at once, with the message', async () => {
  nova.inject(/^\/v2\.1\/limits/, {
    kind: 'status',
    status: 429,
    headers: { 'retry-after': '600' },
    body: { overLimit: { code: 429, message: 'come back later' } },
  });
  await assert.rejects(os.compute.limits.get(), (e: unknown) => e instanceof OpenStackError && e.status === 429 && e.osMessage === 'come back later');
  assert.equal(nova.count('GET', /^\/v2\.1\/limits/), 1);
});

test('503 twice: retried with backoff until the real answer', async () => {
  neutron.inject(/^\/v2\.0\/networks/, { kind: 'status', status: 503, body: 'Service Unavailable' }, 2);
  const nets = await os.network.listExternalNetworks();
  assert.ok(nets.some((n) => n.name === 'public'));
  assert.equal(neutron.count('GET', /^\/v2\.0\/networks/), 3);
});

test('a reset connection on a GET is retried', async () => {
  neutron.inject(/^\/v2\.0\/security-groups/, { kind: 'reset' });
  await os.network.securityGroups.list();
  assert.equal(neutron.count('GET', /^\/v2\.0\/security-groups/), 2);
});

test('a hung endpoint: each attempt times out, then a clear error', async () => {
  const cfg = loadCloudConfig({ cloud: 'berth-demo', env: sandboxEnv() });
  const hung = new FaultProxy({ host: '127.0.0.1', port: 8774 });
  // The login has the usual timeout (a busy Keystone may take more than 800 ms); the hung call 800 ms.
  const hungOs = await connect({
    config: { ...cfg, endpointOverrides: { compute: `${await hung.start()}/v2.1` } },
    timeoutMs: 20_000,
    retry: { attempts: 2, baseDelayMs: 50 },
  });
  cleanup.add('close hung session', async () => {
    await hungOs.close();
    await hung.stop();
  });
  hung.inject(/^\/v2\.1\/os-availability-zone/, { kind: 'hang' }, 2);
  const t0 = Date.now();
  await assert.rejects(hungOs.session.request('compute', 'GET', '/os-availability-zone', { timeoutMs: 800 }), (e: unknown) => {
    assert.ok(e instanceof OpenStackError);
    assert.equal(e.status, undefined);
    assert.match(e.message, /compute GET \/v2\.1\/os-availability-zone: no response: no answer within 800 ms/);
    return true;
  });
  assert.ok(Date.now() - t0 < 5000);
  assert.equal(hung.count('GET', /^\/v2\.1\/os-availability-zone/), 2);
});

test("400, 403 and 413 are not retried; the error has OpenStack's message and request id", async () => {
  nova.inject(
    /^\/v2\.1\/servers$/,
    {
      kind: 'status',
      status: 413,
      body: { overLimit: { code: 413, message: 'Quota exceeded for instances: Requested 1, but already used 10 of 10 instances' } },
    },
    1,
    'POST',
  );
  await assert.rejects(os.compute.servers.create({ name: uniq('never'), flavorRef: 'x', imageRef: 'y', networks: 'none' }), (e: unknown) => {
    assert.ok(e instanceof OpenStackError);
    assert.equal(e.status, 413);
    assert.match(e.osMessage, /Quota exceeded/);
    assert.equal(e.requestId, 'req-injected-by-proxy');
    assert.ok(noToken(e));
    return true;
  });
  assert.equal(nova.count('POST', /^\/v2\.1\/servers$/), 1);
  neutron.inject(/^\/v2\.0\/ports/, { kind: 'status', status: 403, body: { NeutronError: { type: 'PolicyNotAuthorized', message: 'not allowed' } } });
  await assert.rejects(os.network.ports.list(), (e: unknown) => e instanceof OpenStackError && e.status === 403 && e.osType === 'PolicyNotAuthorized');
  assert.equal(neutron.count('GET', /^\/v2\.0\/ports/), 1);
  neutron.inject(/^\/v2\.0\/routers/, { kind: 'status', status: 400, body: { NeutronError: { type: 'HTTPBadRequest', message: 'bad' } } }, 1, 'POST');
  await assert.rejects(os.network.routers.create({ name: uniq('r') }), (e: unknown) => e instanceof OpenStackError && e.status === 400);
  assert.equal(neutron.count('POST', /^\/v2\.0\/routers/), 1);
});

test('a POST is not retried after a 500 (it may have happened), but is after a 503', async () => {
  neutron.inject(/^\/v2\.0\/security-groups$/, { kind: 'status', status: 500, body: { NeutronError: { type: 'Internal', message: 'boom' } } }, 1, 'POST');
  await assert.rejects(os.network.securityGroups.create({ name: uniq('sg500') }), (e: unknown) => e instanceof OpenStackError && e.status === 500);
  assert.equal(neutron.count('POST', /^\/v2\.0\/security-groups$/), 1);
  neutron.inject(/^\/v2\.0\/security-groups$/, { kind: 'status', status: 503, body: 'busy' }, 1, 'POST');
  const sg = await os.network.securityGroups.create({ name: uniq('sg503') });
  cleanup.add('sg503', () => os.network.securityGroups.delete(sg.id));
  assert.equal(neutron.count('POST', /^\/v2\.0\/security-groups$/), 3); // 500, then 503 + the real one
});

test('the console log is a POST that only reads: a reset connection is retried', async () => {
  const id = '00000000-0000-0000-0000-0000000000bb';
  nova.inject(new RegExp(`^/v2\\.1/servers/${id}/action$`), { kind: 'reset' }, 1, 'POST');
  await assert.rejects(os.compute.servers.consoleOutput(id, { length: 10 }), (e: unknown) => e instanceof OpenStackError && e.status === 404);
  assert.equal(nova.count('POST', /^\/v2\.1\/servers\/[^/]+\/action$/), 2);
});

test('a 409 task-state conflict is retried; other 409s are not', async () => {
  const id = '00000000-0000-0000-0000-0000000000aa';
  nova.inject(
    new RegExp(`^/v2\\.1/servers/${id}$`),
    { kind: 'status', status: 409, body: { conflictingRequest: { code: 409, message: `Cannot 'delete' instance ${id} while it is in task_state spawning` } } },
    1,
    'DELETE',
  );
  await os.compute.servers.delete(id, { ignoreMissing: true }); // the real answer after the retry: 404
  assert.equal(nova.count('DELETE', /^\/v2\.1\/servers\//), 2);
  nova.inject(
    /^\/v2\.1\/os-keypairs$/,
    { kind: 'status', status: 409, body: { conflictingRequest: { code: 409, message: 'Key pair already exists' } } },
    1,
    'POST',
  );
  await assert.rejects(
    os.compute.keypairs.create({ name: uniq('k'), public_key: 'ssh-ed25519 AAAA' }),
    (e: unknown) => e instanceof OpenStackError && e.status === 409,
  );
  assert.equal(nova.count('POST', /^\/v2\.1\/os-keypairs$/), 1);
});

test('a floating IP on a fresh port: the transient 404 is retried', async () => {
  const direct = await connectAs('demo');
  cleanup.add('close direct', () => direct.close());
  const net = await direct.network.networks.create({ name: uniq('fip-net') });
  cleanup.add('fip network', () => direct.network.networks.delete(net.id));
  const subnet = await direct.network.subnets.create({ network_id: net.id, cidr: '192.168.0.0/24' });
  cleanup.add('fip subnet', () => direct.network.subnets.delete(subnet.id));
  const ext = (await direct.network.listExternalNetworks())[0]!;
  const router = await direct.network.routers.create({ name: uniq('fip-router'), external_gateway_info: { network_id: ext.id } });
  cleanup.add('fip router', () => direct.network.routers.delete(router.id));
  await direct.network.routers.addInterface(router.id, { subnet_id: subnet.id });
  cleanup.add('fip router interface', () => direct.network.routers.removeInterface(router.id, { subnet_id: subnet.id }));
  const port = await direct.network.ports.create({ network_id: net.id, name: uniq('fip-port') });
  cleanup.add('fip port', () => direct.network.ports.delete(port.id));
  // A create that timed out on a busy Neutron may still have happened: what is on the port goes too.
  cleanup.add('floating IPs on the port', async () => {
    for (const f of await direct.network.floatingIps.listByPort(port.id)) await direct.network.floatingIps.delete(f.id, { ignoreMissing: true });
  });
  neutron.inject(
    /^\/v2\.0\/floatingips$/,
    { kind: 'status', status: 404, body: { NeutronError: { type: 'PortNotFound', message: `Port ${port.id} could not be found.` } } },
    1,
    'POST',
  );
  const fip = await os.network.floatingIps.create({ floating_network_id: ext.id, port_id: port.id });
  cleanup.add('fip', () => direct.network.floatingIps.delete(fip.id));
  assert.equal(fip.port_id, port.id);
  assert.equal(neutron.count('POST', /^\/v2\.0\/floatingips$/), 2);
});
