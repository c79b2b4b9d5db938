// The resources the openstack target builds on, against the real sandbox: subnets with pools,
// gateway and host routes; routers; ports with fixed IPs and port security; tags on every
// Neutron kind and lists filtered by tags / tags-any; floating IPs moved between ports; server
// tags and metadata; find with near names; Glance update, tags and upload. All deleted after.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { OpenStackConfigError, notFound, type Network, type OpenStack, type Port, type Subnet } from '../../src/deployer/openstack/index.js';
import { Cleanup, connectAs, RUN_ID, uniq } from './helpers.js';
import { IMAGE } from './fixtures.js';

const cleanup = new Cleanup();
let os: OpenStack;
const s: { net?: Network; subnet?: Subnet; ports: Port[]; ext?: Network } = { ports: [] };
const TAG = `${RUN_ID}-res`;

before(async () => {
  os = await connectAs('demo');
  cleanup.add('close', () => os.close()); // the first step: run last
});
after(() => cleanup.run());

test('subnet with allocation pools, a gateway and host routes; updated in place', async () => {
  const net = await os.network.networks.createWithTags({ name: uniq('app-net'), port_security_enabled: true }, [TAG, 'tier=app']);
  s.net = net;
  cleanup.add('network', () => os.network.networks.delete(net.id));
  assert.deepEqual(net.tags.sort(), [TAG, 'tier=app'].sort());
  s.subnet = await os.network.subnets.create({
    network_id: net.id,
    name: uniq('app-subnet'),
    cidr: '172.16.10.0/24',
    gateway_ip: '172.16.10.1',
    allocation_pools: [{ start: '172.16.10.100', end: '172.16.10.200' }],
    host_routes: [{ destination: '172.16.20.0/24', nexthop: '172.16.10.254' }],
    dns_nameservers: [],
    enable_dhcp: true,
  });
  cleanup.add('subnet', () => os.network.subnets.delete(s.subnet!.id));
  assert.equal(s.subnet.ip_version, 4);
  assert.equal(s.subnet.gateway_ip, '172.16.10.1');
  assert.deepEqual(s.subnet.allocation_pools, [{ start: '172.16.10.100', end: '172.16.10.200' }]);
  const updated = await os.network.subnets.update(s.subnet.id, { host_routes: [] });
  assert.deepEqual(updated.host_routes, []);
  assert.deepEqual((await os.network.subnets.get(s.subnet.id)).host_routes, []);
});

test('ports: a fixed IP outside the pool, security groups, port security off', async () => {
  const sg = await os.network.securityGroups.createWithTags({ name: uniq('app-sg'), description: 'resources test' }, [TAG]);
  cleanup.add('security group', () => os.network.securityGroups.delete(sg.id));
  const a = await os.network.ports.create({
    network_id: s.net!.id,
    name: uniq('port-a'),
    fixed_ips: [{ subnet_id: s.subnet!.id, ip_address: '172.16.10.10' }],
    security_groups: [sg.id],
  });
  cleanup.add('port a', () => os.network.ports.delete(a.id));
  assert.deepEqual(a.fixed_ips, [{ subnet_id: s.subnet!.id, ip_address: '172.16.10.10' }]);
  assert.deepEqual(a.security_groups, [sg.id]);
  const b = await os.network.ports.create({ network_id: s.net!.id, name: uniq('port-b'), security_groups: [], port_security_enabled: false });
  cleanup.add('port b', () => os.network.ports.delete(b.id));
  assert.equal(b.port_security_enabled, false);
  const ip = b.fixed_ips[0]!.ip_address.split('.').map(Number)[3]!;
  assert.ok(ip >= 100 && ip <= 200, `from the pool: ${b.fixed_ips[0]!.ip_address}`);
  s.ports = [a, b];
  // Neutron's quota details count what exists: these two ports at least, with limit and reserved.
  const projectId = (await os.session.getToken()).project!.id;
  const port = (await os.network.quotas.details(projectId)).port!;
  assert.ok(port.used >= 2, `ports used: ${port.used}`);
  assert.equal(typeof port.reserved, 'number');
  assert.ok(port.limit === -1 || port.limit >= port.used);
});

