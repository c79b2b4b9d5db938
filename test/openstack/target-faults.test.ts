// Faults the sandbox cannot produce on demand, injected by the proxy in front of the real Nova
// and Neutron while `berth up` / `down --target openstack` run: 429 with Retry-After, 503, a 409
// "in use" on deletes, a server shown in ERROR, and a create carried out after its client died. Each run still converges: one server, the
// ERROR one replaced once, a re-run with zero mutating calls, nothing left after down.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { OpenStack } from '../../src/deployer/openstack/index.js';
import { loadStackFile } from '../../src/deployer/stack/load.js';
import { planStack, up } from '../../src/deployer/targets/openstack/index.js';
import { resolveInputs } from '../../src/deployer/targets/openstack/inputs.js';
import { ownerDescription, TAG } from '../../src/deployer/targets/openstack/names.js';
import { connectAs, waitFor } from './helpers.js';
import { berthAsync, IMAGE, leftovers, prefix, proxiedCloud, type Proxied } from './target-helpers.js';

const PREFIX = prefix();
const ID = `${PREFIX}-board`;
const ARGS = ['--target', 'openstack', '--layout', 'single', '--prefix', PREFIX, '--image', IMAGE, '--flavor', 'm1.tiny'];
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
/** down of this file's stack, volumes and all, through the cloud that clouds.yaml file names. */
const downStack = (cloudsFile: string) => berthAsync(['down', '--target', 'openstack', '--volumes', '--allow-data-loss', '--prefix', PREFIX], cloudsFile);
let px: Proxied;
let os: OpenStack;

before(async () => {
  px = await proxiedCloud();
  os = await connectAs('demo');
});
after(async () => {
  try {
    const r = await downStack(px.cloudsFile);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(await leftovers(os, ID), {});
  } finally {
    await os?.close();
    await px?.stop();
  }
});

it('wrong names are refused before anything is created, with the names near them', async () => {
  px.clear();
  const bad = async (flag: string, value: string, expect: RegExp) => {
    const args = [...ARGS];
    const at = args.indexOf(flag);
    if (at >= 0) args[at + 1] = value;
    else args.push(flag, value);
    const r = await berthAsync(['up', ...args, '--wait', 'active'], px.cloudsFile);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, expect);
  };
  await bad('--flavor', 'm1.smal', /flavor "m1\.smal" not found; near: m1\.small.*\nhint: did you mean m1\.small\?/);
  await bad('--image', 'debian-12-dockr', /image "debian-12-dockr" not found; near: debian-12-docker/);
  await bad('--external-network', 'publik', /external network "publik" not found\nhint: choose one with --external-network NAME \(public\)/);
  assert.deepEqual(px.mutations(), []);
  assert.deepEqual(await leftovers(os, ID), {});
});

it('429, 503 and a server in ERROR during up: retried, the server replaced once, converged', async () => {
  px.neutron.inject(/^\/v2\.0\/ports$/, { kind: 'status', status: 429, headers: { 'retry-after': '1' }, body: { message: 'slow down' } }, 1, 'POST');
  px.nova.inject(/^\/v2\.1\/servers\/detail/, { kind: 'status', status: 503, body: 'busy' }, 1, 'GET');
  px.nova.inject(
    new RegExp(`^/v2\\.1/servers/${UUID}$`),
    {
      kind: 'rewrite',
      edit: (b) => {
        const body = b as { server: Record<string, unknown> };
        return { server: { ...body.server, status: 'ERROR', fault: { code: 500, message: 'injected by the test proxy' } } };
      },
    },
    1,
    'GET',
  );
  const r = await berthAsync(['up', ...ARGS, '--wait', 'active'], px.cloudsFile);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /went to ERROR \(injected by the test proxy\); replacing it once/);
  assert.equal(px.neutron.count('POST', /^\/v2\.0\/ports$/), 2, 'the refused port create was sent again');
  assert.equal(px.nova.count('POST', /^\/v2\.1\/servers$/), 2, 'booted, then its replacement');
  assert.equal(px.nova.count('DELETE', new RegExp(`^/v2\\.1/servers/${UUID}$`)), 1);
  const servers = await os.compute.servers.list({ tags: [TAG.stack(ID)] });
  assert.equal(servers.length, 1);
  assert.equal(servers[0]!.status, 'ACTIVE');

  px.clear();
  const again = await berthAsync(['up', ...ARGS, '--wait', 'active'], px.cloudsFile);
  assert.equal(again.code, 0, again.stderr);
  assert.deepEqual(px.mutations(), []);
});

