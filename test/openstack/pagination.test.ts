// Every list follows the services' next links: 30 ports with a page size of 10, flavors and
// images one per page, against the real sandbox.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { OpenStack } from '../../src/deployer/openstack/index.js';
import type { RequestLog } from '../../src/deployer/openstack/http.js';
import { Cleanup, connectAs, uniq } from './helpers.js';

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
  const net = await os.network.networks.create({ name: uniq('page-net') });
  cleanup.add('network', () => os.network.networks.delete(net.id));
  const subnet = await os.network.subnets.create({ network_id: net.id, cidr: '172.16.10.0/24', name: uniq('page-subnet') });
  cleanup.add('subnet', () => os.network.subnets.delete(subnet.id));
  const made: string[] = [];
  for (let batch = 0; batch < 6; batch++) {
    const ports = await Promise.all(
      Array.from({ length: 5 }, (_, i) => os.network.ports.create({ network_id: net.id, name: uniq(`p${batch * 5 + i}`) })),
    );
    for (const p of ports) {
      made.push(p.id);
      cleanup.add(`port ${p.name}`, () => os.network.ports.delete(p.id));
    }
  }
  calls.length = 0;
  const listed = await os.network.ports.list({ network_id: net.id }, { pageSize: 10 });
  assert.deepEqual(new Set(listed.map((p) => p.id)), new Set(made));
  assert.equal(listed.length, 30);
  const pages = gets(/^\/v2\.0\/ports\?/);
  assert.ok(pages.length >= 3, `${pages.length} page requests`);
  assert.match(pages[1]!.path, /marker=/);
});

test('flavors and images one per page', async () => {
  calls.length = 0;
  const all = await os.compute.flavors.list();
  const paged = await os.compute.flavors.list({}, { pageSize: 1 });
  assert.deepEqual(paged.map((f) => f.id).sort(), all.map((f) => f.id).sort());
  assert.ok(gets(/^\/v2\.1\/flavors\/detail/).length >= all.length + 1);
  calls.length = 0;
  const images = await os.image.images.list({}, { pageSize: 1 });
  assert.ok(images.some((i) => i.name === 'debian-12'));
  assert.ok(gets(/^\/v2\/images/).length >= images.length);
});
