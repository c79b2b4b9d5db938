// Replicas and their load balancers in the openstack target's pure parts (no cloud): the desired
// state of `--replicas web=2,app=2` (names, addresses, MACs, groups, load balancers, the web's
// REST address), the inputs refused, and the diff: a re-run changes nothing, scaling 2 -> 3
// creates one server and its member, 3 -> 1 drains and deletes two (the load balancer stays, with
// one member, unless --drop-load-balancers), a new
// image rolls the replicated servers one at a time. And `plan` on a cloud without Octavia (a
// Keystone whose catalog has no load-balancer service, on 127.0.0.1) refuses replicas > 1.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadStackFile } from '../../src/deployer/stack/load.js';
import { desiredState } from '../../src/deployer/targets/openstack/desired.js';
import { diff, mutating, type Step } from '../../src/deployer/targets/openstack/diff.js';
import { resolveInputs } from '../../src/deployer/targets/openstack/inputs.js';
import { LoadBalancerClient, type OpenStack } from '../../src/deployer/openstack/index.js';
import { planStack, withKeptLoadBalancers } from '../../src/deployer/targets/openstack/up.js';
import type { Observed } from '../../src/deployer/targets/openstack/observed.js';
import { lbQuotaFree, quotaNeeds, quotaShortages } from '../../src/deployer/targets/openstack/preflight.js';
import { observedAfterUp } from './desired-fixture.js';
import { startFakeCloud, stopFakeCloud } from './fake-cloud.js';

const { stack } = loadStackFile();
const SECRET = 'Secret-Value-xyz-123456';
const state = (flags: Record<string, unknown> = {}) =>
  desiredState(stack, 'tiered', resolveInputs(stack, { prefix: 'alice', ...flags }, {}), { 'db-password': SECRET });
const replicated = (r: string, flags = {}) => state({ replicas: [r], ...flags });
/** The desired state of a later `up` on what `o` observed (planStack's step: kept load balancers). */
const scaledTo = (r: string, o: Observed, flags = {}) =>
  desiredState(stack, 'tiered', withKeptLoadBalancers(stack, resolveInputs(stack, { prefix: 'alice', replicas: [r], ...flags }, {}), o, 'alice-board'), {
    'db-password': SECRET,
  });
/** Web scaled 3 -> 1: web-2 and web-3 drained (members), deleted with their ports (sorted). */
const WEB_2_3_GONE = [
  'delete member alice-board-web-2',
  'delete member alice-board-web-3',
  'delete port alice-board-web-2-app',
  'delete port alice-board-web-2-dmz',
  'delete port alice-board-web-3-app',
  'delete port alice-board-web-3-dmz',
  'delete server alice-board-web-2',
  'delete server alice-board-web-3',
];
const changed = (steps: Step[]) => mutating(steps).map((s) => `${s.verb} ${s.kind} ${s.name}`);