test('tags on every Neutron kind; lists filter by tags (all) and tags-any', async () => {
  const [a, b] = s.ports;
  await os.network.ports.tags.replace(a!.id, [TAG, 'tier=web']);
  await os.network.ports.tags.add(b!.id, TAG);
  await os.network.ports.tags.add(b!.id, `${TAG}-dbs`);
  assert.deepEqual((await os.network.ports.tags.list(b!.id)).sort(), [TAG, `${TAG}-dbs`].sort());
  assert.equal(await os.network.ports.tags.has(b!.id, `${TAG}-dbs`), true);
  assert.equal(await os.network.ports.tags.has(b!.id, 'tier=web'), false);
  const ids = async (f: Record<string, string[]>) => (await os.network.ports.list(f, { pageSize: 1 })).map((p) => p.id).sort();
  assert.deepEqual(await ids({ tags: [TAG] }), [a!.id, b!.id].sort());
  assert.deepEqual(await ids({ tags: [TAG, 'tier=web'] }), [a!.id]);
  assert.deepEqual(await ids({ tags: [TAG], 'not-tags': ['tier=web'] }), [b!.id]);
  // tags-any alone: Zed's Neutron answers 500 to tags and tags-any in one query (a SQL alias clash).
  assert.deepEqual(await ids({ 'tags-any': [`${TAG}-none`, `${TAG}-dbs`] }), [b!.id]);
  await os.network.ports.tags.remove(b!.id, `${TAG}-dbs`);
  await os.network.ports.tags.remove(b!.id, `${TAG}-dbs`, { ignoreMissing: true });
  assert.deepEqual(await os.network.ports.tags.list(b!.id), [TAG]);
  await os.network.subnets.tags.replace(s.subnet!.id, [TAG]);
  assert.deepEqual(
    (await os.network.subnets.list({ tags: [TAG] })).map((x) => x.id),
    [s.subnet!.id],
  );
  assert.deepEqual(
    (await os.network.networks.list({ tags: [TAG, 'tier=app'] })).map((x) => x.id),
    [s.net!.id],
  );
  assert.equal((await os.network.securityGroups.list({ tags: [TAG] })).length, 1);
  await os.network.ports.tags.clear(a!.id);
  assert.deepEqual(await os.network.ports.tags.list(a!.id), []);
});

test('router: gateway, an interface on the subnet, tags; floating IP moved between ports, listed by port', async () => {
  s.ext = (await os.network.listExternalNetworks())[0];
  assert.ok(s.ext);
  const router = await os.network.routers.createWithTags({ name: uniq('router') }, [TAG]);
  cleanup.add('router', () => os.network.routers.delete(router.id));
  assert.equal(router.external_gateway_info, null);
  assert.equal((await os.network.routers.setGateway(router.id, s.ext.id)).external_gateway_info?.network_id, s.ext.id);
  assert.equal((await os.network.routers.setGateway(router.id, null)).external_gateway_info, null);
  await os.network.routers.setGateway(router.id, s.ext.id);
  const iface = await os.network.routers.addInterface(router.id, { subnet_id: s.subnet!.id });
  cleanup.add('router interface', () => os.network.routers.removeInterface(router.id, { subnet_id: s.subnet!.id }, { ignoreMissing: true }));
  assert.equal(iface.subnet_id, s.subnet!.id);
  assert.deepEqual(
    (await os.network.routers.list({ tags: [TAG] })).map((r) => r.id),
    [router.id],
  );

  const [a, b] = s.ports;
  const fip = await os.network.floatingIps.createWithTags({ floating_network_id: s.ext.id, port_id: a!.id }, [TAG]);
  cleanup.add('floating ip', () => os.network.floatingIps.delete(fip.id));
  assert.equal(fip.fixed_ip_address, '172.16.10.10');
  assert.deepEqual(
    (await os.network.floatingIps.listByPort(a!.id)).map((f) => f.id),
    [fip.id],
  );
  assert.deepEqual(
    (await os.network.floatingIps.list({ tags: [TAG] })).map((f) => f.id),
    [fip.id],
  );
  const moved = await os.network.floatingIps.associate(fip.id, b!.id);
  assert.equal(moved.port_id, b!.id);
  assert.deepEqual(await os.network.floatingIps.listByPort(a!.id), []);
  assert.equal((await os.network.floatingIps.disassociate(fip.id)).port_id, null);
  await os.network.routers.removeInterface(router.id, { subnet_id: s.subnet!.id });
  assert.deepEqual(await os.network.ports.list({ device_id: router.id, device_owner: 'network:router_interface' }), []);
});