it('409 "in use" while a port and a network are still held: down retries and leaves nothing', async () => {
  px.clear();
  px.neutron.inject(
    new RegExp(`^/v2\\.0/ports/${UUID}$`),
    { kind: 'status', status: 409, body: { NeutronError: { type: 'PortInUse', message: 'Port is in use by a device', detail: '' } } },
    1,
    'DELETE',
  );
  px.neutron.inject(
    new RegExp(`^/v2\\.0/networks/${UUID}$`),
    {
      kind: 'status',
      status: 409,
      body: { NeutronError: { type: 'NetworkInUse', message: 'There are one or more ports still in use on the network', detail: '' } },
    },
    1,
    'DELETE',
  );
  const r = await downStack(px.cloudsFile);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(px.neutron.count('DELETE', new RegExp(`^/v2\\.0/networks/${UUID}$`)), 2, 'the refused delete was sent again');
  assert.deepEqual(await leftovers(os, ID), {});
});

it('an ACTIVE server whose console answers 404 (its host lost it) fails up at once, not after the timeout', async () => {
  px.clear();
  px.nova.inject(
    new RegExp(`^/v2\\.1/servers/${UUID}/action$`),
    { kind: 'status', status: 404, body: { itemNotFound: { code: 404, message: 'Instance could not be found.' } } },
    3,
    'POST',
  );
  const started = Date.now();
  const r = await berthAsync(['up', ...ARGS, '--wait', 'ready', '--ready-timeout', '600'], px.cloudsFile);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /is ACTIVE but its compute host no longer has it \(its console answers 404\)\nhint: replace it: berth down/);
  assert.ok(Date.now() - started < 300_000, 'long before the ready timeout');
});

it("a guest that got no metadata (cloud-init's DataSourceNone) fails up as soon as its console says so, with what to check", async () => {
  const clean = await downStack(px.cloudsFile);
  assert.equal(clean.code, 0, clean.stderr);
  px.clear();
  // The real console as a guest without DHCP or metadata shows it: no user-data line, and
  // cloud-init's last word naming the fallback datasource.
  const noMetadata = 'Cloud-init v. 22.4.2 finished at Fri, 04 Dec 2026 12:00:00 +0000. Datasource DataSourceNone.  Up 35.05 seconds';
  px.nova.inject(
    new RegExp(`^/v2\\.1/servers/${UUID}/action$`),
    {
      kind: 'rewrite',
      edit: (body) => {
        const output = (body as { output?: string }).output ?? '';
        return {
          output: `${output
            .split('\n')
            .filter((l) => !/ berth: /.test(l))
            .join('\n')}\n${noMetadata}\n`,
        };
      },
    },
    1000,
    'POST',
  );
  const r = await berthAsync(['up', ...ARGS, '--wait', 'ready', '--ready-timeout', '900'], px.cloudsFile);
  px.clear();
  assert.equal(r.code, 1, r.stderr);
  assert.match(
    r.stderr,
    new RegExp(
      `berth: ${ID}-vm booted without its user-data: cloud-init found no metadata \\(it fell back to DataSourceNone\\), so nothing of the board runs on it; its console ends:\n[^]*\n${noMetadata.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\n`,
    ),
  );
  assert.match(
    r.stderr,
    /hint: the cloud's DHCP or metadata service did not answer the server: .*Neutron DHCP and metadata agents \(openstack network agent list\); then replace it: berth down --target openstack, and berth up again \(volumes are kept\)/,
  );
});

it('a load-balancer service in the catalog that nobody answers: up, plan, status and down of a stack without replicas never call it', async () => {
  const dead = await proxiedCloud({ deadLoadBalancer: true });
  try {
    const clean = await downStack(dead.cloudsFile);
    assert.equal(clean.code, 0, clean.stderr);
    const made = await berthAsync(['up', ...ARGS, '--wait', 'active'], dead.cloudsFile);
    assert.equal(made.code, 0, made.stderr);
    const plan = await berthAsync(['plan', ...ARGS], dead.cloudsFile);
    assert.equal(plan.code, 0, plan.stderr);
    assert.match(plan.stdout, /0 to create, 0 to change, 0 to replace, 0 to delete, \d+ to keep/);
    const status = await berthAsync(['status', '--target', 'openstack', '--prefix', PREFIX, '--json'], dead.cloudsFile);
    assert.equal(status.code, 0, status.stderr);
    assert.deepEqual((JSON.parse(status.stdout) as { loadBalancers: unknown[] }).loadBalancers, []);
    const gone = await downStack(dead.cloudsFile);
    assert.equal(gone.code, 0, gone.stderr);
    assert.deepEqual(await leftovers(os, ID), {});
  } finally {
    await dead.stop();
  }
});

