// What a deployment does, against the real sandbox, as the normal user demo: key pair, security
// groups and rules, a network with a subnet and a router to the external network, a port with a
// fixed IP, a server booted to ACTIVE with user data and tags, its console, a floating IP on its
// port. Everything is deleted at the end, also when a step fails.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { encodeUserData, exactNameRegex, OpenStackError, type OpenStack } from '../../src/deployer/openstack/index.js';
import type { Network, Port, SecurityGroup, Server, Subnet } from '../../src/deployer/openstack/index.js';
import { Cleanup, connectAs, EXT_PREFIX_RE, uniq, waitFor } from './helpers.js';
import { IMAGE, sshPublicKey } from './fixtures.js';

const cleanup = new Cleanup();
let os: OpenStack;
let admin: OpenStack;
const s: { sg?: SecurityGroup; net?: Network; subnet?: Subnet; port?: Port; server?: Server; ext?: Network } = {};
// A name full of regular-expression characters: the name filter must match it exactly.
const serverName = uniq('web.1+(a)');
const userData = '#cloud-config\nwrite_files:\n  - path: /etc/berth\n    content: "héllo from berth"\n';

before(async () => {
  os = await connectAs('demo');
  admin = await connectAs('admin');
});
after(async () => {
  try {
    await cleanup.run();
  } finally {
    await os?.close();
    await admin?.close();
  }
});

test('flavors, image, availability zones, limits and quotas', async () => {
  const flavors = await os.compute.flavors.list();
  assert.ok(flavors.some((f) => f.name === 'm1.tiny'));
  assert.equal((await os.compute.flavors.find('m1.small'))?.ram, flavors.find((f) => f.name === 'm1.small')?.ram);
  const image = await os.image.findActive(IMAGE);
  assert.equal(image?.status, 'active');
  assert.equal((await os.image.findActive(image!.id))?.name, IMAGE);
  assert.equal(await os.image.findActive('no-such-image'), undefined);
  assert.deepEqual(
    (await os.compute.availabilityZones.list()).map((z) => [z.zoneName, z.zoneState.available]),
    [['nova', true]],
  );
  const limits = await os.compute.limits.get();
  assert.ok(limits.maxTotalInstances > 0);
  const projectId = (await os.session.getToken()).project!.id;
  assert.ok((await os.compute.quotas.details(projectId)).instances!.limit > 0);
  assert.ok((await os.network.quotas.details(projectId)).port!.limit > 0);
});

test('key pair: import, show, list, delete', async () => {
  const name = uniq('key');
  const kp = await os.compute.keypairs.create({ name, public_key: sshPublicKey() });
  cleanup.add('keypair', () => os.compute.keypairs.delete(name));
  assert.equal(kp.name, name);
  assert.match((await os.compute.keypairs.get(name)).fingerprint ?? '', /^[0-9a-f:]+$/);
  assert.ok((await os.compute.keypairs.list()).some((k) => k.name === name));
});

test('security group and rules; an existing rule counts as success', async () => {
  s.sg = await os.network.securityGroups.create({ name: uniq('web-sg'), description: 'berth test' });
  cleanup.add('security group', () => os.network.securityGroups.delete(s.sg!.id));
  const rule = {
    security_group_id: s.sg.id,
    direction: 'ingress' as const,
    protocol: 'tcp',
    port_range_min: 443,
    port_range_max: 443,
    remote_ip_prefix: '0.0.0.0/0',
  };
  const first = await os.network.securityGroupRules.create(rule);
  assert.equal(first.existed, undefined);
  const again = await os.network.securityGroupRules.create(rule);
  assert.equal(again.existed, true);
  assert.equal(again.id, first.id);
  const rules = (await os.network.securityGroups.get(s.sg.id)).security_group_rules ?? [];
  assert.ok(rules.some((r) => r.port_range_min === 443));
});