describe('replicas in the desired state', () => {
  it('replicas = 1 is the deployment of before: the same names, ports, hashes, no load balancer', () => {
    const before = state();
    const one = replicated('web=1,app=1');
    assert.deepEqual(
      one.servers.map((s) => [s.name, s.hash, s.ports]),
      before.servers.map((s) => [s.name, s.hash, s.ports]),
    );
    assert.deepEqual(one.ports, before.ports);
    assert.deepEqual(one.groups, before.groups);
    assert.deepEqual(one.loadBalancers, []);
    assert.deepEqual(one.floatingIp, { name: 'alice-board-entry', port: 'alice-board-web-dmz' });
  });

  it('web=2,app=2: stable names, the next addresses, a MAC each, one group per service', () => {
    const d = replicated('web=2,app=2');
    assert.deepEqual(d.servers.map((s) => s.name).sort(), ['alice-board-app', 'alice-board-app-2', 'alice-board-dbs', 'alice-board-web', 'alice-board-web-2']);
    const at = (server: string) => d.ports.filter((p) => p.server === server).map((p) => `${p.network}=${p.ip}`);
    assert.deepEqual(at('web'), ['dmz=192.168.0.10', 'app=172.16.10.10']);
    assert.deepEqual(at('web-2'), ['dmz=192.168.0.11', 'app=172.16.10.11']);
    assert.deepEqual(at('app'), ['dmz=192.168.0.20', 'app=172.16.10.20', 'dbs=172.16.20.20']);
    assert.deepEqual(at('app-2'), ['dmz=192.168.0.21', 'app=172.16.10.21', 'dbs=172.16.20.21']);
    assert.equal(new Set(d.ports.map((p) => p.mac)).size, d.ports.length);
    assert.deepEqual(
      d.groups.map((g) => g.key),
      ['dbs', 'app', 'web'],
    );
    assert.deepEqual(
      d.ports.filter((p) => p.server.startsWith('web')).map((p) => p.group),
      ['web', 'web', 'web', 'web'],
    );
  });

  it('puts a load balancer in front of each replicated service; the web calls the app at its VIP', () => {
    const d = replicated('web=2,app=2');
    assert.deepEqual(
      d.loadBalancers.map((lb) => [lb.name, lb.network, lb.vip, lb.port, lb.healthPath, lb.external, lb.members.map((m) => `${m.name}@${m.address}`)]),
      [
        ['alice-board-app-lb', 'app', '172.16.10.5', 5555, '/readyz', false, ['alice-board-app@172.16.10.20', 'alice-board-app-2@172.16.10.21']],
        ['alice-board-web-lb', 'dmz', '192.168.0.5', 80, '/readyz', true, ['alice-board-web@192.168.0.10', 'alice-board-web-2@192.168.0.11']],
      ],
    );
    assert.equal(d.floatingIp.loadBalancer, 'web');
    const web = d.plan.services.find((s) => s.service === 'web')!;
    assert.equal(web.env.REST_PORT_5555_TCP_ADDR, '172.16.10.5');
    for (const s of d.servers.filter((x) => x.key.startsWith('web'))) assert.match(s.userData, /172\.16\.10\.5/);
    // The app tier takes 5555 from the web's group (as before) and from its load balancer's network.
    const app = d.groups.find((g) => g.key === 'app')!;
    assert.deepEqual(
      app.rules.filter((r) => r.port === 5555).map((r) => r.from),
      [{ cidr: '172.16.10.0/24' }, { group: 'web' }],
    );
  });

  it('refuses replicas for dbs, for an unknown service, and out of 1..9, in one line', () => {
    assert.throws(() => replicated('dbs=2'), /dbs has 2 replicas, but the dbs tier stays one server/);
    assert.throws(() => replicated('nope=2'), /--replicas nope=2: the stack has no service nope/);
    assert.throws(() => replicated('web=two'), /--replicas web=two: expected SERVICE=N/);
    assert.throws(() => replicated('web=0'), /replicas go from 1 to 9/);
    assert.throws(() => replicated('web=10'), /replicas go from 1 to 9/);
  });
});