// The two halves of "a create still on its way when its client was killed": the next up waits
// for it (an interrupted run is visible), and a port that lands later still is taken over.
it('a boot the cloud carries out after its client was killed: the next up waits for it, no second server', async () => {
  const clean = await downStack(px.cloudsFile);
  assert.equal(clean.code, 0, clean.stderr);
  px.clear();
  px.nova.inject(/^\/v2\.1\/servers$/, { kind: 'late', ms: 4000 }, 1, 'POST');
  const killed = await berthAsync(['up', ...ARGS, '--wait', 'active'], px.cloudsFile, (child) => {
    px.nova.onHeld = () => child.kill('SIGKILL');
  });
  px.nova.onHeld = undefined;
  assert.equal(killed.signal, 'SIGKILL', killed.stderr);
  const next = await berthAsync(['up', ...ARGS, '--wait', 'active'], px.cloudsFile);
  assert.equal(next.code, 0, next.stderr);
  assert.equal(px.nova.count('POST', /^\/v2\.1\/servers$/), 1, "only the killed run's boot");
  const servers = await os.compute.servers.list({ tags: [TAG.stack(ID)] });
  assert.deepEqual(
    servers.map((s) => s.status),
    ['ACTIVE'],
  );
  // The floating IP is made while the server boots, so the kill may leave it untagged too.
  // Nova may already list the server (BUILD) when the next up reads the cloud, or not yet.
  assert.match(next.stderr, /an earlier run was interrupted \((1 untagged, )?1 unbound port\(s\)(, 1 building)?\)/);
  px.clear();
  const again = await berthAsync(['up', ...ARGS, '--wait', 'active'], px.cloudsFile);
  assert.equal(again.code, 0, again.stderr);
  assert.deepEqual(px.mutations(), []);
});

it('a port made after up read the cloud is taken over (its planned MAC is taken), not refused or made twice', async () => {
  const stack = loadStackFile().stack;
  const inputs = resolveInputs(stack, { prefix: PREFIX, image: IMAGE, flavor: ['m1.tiny'] }, {});
  const [server] = await os.compute.servers.list({ tags: [TAG.stack(ID)] });
  await os.compute.servers.delete(server!.id);
  await os.compute.servers.waitForDeleted(server!.id, { timeoutMs: 120_000 });
  const [old] = await os.network.ports.list({ tags: [TAG.stack(ID)] });
  await os.network.ports.delete(old!.id);
  const plan = await planStack(os, stack, inputs, 'single');
  assert.ok(
    plan.steps.some((s) => s.kind === 'port' && s.verb === 'create'),
    'the plan was made without the port',
  );
  // Now the port of an interrupted run lands: as berth makes it, but before its tags were set.
  const [want] = plan.d.ports;
  const [net] = await os.network.networks.list({ name: `${ID}-${want!.network}-net` });
  const [sub] = await os.network.subnets.list({ network_id: net!.id });
  const late = await os.network.ports.create({
    network_id: net!.id,
    name: want!.name,
    fixed_ips: [{ subnet_id: sub!.id, ip_address: want!.ip }],
    mac_address: want!.mac,
    description: ownerDescription(ID),
  });
  const lines: string[] = [];
  await up(os, plan, 'active', { step: (m) => lines.push(m), detail: (m) => lines.push(m) });
  assert.ok(lines.includes(`port ${want!.name} was made by an interrupted run: taken over`), lines.join('\n'));
  const ports = await os.network.ports.list({ name: want!.name });
  assert.deepEqual(
    ports.map((p) => p.id),
    [late.id],
    'one port, the late one',
  );
  assert.ok(ports[0]!.tags?.includes(TAG.stack(ID)), "and it carries the stack's tags now");
  const [booted] = await os.compute.servers.list({ tags: [TAG.stack(ID)] });
  assert.equal(ports[0]!.device_id, booted!.id);
});