test('network, subnet, router with external gateway and an interface, port with a fixed IP', async () => {
  s.ext = (await os.network.listExternalNetworks())[0];
  assert.ok(s.ext, 'the sandbox has an external network');
  s.net = await os.network.networks.create({ name: uniq('dmz-net') });
  cleanup.add('network', () => os.network.networks.delete(s.net!.id));
  s.subnet = await os.network.subnets.create({ network_id: s.net.id, cidr: '192.168.0.0/24', name: uniq('dmz-subnet') });
  cleanup.add('subnet', () => os.network.subnets.delete(s.subnet!.id));
  const router = await os.network.routers.create({ name: uniq('router'), external_gateway_info: { network_id: s.ext.id } });
  cleanup.add('router', () => os.network.routers.delete(router.id));
  await os.network.routers.addInterface(router.id, { subnet_id: s.subnet.id });
  cleanup.add('router interface', () => os.network.routers.removeInterface(router.id, { subnet_id: s.subnet!.id }));
  assert.equal((await os.network.routers.get(router.id)).external_gateway_info?.network_id, s.ext.id);
  s.port = await os.network.ports.create({
    network_id: s.net.id,
    name: uniq('web-port'),
    fixed_ips: [{ subnet_id: s.subnet.id, ip_address: '192.168.0.10' }],
    security_groups: [s.sg!.id],
  });
  cleanup.add('port', () => os.network.ports.delete(s.port!.id));
  assert.equal(s.port.fixed_ips[0]?.ip_address, '192.168.0.10');
  const listed = await os.network.ports.list({ network_id: s.net.id, device_owner: 'network:router_interface' });
  assert.equal(listed.length, 1);
});

test('server: user data checked for size before sending', () => {
  assert.throws(() => encodeUserData(Buffer.alloc(50_000)), /Nova accepts at most 65535/);
  assert.equal(exactNameRegex('a.b+(c)'), '^a\\.b\\+\\(c\\)$');
});

test('server: boots to ACTIVE on a port, with user data, metadata and tags', async () => {
  const flavor = await os.compute.flavors.find('m1.tiny');
  const image = await os.image.findActive(IMAGE);
  const t0 = Date.now();
  const created = await os.compute.servers.create({
    name: serverName,
    flavorRef: flavor!.id,
    imageRef: image!.id,
    networks: [{ port: s.port!.id }],
    user_data: userData,
    metadata: { role: 'web', 'berth-run': 'test' },
    tags: ['berth', 'tier-web'],
  });
  cleanup.add('server', async () => {
    await os.compute.servers.delete(created.id, { ignoreMissing: true });
    await os.compute.servers.waitForDeleted(created.id);
  });
  s.server = await os.compute.servers.waitFor(created.id, 'ACTIVE', { timeoutMs: 180_000 });
  console.log(`server ACTIVE ${Date.now() - t0} ms after create`);
  assert.deepEqual(s.server.metadata, { role: 'web', 'berth-run': 'test' });
  assert.deepEqual([...(s.server.tags ?? [])].sort(), ['berth', 'tier-web']);
  // user_data is an extended attribute only admins may read back.
  const asAdmin = await admin.compute.servers.get(created.id);
  assert.equal(Buffer.from(asAdmin['OS-EXT-SRV-ATTR:user_data'] ?? '', 'base64').toString('utf8'), userData);
});

test('server: a second one on a network by uuid with a security group by name', async () => {
  const flavor = await os.compute.flavors.find('m1.tiny');
  const image = await os.image.findActive(IMAGE);
  const created = await os.compute.servers.create({
    name: uniq('app'),
    flavorRef: flavor!.id,
    imageRef: image!.id,
    networks: [{ uuid: s.net!.id }],
    security_groups: [{ name: s.sg!.name }],
  });
  cleanup.add('server app', async () => {
    await os.compute.servers.delete(created.id, { ignoreMissing: true });
    await os.compute.servers.waitForDeleted(created.id);
  });
  const active = await os.compute.servers.waitFor(created.id, 'ACTIVE', { timeoutMs: 180_000 });
  assert.deepEqual(
    active.security_groups?.map((g) => g.name),
    [s.sg!.name],
  );
  const ports = await os.network.ports.list({ device_id: created.id });
  assert.equal(ports.length, 1);
  await os.compute.servers.delete(created.id);
  await os.compute.servers.waitForDeleted(created.id);
});

test('server: list by exact name (regex characters), by tag; show; console output', async () => {
  const byName = await os.compute.servers.list({ name: serverName });
  assert.deepEqual(
    byName.map((x) => x.id),
    [s.server!.id],
  );
  // Without escaping, "." and "+" would make this a different pattern; anchored, a prefix does not match.
  assert.equal((await os.compute.servers.list({ name: serverName.slice(0, -1) })).length, 0);
  assert.ok((await os.compute.servers.list({ tags: ['tier-web'] })).some((x) => x.id === s.server!.id));
  assert.equal((await os.compute.servers.get(s.server!.id)).status, 'ACTIVE');
  // the guest's boot output (systemd, cloud-init), as soon as the instance writes any
  const console = await waitFor('console output', 60_000, async () => (await os.compute.servers.consoleOutput(s.server!.id)) || undefined);
  assert.match(console, /systemd|cloud-init/i);
  const lastLine = await os.compute.servers.consoleOutput(s.server!.id, { length: 1 });
  assert.ok(lastLine.split('\n').filter(Boolean).length <= 1);
});