describe('replicas in the diff', () => {
  it('a re-run of 2+2 replicas with nothing changed has no mutating step', () => {
    const d = replicated('web=2,app=2');
    assert.deepEqual(changed(diff(d, observedAfterUp(d), 'ext-id')), []);
  });

  it('from nothing: servers, load balancers with listener, pool, monitor and a member per replica', () => {
    const steps = diff(replicated('web=2,app=2'), { networks: [], routers: [], groups: [], ports: [], servers: [], floatingIps: [] }, 'ext-id');
    const lb = steps
      .filter((s) => ['load-balancer', 'listener', 'pool', 'health-monitor', 'member'].includes(s.kind))
      .map((s) => `${s.verb} ${s.kind} ${s.name}`);
    assert.deepEqual(lb, [
      'create load-balancer alice-board-app-lb',
      'create listener alice-board-app-lb-5555',
      'create pool alice-board-app-lb-pool',
      'create health-monitor alice-board-app-lb-readyz',
      'create member alice-board-app',
      'create member alice-board-app-2',
      'create load-balancer alice-board-web-lb',
      'create listener alice-board-web-lb-80',
      'create pool alice-board-web-lb-pool',
      'create health-monitor alice-board-web-lb-readyz',
      'create member alice-board-web',
      'create member alice-board-web-2',
    ]);
    assert.equal(steps.filter((s) => s.kind === 'server').length, 5);
  });

  it('scaling web 2 -> 3 creates one server, its two ports and its member, nothing else', () => {
    const two = replicated('web=2,app=2');
    assert.deepEqual(changed(diff(replicated('web=3,app=2'), observedAfterUp(two), 'ext-id')).sort(), [
      'create member alice-board-web-3',
      'create port alice-board-web-3-app',
      'create port alice-board-web-3-dmz',
      'create server alice-board-web-3',
    ]);
  });

  it('scaling web 3 -> 2 drains and deletes one; 3 -> 1 drains and deletes two, and web keeps its load balancer with one member (the floating IP stays on the VIP)', () => {
    const three = observedAfterUp(replicated('web=3,app=2'));
    assert.deepEqual(changed(diff(scaledTo('web=2,app=2', three), three, 'ext-id')).sort(), [
      'delete member alice-board-web-3',
      'delete port alice-board-web-3-app',
      'delete port alice-board-web-3-dmz',
      'delete server alice-board-web-3',
    ]);
    const one = scaledTo('web=1,app=2', three);
    assert.deepEqual(one.floatingIp, { name: 'alice-board-entry', port: 'alice-board-web-dmz', loadBalancer: 'web' });
    assert.deepEqual(
      one.loadBalancers.find((lb) => lb.service === 'web')?.members.map((m) => m.name),
      ['alice-board-web'],
    );
    assert.deepEqual(changed(diff(one, three, 'ext-id')).sort(), WEB_2_3_GONE);
    // Once at one server, a re-run changes nothing: the kept load balancer is not "unplanned".
    const after = observedAfterUp(one);
    assert.deepEqual(changed(diff(scaledTo('web=1,app=2', after), after, 'ext-id')), []);
  });

  it('3 -> 1 with --drop-load-balancers deletes the load balancer too, the floating IP back on the web server', () => {
    const three = observedAfterUp(replicated('web=3,app=2'));
    const steps = diff(scaledTo('web=1,app=2', three, { dropLoadBalancers: true }), three, 'ext-id');
    assert.deepEqual(changed(steps).sort(), ['change floating-ip alice-board-entry', 'delete load-balancer alice-board-web-lb', ...WEB_2_3_GONE]);
  });

  it('the app scaled back to one keeps its load balancer, so the web, which calls the app at its VIP, is not replaced', () => {
    const two = observedAfterUp(replicated('web=2,app=2'));
    assert.deepEqual(changed(diff(scaledTo('web=2,app=1', two), two, 'ext-id')).sort(), [
      'delete member alice-board-app-2',
      'delete port alice-board-app-2-app',
      'delete port alice-board-app-2-dbs',
      'delete port alice-board-app-2-dmz',
      'delete server alice-board-app-2',
    ]);
  });

  it('a new image rolls the replicated servers (marked rolling, their members left to the roll); dbs is replaced as before', () => {
    const o = observedAfterUp(replicated('web=2,app=2'));
    const steps = diff(replicated('web=2,app=2', { tag: 'ver2' }), o, 'ext-id');
    const servers = steps.filter((s) => s.kind === 'server' && s.verb !== 'keep').map((s) => `${s.verb} ${s.name}${s.rolling ? ' rolling' : ''}`);
    assert.deepEqual(servers.sort(), [
      'delete alice-board-app rolling',
      'delete alice-board-app-2 rolling',
      'delete alice-board-dbs',
      'delete alice-board-web rolling',
      'delete alice-board-web-2 rolling',
      'replace alice-board-app rolling',
      'replace alice-board-app-2 rolling',
      'replace alice-board-dbs',
      'replace alice-board-web rolling',
      'replace alice-board-web-2 rolling',
    ]);
    assert.deepEqual(
      steps.filter((s) => s.kind === 'member'),
      [],
    );
  });

  it('a load balancer in ERROR is replaced with all its parts; a drained member (weight 0) gets its weight back', () => {
    const d = replicated('web=2,app=2');
    const o = observedAfterUp(d);
    o.loadBalancers![0]!.status = 'ERROR';
    o.loadBalancers![1]!.pools[0]!.members[1]!.weight = 0;
    assert.deepEqual(changed(diff(d, o, 'ext-id')), [
      'replace load-balancer alice-board-app-lb',
      'create listener alice-board-app-lb-5555',
      'create pool alice-board-app-lb-pool',
      'create health-monitor alice-board-app-lb-readyz',
      'create member alice-board-app',
      'create member alice-board-app-2',
      'change member alice-board-web-2',
    ]);
  });
});