test('find by name or id; near names when nothing matches; two with one name is an error', async () => {
  assert.equal((await os.network.networks.find(s.net!.name))?.id, s.net!.id);
  assert.equal((await os.network.networks.find(s.net!.id))?.name, s.net!.name);
  const near = await os.network.networks.findNear(s.net!.name.slice(0, -1) + 'X');
  assert.equal(near.item, undefined);
  assert.ok(near.near.includes(s.net!.name), near.near.join(', '));
  const flavor = await os.compute.flavors.findNear('m1.smal');
  assert.equal(flavor.item, undefined);
  assert.deepEqual(flavor.near, ['m1.small']);
  assert.match(notFound('flavor', 'm1.smal', flavor.near).hint ?? '', /did you mean: m1\.small\?/);
  const twin = await os.network.networks.create({ name: s.net!.name });
  cleanup.add('twin network', () => os.network.networks.delete(twin.id));
  await assert.rejects(os.network.networks.find(s.net!.name), (e: unknown) => e instanceof OpenStackConfigError && /2 networks are named/.test(e.message));
});

test('server tags and metadata', async () => {
  const flavor = await os.compute.flavors.find('m1.tiny');
  const image = await os.image.findActive(IMAGE);
  const srv = await os.compute.servers.create({
    name: uniq('meta'),
    flavorRef: flavor!.id,
    imageRef: image!.id,
    networks: 'none',
    metadata: { 'berth-tier': 'web' },
    tags: [TAG],
  });
  cleanup.add('server', async () => {
    await os.compute.servers.delete(srv.id, { ignoreMissing: true });
    await os.compute.servers.waitForDeleted(srv.id);
  });
  // Nova's tags and metadata calls answer 404 until the server is scheduled into a cell.
  await os.compute.servers.waitFor(srv.id, 'ACTIVE', { timeoutMs: 300_000 });
  const limits = await os.compute.limits.get();
  assert.ok(limits.totalInstancesUsed >= 1 && limits.totalInstancesUsed <= limits.maxTotalInstances);
  assert.ok((await os.compute.quotas.details((await os.session.getToken()).project!.id)).instances!.in_use >= 1);
  assert.deepEqual(await os.compute.servers.tags.list(srv.id), [TAG]);
  await os.compute.servers.tags.add(srv.id, 'tier=web');
  assert.deepEqual(
    (await os.compute.servers.list({ tags: [TAG, 'tier=web'] })).map((x) => x.id),
    [srv.id],
  );
  assert.deepEqual(await os.compute.servers.list({ tags: ['tier=web', TAG, `${TAG}-none`] }), []);
  assert.deepEqual(await os.compute.servers.list({ tags: [`${TAG}-none`, TAG] }), []);
  assert.deepEqual((await os.compute.servers.tags.replace(srv.id, [TAG])).sort(), [TAG]);
  assert.equal(await os.compute.servers.tags.has(srv.id, 'tier=web'), false);
  assert.deepEqual(await os.compute.servers.metadata.get(srv.id), { 'berth-tier': 'web' });
  await os.compute.servers.metadata.merge(srv.id, { 'berth-stack': 'board' });
  await os.compute.servers.metadata.set(srv.id, 'berth-tier', 'app');
  assert.deepEqual(await os.compute.servers.metadata.get(srv.id), { 'berth-tier': 'app', 'berth-stack': 'board' });
  await os.compute.servers.metadata.delete(srv.id, 'berth-stack');
  assert.deepEqual(await os.compute.servers.metadata.replace(srv.id, { a: '1' }), { a: '1' });
  assert.equal((await os.compute.servers.update(srv.id, { description: 'berth test' })).description, 'berth test');
});

test('images: create, update, tags, upload to active, delete', async () => {
  const img = await os.image.images.create({ name: uniq('img'), disk_format: 'raw', container_format: 'bare', visibility: 'private' });
  cleanup.add('image', () => os.image.images.delete(img.id, { ignoreMissing: true }));
  assert.equal(img.status, 'queued');
  assert.equal(await os.image.findActive(img.id), undefined, 'not active yet');
  const updated = await os.image.images.update(img.id, { min_ram: 256, os_distro: 'debian' });
  assert.equal(updated.min_ram, 256);
  assert.equal(updated.os_distro, 'debian');
  await os.image.images.addTag(img.id, TAG);
  assert.deepEqual((await os.image.images.get(img.id)).tags, [TAG]);
  await os.image.images.removeTag(img.id, TAG);
  await os.image.images.upload(img.id, Buffer.from('berth'));
  const active = await os.image.images.get(img.id);
  assert.equal(active.status, 'active');
  assert.equal(active.size, 5);
  assert.equal((await os.image.findActive(img.id))?.id, img.id);
  await os.image.images.delete(img.id);
  assert.equal(await os.image.images.getIfExists(img.id), undefined);
});