test('floating IP on the server port, shown on the server', async () => {
  const fip = await os.network.floatingIps.create({ floating_network_id: s.ext!.id, port_id: s.port!.id });
  cleanup.add('floating ip', () => os.network.floatingIps.delete(fip.id));
  assert.equal(fip.port_id, s.port!.id);
  assert.equal(fip.fixed_ip_address, '192.168.0.10');
  assert.match(fip.floating_ip_address, new RegExp(`^${EXT_PREFIX_RE}\\.`));
  // Nova learns of it through Neutron's network-changed event, a few seconds later.
  const deadline = Date.now() + 60_000;
  let addrs: string[] = [];
  while (Date.now() < deadline) {
    const srv = await os.compute.servers.get(s.server!.id);
    addrs = Object.values(srv.addresses ?? {})
      .flat()
      .map((a) => a.addr);
    if (addrs.includes(fip.floating_ip_address)) break;
    await new Promise((r) => setTimeout(r, 1000));
  }
  assert.ok(addrs.includes(fip.floating_ip_address), `server addresses ${addrs.join(', ')}`);
  const moved = await os.network.floatingIps.disassociate(fip.id);
  assert.equal(moved.port_id, null);
});

test("errors carry service, method, path, status, request id and OpenStack's message", async () => {
  await assert.rejects(os.compute.servers.get('00000000-0000-0000-0000-000000000000'), (e: unknown) => {
    assert.ok(e instanceof OpenStackError);
    assert.equal(e.service, 'compute');
    assert.equal(e.method, 'GET');
    assert.equal(e.path, '/v2.1/servers/00000000-0000-0000-0000-000000000000');
    assert.equal(e.status, 404);
    assert.match(e.requestId ?? '', /^req-/);
    assert.match(e.osMessage, /could not be found/);
    assert.equal(e.osType, 'itemNotFound');
    return true;
  });
  await assert.rejects(os.network.subnets.create({ network_id: s.net!.id, cidr: 'not-a-cidr' }), (e: unknown) => {
    assert.ok(e instanceof OpenStackError);
    assert.equal(e.status, 400);
    assert.equal(e.osType, 'InvalidInput');
    assert.match(e.osMessage, /not-a-cidr/);
    return true;
  });
});

test('a server that goes to ERROR: waitForServer fails with its fault', async () => {
  // A flavor no host can hold (100 PB of disk): the scheduler finds no host.
  const image = await os.image.findActive(IMAGE);
  const huge = await admin.compute.flavors.create({ name: uniq('huge'), ram: 512, vcpus: 1, disk: 100_000_000 });
  cleanup.add('huge flavor', () => admin.compute.flavors.delete(huge.id));
  const created = await admin.compute.servers.create({ name: uniq('nohost'), flavorRef: huge.id, imageRef: image!.id, networks: 'none' });
  cleanup.add('server nohost', async () => {
    await admin.compute.servers.delete(created.id, { ignoreMissing: true });
    await admin.compute.servers.waitForDeleted(created.id);
  });
  await assert.rejects(admin.compute.servers.waitFor(created.id, 'ACTIVE', { timeoutMs: 120_000 }), (e: unknown) => {
    assert.ok(e instanceof OpenStackError);
    assert.match(e.message, /went to ERROR/);
    assert.match(e.fault?.message ?? '', /No valid host/);
    return true;
  });
});

test('a create Nova refuses at once (port already in use) is a 409 with its message', async () => {
  const image = await os.image.findActive(IMAGE);
  const flavor = await os.compute.flavors.find('m1.tiny');
  // A port that is already bound to the first server cannot be used again: Nova refuses at once (409).
  await assert.rejects(
    os.compute.servers.create({ name: uniq('dup'), flavorRef: flavor!.id, imageRef: image!.id, networks: [{ port: s.port!.id }] }),
    (e: unknown) => e instanceof OpenStackError && e.status === 409 && /in use/i.test(e.osMessage),
  );
});

test('cleanup leaves nothing of this run behind', async () => {
  await cleanup.run();
  assert.equal((await os.compute.servers.list({ name: serverName })).length, 0);
  const leftovers = (await os.network.ports.list()).filter((p) => p.name.startsWith(uniq('')));
  assert.deepEqual(leftovers, []);
  assert.equal((await os.network.networks.list({ name: uniq('dmz-net') })).length, 0);
  assert.equal((await os.network.floatingIps.list({ port_id: s.port!.id })).length, 0);
});