describe('replicas and the load-balancer quotas', () => {
  const empty = { networks: [], routers: [], groups: [], ports: [], servers: [], floatingIps: [] };
  const flavors = new Map([['m1.small', { id: 'f', name: 'm1.small', vcpus: 1, ram: 2048, disk: 20 }]]);
  const r = { externalNetworkId: 'e', externalNetworkName: 'public', imageId: 'i', flavors };
  const lbNeeds = (n: Record<string, number>) =>
    Object.fromEntries(Object.entries(n).filter(([k]) => ['load_balancer', 'listener', 'pool', 'health_monitor', 'member'].includes(k)));

  it('a first up of 2+2 needs two load balancers, each with a listener, pool and monitor, and four members', () => {
    const d = replicated('web=2,app=2');
    assert.deepEqual(lbNeeds(quotaNeeds(d, diff(d, empty, 'e'), r)), { load_balancer: 2, listener: 2, pool: 2, health_monitor: 2, member: 4 });
  });

  it('scaling web 2 -> 3 needs one member more; a re-run needs none', () => {
    const two = observedAfterUp(replicated('web=2,app=2'));
    const three = replicated('web=3,app=2');
    assert.deepEqual(lbNeeds(quotaNeeds(three, diff(three, two, 'e'), r)), { member: 1 });
    assert.deepEqual(lbNeeds(quotaNeeds(three, diff(three, observedAfterUp(three), 'e'), r)), {});
  });

  it('a load-balancer quota too small is named with what is needed and free; -1 is unlimited', () => {
    const free = lbQuotaFree(
      { load_balancer: 3, listener: -1, pool: -1, health_monitor: -1, member: 5 },
      { load_balancer: 2, listener: 2, pool: 2, health_monitor: 2, member: 2 },
    );
    assert.deepEqual(quotaShortages({ load_balancer: 2, listener: 2, pool: 2, health_monitor: 2, member: 4 }, free), [
      'load_balancer: needs 2, 1 free of 3 (short by 1)',
      'member: needs 4, 3 free of 5 (short by 1)',
    ]);
  });
});

describe('replicas on a cloud without a load balancer', () => {
  it('plan refuses replicas > 1 naming what is missing, before reading anything else', async () => {
    const f = await startFakeCloud();
    try {
      const os = { cloud: f.session.cloud, session: f.session, loadBalancer: new LoadBalancerClient(f.session) } as unknown as OpenStack;
      const i = resolveInputs(stack, { prefix: 'alice', replicas: ['web=2,app=2'] }, {});
      await assert.rejects(
        planStack(os, stack, i, 'tiered'),
        /^TargetError: replicas web=2,app=2 need a load balancer in front of them, and cloud fake has no load-balancer service \(Octavia\) in its catalog \(it has: compute, identity, image, network\)$/,
      );
      assert.deepEqual(
        f.server.seen.map((x) => `${x.method} ${x.path}`),
        ['POST /v3/auth/tokens'],
      );
    } finally {
      await stopFakeCloud(f);
    }
  });
});
