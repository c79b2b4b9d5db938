// Every list follows the services' next links: 30 ports with a page size of 10, flavors and
// images one per page, against the real sandbox.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { OpenStack } from '../../src/deployer/openstack/index.js';
import type { RequestLog } from '../../src/deployer/openstack/http.js';
import { Cleanup, connectAs, GUEST_IMAGE, uniq } from './helpers.js';

const cleanup = new Cleanup();
const calls: RequestLog[] = [];
let os: OpenStack;

before(async () => {
  os = await connectAs('demo', { log: (e) => calls.push(e) });
});
after(async () => {
  try {
    await cleanup.run();
  } finally {
    await os?.close();
  }
});

const gets = (path: RegExp) => calls.filter((c) => c.method === 'GET' && path.test(c.path));

test('30 ports, page size 10: every port, over several pages', async () => {
  const net = await os.network.createNetwork({ name: uniq('page-net') });
  cleanup.add('network', () => os.network.deleteNetwork(net.id));
  // no DHCP: its agent would add a port of its own to the network
  const subnet = await os.network.createSubnet({ network_id: net.id, cidr: '172.16.10.0/24', name: uniq('page-subnet'), enable_dhcp: false });
  cleanup.add('subnet', () => os.network.deleteSubnet(subnet.id));
  const made: string[] = [];
  for (let batch = 0; batch < 6; batch++) {
    const ports = await Promise.all(
      Array.from({ length: 5 }, (_, i) => os.network.createPort({ network_id: net.id, name: uniq(`p${batch * 5 + i}`) })),
    );
    for (const p of ports) {
      made.push(p.id);
      cleanup.add(`port ${p.name}`, () => os.network.deletePort(p.id));
    }
  }
  calls.length = 0;
  const listed = await os.network.listPorts({ network_id: net.id }, 10);
  assert.deepEqual(new Set(listed.map((p) => p.id)), new Set(made));
  assert.equal(listed.length, 30);
  const pages = gets(/^\/v2\.0\/ports\?/);
  assert.ok(pages.length >= 3, `${pages.length} page requests`);
  assert.match(pages[1]!.path, /marker=/);
});

test('flavors and images one per page', async () => {
  calls.length = 0;
  const all = await os.compute.listFlavors();
  const paged = await os.compute.listFlavors(1);
  assert.deepEqual(paged.map((f) => f.id).sort(), all.map((f) => f.id).sort());
  assert.ok(gets(/^\/v2\.1\/flavors\/detail/).length >= all.length + 1);
  calls.length = 0;
  const images = await os.image.listImages({}, 1);
  assert.ok(images.some((i) => i.name === GUEST_IMAGE));
  assert.ok(gets(/^\/v2\/images/).length >= images.length);
});
