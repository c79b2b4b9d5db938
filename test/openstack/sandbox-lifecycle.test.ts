// The sandbox's own life cycle: with a server, a router and DHCP running, `down` leaves nothing of
// the sandbox on the host (no domains, veths, bridges, namespaces, iptables rules, loop devices or
// mounts), `up` after `down` brings every API and agent back, and a new server boots.
// It takes the shared sandbox down: it runs only where BERTH_SANDBOX_LIFECYCLE=1 says it may
// (scripts/test.sh, i.e. CI, sets it), never while other work uses the sandbox.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import type { OpenStack } from '../../src/deployer/openstack/index.js';
import { Cleanup, connectAs, GUEST_IMAGE, OSLAB, uniq, waitFor } from './helpers.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const enabled = process.env.BERTH_SANDBOX_LIFECYCLE === '1';
const skip = enabled ? false : 'takes the shared sandbox down and up: set BERTH_SANDBOX_LIFECYCLE=1 (CI does)';
const cleanup = new Cleanup();
let os: OpenStack | undefined;
after(async () => {
  try {
    await cleanup.run();
  } finally {
    await os?.close();
  }
});

function sandbox(cmd: string, env: Record<string, string> = {}) {
  const r = spawnSync('bash', ['scripts/openstack-sandbox.sh', cmd], { cwd: ROOT, encoding: 'utf8', timeout: 900_000, env: { ...process.env, ...env } });
  return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}`, stderr: r.stderr };
}
const sh = (cmd: string, args: string[]) => execFileSync(cmd, args, { encoding: 'utf8' });

/** The host as the kernel and libvirt see it: everything here is read without the sandbox's scripts. */
function hostState() {
  const links = sh('ip', ['-o', 'link', 'show'])
    .split('\n')
    .map((l) => l.split(': ')[1]?.replace(/@.*/, '') ?? '');
  return {
    namespaces: sh('ip', ['netns', 'list'])
      .split('\n')
      .map((l) => l.split(' ')[0]!)
      .filter((n) => /^(qrouter|qdhcp)-/.test(n)),
    links: links.filter((l) => /^(tap|brq|vxlan-|br-sbxext)/.test(l)),
    chains: [sh('iptables-save', []), sh('ip6tables-save', [])]
      .join('\n')
      .split('\n')
      .filter((l) => /neutron-|BERTH-SBX/.test(l)),
    ebtables: sh('ebtables', ['-t', 'nat', '-L'])
      .split('\n')
      .filter((l) => /neutron/.test(l)),
    loops: sh('losetup', ['-n', '-l', '-O', 'BACK-FILE'])
      .split('\n')
      .filter((l) => l.includes(OSLAB)),
    mounts: readFileSync('/proc/self/mounts', 'utf8')
      .split('\n')
      .filter((l) => l.includes(OSLAB)),
    controllers: sh('ps', ['-e', '-o', 'comm='])
      .split('\n')
      .filter((c) => c.trim() === 'libvirt_lxc'),
  };
}

async function bootOne(name: string, networkId: string) {
  const flavor = await os!.compute.flavors.find('m1.tiny');
  const image = await os!.image.findActive(GUEST_IMAGE);
  const created = await os!.compute.servers.create({ name: uniq(name), flavorRef: flavor!.id, imageRef: image!.id, networks: [{ uuid: networkId }] });
  cleanup.add(`server ${name}`, async () => {
    await os!.compute.servers.delete(created.id, { ignoreMissing: true });
    await os!.compute.servers.waitForDeleted(created.id);
  });
  return os!.compute.servers.waitFor(created.id, 'ACTIVE', { timeoutMs: 240_000 });
}

test('down leaves nothing of the sandbox on the host; up after down works; status shows every agent alive', { skip }, async () => {
  os = await connectAs('demo');
  const ext = (await os.network.listExternalNetworks()).find((n) => n.name === 'public')!;
  const net = await os.network.networks.create({ name: uniq('net') });
  cleanup.add('network', () => os!.network.networks.delete(net.id));
  const subnet = await os.network.subnets.create({ network_id: net.id, cidr: '10.72.0.0/24', name: uniq('subnet') });
  cleanup.add('subnet', () => os!.network.subnets.delete(subnet.id));
  const router = await os.network.routers.create({ name: uniq('router'), external_gateway_info: { network_id: ext.id } });
  cleanup.add('router', () => os!.network.routers.delete(router.id));
  await os.network.routers.addInterface(router.id, { subnet_id: subnet.id });
  cleanup.add('router interface', () => os!.network.routers.removeInterface(router.id, { subnet_id: subnet.id }));
  const first = await bootOne('before-down', net.id);
  const [port] = await os.network.ports.list({ device_id: first.id });
  // The dataplane is really there before down: the instance's veth, router and DHCP namespaces.
  const before = await waitFor('the router and DHCP namespaces', 60_000, async () => {
    const s = hostState();
    return s.namespaces.includes(`qrouter-${router.id}`) && s.namespaces.includes(`qdhcp-${net.id}`) ? s : undefined;
  });
  assert.ok(before.links.includes(`tap${port!.id.slice(0, 11)}`), "the instance's veth is on the host");
  assert.ok(before.loops.length > 0 && before.controllers.length > 0);
  // (the client stays: its token outlives a restart, Keystone's keys are on disk)

  const down = sandbox('down');
  assert.equal(down.code, 0, down.out);
  assert.deepEqual(hostState(), { namespaces: [], links: [], chains: [], ebtables: [], loops: [], mounts: [], controllers: [] });

  const up = sandbox('up');
  assert.equal(up.code, 0, up.out);
  const status = sandbox('status');
  assert.equal(status.code, 0, status.out);
  for (const agent of ['Linux bridge agent', 'DHCP agent', 'L3 agent', 'Metadata agent']) {
    assert.match(status.out, new RegExp(`alive +${agent} on berth-compute`));
  }
  const second = await bootOne('after-up', net.id);
  const console = await waitFor(
    "the guest's boot output",
    120_000,
    async () => {
      const out = await os!.compute.servers.consoleOutput(second.id);
      return /Cloud-init v\. \S+ finished/.test(out) ? out : undefined;
    },
    2000,
  );
  assert.match(console, /Datasource DataSourceOpenStack/);
});

test('up on a machine without what the sandbox needs stops with one line and changes nothing', () => {
  // Too little disk, as the check sees it: asking for more free space than any disk has.
  const timings = join(OSLAB, 'timings.txt');
  const before = statSync(timings).mtimeMs;
  const r = sandbox('up', { BERTH_OSLAB_MIN_FREE_MB: String(1024 ** 3) });
  assert.equal(r.code, 1);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, /^openstack-sandbox: ERROR: only \d+ MiB free on .*; the sandbox needs \d+ MiB .*: free space or set BERTH_OSLAB/);
  assert.equal(statSync(timings).mtimeMs, before, 'nothing was touched');
  assert.equal(sandbox('status').code, 0, 'the running sandbox is as it was');
});