it('a floating IP made after up read the cloud (a POST the client gave up on) is taken over, not refused or made twice', async () => {
  const stack = loadStackFile().stack;
  const inputs = resolveInputs(stack, { prefix: PREFIX, image: IMAGE, flavor: ['m1.tiny'] }, {});
  const [old] = await os.network.floatingIps.list({ tags: [TAG.stack(ID)] });
  await os.network.floatingIps.delete(old!.id);
  const plan = await planStack(os, stack, inputs, 'single');
  assert.ok(
    plan.steps.some((s) => s.kind === 'floating-ip' && s.verb === 'create'),
    'the plan was made without the floating IP',
  );
  // Now the floating IP of that POST lands on the entry's port: as berth makes it, untagged.
  const [entry] = await os.network.ports.list({ name: plan.d.floatingIp.port });
  const [ext] = await os.network.networks.list({ 'router:external': true } as never);
  const late = await os.network.floatingIps.create({ floating_network_id: ext!.id, port_id: entry!.id, description: ownerDescription(ID) });
  const lines: string[] = [];
  await up(os, plan, 'active', { step: (m) => lines.push(m), detail: (m) => lines.push(m) });
  assert.ok(lines.includes(`floating IP ${late.floating_ip_address} was made by an interrupted run: taken over`), lines.join('\n'));
  const fips = await os.network.floatingIps.list({ description: ownerDescription(ID) });
  assert.deepEqual(
    fips.map((f) => f.id),
    [late.id],
    'one floating IP, the late one',
  );
  assert.ok(fips[0]!.tags?.includes(TAG.stack(ID)), "and it carries the stack's tags now");
});

it("berth logs --follow shows the VM's console as it grows (the original's `watch nova console-log`), each line once", async () => {
  // The user-data's last line: the stack is up, or (these tests give no registry) it failed.
  const DONE = / berth: (stack \S+ is up|ERROR: )/;
  const [vm] = await os.compute.servers.list({ tags: [TAG.stack(ID)] });
  await waitFor(`${DONE} on the console`, 300_000, async () => (DONE.test(await os.compute.servers.consoleOutput(vm!.id)) ? true : undefined), 2000);
  // The first answer shows the console as it was earlier (its first half): the next one grew.
  px.nova.inject(
    new RegExp(`^/v2\\.1/servers/${vm!.id}/action$`),
    {
      kind: 'rewrite',
      edit: (b) => {
        const lines = (b as { output: string }).output.split('\n');
        return { output: `${lines.slice(0, Math.floor(lines.length / 2)).join('\n')}\n` };
      },
    },
    1,
    'POST',
  );
  let timedOut = false;
  const follow = await berthAsync(['logs', 'web', '--target', 'openstack', '--prefix', PREFIX, '--follow'], px.cloudsFile, (child) => {
    let out = '';
    const timer = setTimeout(() => ((timedOut = true), child.kill('SIGTERM')), 60_000);
    child.stdout!.on('data', (d) => {
      out += d;
      if (DONE.test(out)) {
        clearTimeout(timer);
        child.kill('SIGTERM');
      }
    });
  });
  assert.ok(!timedOut, `the user-data's last line came: ${follow.stdout.slice(-2000)}${follow.stderr}`);
  const now = await os.compute.servers.consoleOutput(vm!.id);
  assert.ok(now.startsWith(follow.stdout), 'what was followed is the console, each line once, none missing');
  assert.ok(follow.stdout.split('\n').filter((l) => / berth: /.test(l)).length >= 3, follow.stdout.slice(-2000));
  // Without --follow: the console so far, once; any tier names the single VM.
  const once = await berthAsync(['logs', 'dbs', '--target', 'openstack', '--prefix', PREFIX], px.cloudsFile);
  assert.equal(once.code, 0, once.stderr);
  assert.match(once.stdout, DONE);
  const none = await berthAsync(['logs', 'web', '--target', 'openstack', '--prefix', `${PREFIX}x`], px.cloudsFile);
  assert.equal(none.code, 1);
  assert.match(none.stderr, new RegExp(`no server for tier web in ${PREFIX}x-board\\nhint: see what runs: berth status --target openstack`));
});

it("down --all removes every stack of the prefix (the original's per-student cleanup), and only those", async () => {
  const other = await berthAsync(['up', ...ARGS, '--project', 'other', '--wait', 'active'], px.cloudsFile);
  assert.equal(other.code, 0, other.stderr);
  const neighbour = `${PREFIX}x`; // a prefix that starts with this one: not one of its stacks
  const theirs = await os.network.networks.create({ name: `${neighbour}-board-dmz-net`, description: ownerDescription(`${neighbour}-board`) });
  try {
    assert.ok(Object.keys(await leftovers(os, `${PREFIX}-other`)).length && Object.keys(await leftovers(os, ID)).length, 'two stacks of the prefix exist');
    const r = await berthAsync(['down', '--target', 'openstack', '--volumes', '--allow-data-loss', '--prefix', PREFIX, '--all'], px.cloudsFile);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`removed \\d+ resources of every stack of ${PREFIX}\\n`));
    assert.deepEqual(await leftovers(os, `${PREFIX}-other`), {});
    assert.deepEqual(await leftovers(os, ID), {});
    assert.ok(await os.network.networks.getIfExists(theirs.id), "another prefix's stack is left alone");
  } finally {
    await os.network.networks.delete(theirs.id, { ignoreMissing: true });
  }
});
