// Replicas behind Octavia on the sandbox, end to end (issue 13): `berth up` of 2 web + 2 app
// replicas puts a load balancer in front of each tier (real amphorae, real haproxy), the page
// answers through the floating IP on the web VIP and every member is ONLINE; a re-run changes
// nothing; the replicas are replaced one at a time while a bounded low-rate load from the host
// (GET / ~20/s and page posts with one-time keys ~2/s, only to the stack's floating IP) runs while
// web and app get a new environment (dbs, one server, is kept): no request fails and every post
// answered 303 is stored exactly once; an app server deleted behind berth's back costs no request
// once its member is marked down, and the next `up` recreates it; scaling 2 -> 3 -> 1 (at one
// server web keeps its load balancer);
// `down` leaves no load balancer, port or server. And a load-balancer quota too small for the
// replicas refuses `up` before anything is made.
//
// Not in the openstack suite (run-suite takes *.test.ts only): it needs Octavia in the sandbox
// (npm run test:octavia brings it up and runs this file with sandbox-octavia.octavia.ts).
// Without a load-balancer service in the catalog it fails saying so when BERTH_OCTAVIA=1 says
// Octavia should be there, and skips otherwise.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { after, before, describe, it } from 'node:test';
import type { OpenStack } from '../../src/deployer/openstack/index.js';
import { countOnBoard, getLoad, postLoad } from '../../bench/board-traffic.js';
import { CLOUDS_YAML, connectAs, REGISTRY, REGISTRY_CA, waitFor } from './helpers.js';
import { berthAsync, IMAGE, leftovers, prefix, pushBoardImages, ROOT } from './target-helpers.js';

// The admin project: five servers do not fit beside the other developers' in demo's quota.
const CLOUD = 'berth-admin';
const p = prefix();
const id = `${p}-board`;
const TIERED = ['--layout', 'tiered', '--image', IMAGE, '--flavor', 'm1.tiny'];
const argsFor = (cloud: string, stackPrefix: string) => ['--target', 'openstack', '--cloud', cloud, '--prefix', stackPrefix, ...TIERED];
const common = argsFor(CLOUD, p);
const images = (tag: string) => ['--registry', REGISTRY, '--registry-ca', REGISTRY_CA, '--tag', tag];
const berth = (args: string[]) => berthAsync(args, CLOUDS_YAML);

let os: OpenStack;
let octavia = false;
let url = '';
let dir = '';
let rolled = '';

before(async () => {
  os = await connectAs('admin');
  octavia = await os.loadBalancer.available();
  if (!octavia && process.env.BERTH_OCTAVIA === '1')
    throw new Error('no load-balancer service in the catalog, and BERTH_OCTAVIA=1 says the sandbox has Octavia (scripts/openstack-sandbox.sh)');
  if (octavia) pushBoardImages('repl-a');
  // The board's stack with one more variable for web and app: what a rolling update carries out.
  const doc = parse(readFileSync(join(ROOT, 'stacks/board.yaml'), 'utf8')) as { services: Record<string, { environment?: Record<string, unknown> }> };
  for (const svc of ['web', 'app']) doc.services[svc]!.environment = { ...doc.services[svc]!.environment, BERTH_ROLL: '2' };
  dir = mkdtempSync(join(tmpdir(), 'berth-replicas-'));
  rolled = join(dir, 'board.yaml');
  writeFileSync(rolled, stringify(doc));
});

after(async () => {
  if (octavia) await berth(['down', '--target', 'openstack', '--cloud', CLOUD, '--prefix', p, '--allow-data-loss', '--volumes']);
  await os?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function serverIds(): Promise<Record<string, string>> {
  return Object.fromEntries((await os.compute.servers.list({ tags: [`berth-stack=${id}`] })).map((s) => [s.name, s.id]));
}

async function members(): Promise<string[]> {
  const lbs = await os.loadBalancer.loadBalancers.list({ tags: [`berth-stack=${id}`] });
  const out: string[] = [];
  for (const lb of lbs)
    for (const pool of await os.loadBalancer.pools.list({ loadbalancer_id: lb.id }))
      for (const m of await os.loadBalancer.members(pool.id).list()) out.push(`${m.name}=${m.operating_status}`);
  return out.sort();
}

describe('replicas behind Octavia', () => {
  it("a load-balancer quota too small refuses up before anything is made, naming the quota (the demo project's, set by admin)", async (t) => {
    if (!octavia) return t.skip('no load-balancer service in the catalog');
    const demo = await connectAs('demo');
    const project = (await demo.session.getToken()).project!.id;
    const quota = `/lbaas/quotas/${project}`;
    await os.session.request('load-balancer', 'PUT', quota, { json: { quota: { load_balancer: 1 } } });
    try {
      const q = `${p}q`;
      const r = await berth(['up', ...argsFor('berth-demo', q), ...images('repl-a'), '--replicas', 'web=2,app=2']);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /quota too small, nothing was created:/);
      assert.match(r.stderr, /^ {2}load_balancer: needs 2, 1 free of 1 \(short by 1\)$/m);
      assert.deepEqual(await leftovers(demo, `${q}-board`), {});
      assert.deepEqual(await demo.loadBalancer.loadBalancers.list({ tags: [`berth-stack=${q}-board`] }), []);
    } finally {
      // Back to the defaults (Octavia's DELETE of a project's quota).
      await os.session.request('load-balancer', 'DELETE', quota);
      await demo.close();
    }
  });

  it('up of 2 web + 2 app replicas: the page answers through the floating IP on the VIP, every member ONLINE', async (t) => {
    if (!octavia) return t.skip('no load-balancer service in the catalog');
    const r = await berth(['up', ...common, ...images('repl-a'), '--replicas', 'web=2,app=2', '--ready-timeout', '1500']);
    assert.equal(r.code, 0, r.stderr);
    url = r.stdout.trim();
    assert.match(url, /^http:\/\/[\d.]+\/$/);
    // The floating IP is on the web load balancer's VIP, not on one of the web servers.
    const [web] = await os.loadBalancer.loadBalancers.list({ name: `${id}-web-lb` });
    const [fip] = await os.network.floatingIps.list({ floating_ip_address: new URL(url).hostname });
    assert.equal(fip?.port_id, web?.vip_port_id, 'the floating IP is on the VIP of the web load balancer');
    assert.deepEqual(await members(), [`${id}-app-2=ONLINE`, `${id}-app=ONLINE`, `${id}-web-2=ONLINE`, `${id}-web=ONLINE`]);
    const l = await getLoad(url, 5, 10);
    assert.deepEqual(l.failed, []);
  });

  it('a re-run with nothing changed makes no change', async (t) => {
    if (!octavia || !url) return t.skip('needs the deployment of the first test');
    const r = await berth(['up', ...common, ...images('repl-a'), '--replicas', 'web=2,app=2']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /nothing changed/);
  });

  it('a changed environment of web and app rolls their replicas one at a time: under ~20 GET/s and ~2 posts/s from the host no request fails, and every post answered 303 is stored once', async (t) => {
    if (!octavia || !url) return t.skip('needs the deployment of the first test');
    // dbs stays one server: a new image for it would be an outage, so only web and app change.
    const before = await serverIds();
    const up = berth(['up', ...common, ...images('repl-a'), '--stack', rolled, '--replicas', 'web=2,app=2', '--ready-timeout', '1500']);
    const [l, posts] = await Promise.all([getLoad(url, 20, 1800, up), postLoad(url, `${p} roll post 🚢`, 2, 1800, up)]);
    const r = await up;
    assert.equal(r.code, 0, r.stderr);
    assert.equal((r.stderr.match(/rolling update of/g) ?? []).length, 4, r.stderr);
    t.diagnostic(`${l.ok} GETs answered 200 and ${posts.stored.length} POSTs 303 during the rolling update`);
    assert.deepEqual(l.failed, []);
    assert.deepEqual(posts.failed, []);
    // Every post answered 303 is on the board exactly once; none is there twice.
    const counts = await countOnBoard(url, `${p} roll post 🚢`);
    assert.deepEqual(
      [...counts].filter(([, c]) => c !== 1),
      [],
      'posts stored more than once',
    );
    assert.deepEqual(
      posts.stored.filter((text) => counts.get(text) !== 1),
      [],
      'posts answered 303 but not on the board exactly once',
    );
    const after = await serverIds();
    for (const k of ['web', 'web-2', 'app', 'app-2']) assert.notEqual(after[`${id}-${k}`], before[`${id}-${k}`], `${k} replaced`);
    assert.equal(after[`${id}-dbs`], before[`${id}-dbs`], 'dbs kept');
  });

  it("an app server deleted behind berth's back: once its member is marked down no request fails, and the next up recreates it", async (t) => {
    if (!octavia || !url) return t.skip('needs the deployment of the first test');
    const lost = `${id}-app-2`;
    const before = await serverIds();
    await os.compute.servers.delete(before[lost]!);
    await waitFor(`member ${lost} marked down`, 180_000, async () => ((await members()).includes(`${lost}=ONLINE`) ? undefined : true), 2000);
    const l = await getLoad(url, 10, 15);
    assert.deepEqual(l.failed, [], 'with one app server gone');
    const r = await berth(['up', ...common, ...images('repl-a'), '--stack', rolled, '--replicas', 'web=2,app=2', '--ready-timeout', '1500']);
    assert.equal(r.code, 0, r.stderr);
    const after = await serverIds();
    assert.ok(after[lost] && after[lost] !== before[lost], `${lost} recreated`);
    assert.equal(after[`${id}-app`], before[`${id}-app`], 'the other app server kept');
    await waitFor('every member ONLINE again', 180_000, async () => ((await members()).every((m) => m.endsWith('=ONLINE')) ? true : undefined), 2000);
  });

  it('scaling web 2 -> 3 -> 1: the page answers throughout', async (t) => {
    if (!octavia || !url) return t.skip('needs the deployment of the first test');
    for (const n of [3, 1]) {
      const up = berth(['up', ...common, ...images('repl-a'), '--stack', rolled, '--replicas', `web=${n},app=2`, '--ready-timeout', '1500']);
      const l = await getLoad(url, 5, 1800, up);
      const r = await up;
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(l.failed, [], `while scaling web to ${n}`);
      url = r.stdout.trim();
    }
    const names = (await os.compute.servers.list({ tags: [`berth-stack=${id}`] })).map((s) => s.name).sort();
    assert.deepEqual(names, [`${id}-app`, `${id}-app-2`, `${id}-dbs`, `${id}-web`]);
    // At one server web keeps its load balancer: the floating IP stays on the VIP (moving it to the
    // server's port cut a kept-alive connection), one member left.
    const [web] = await os.loadBalancer.loadBalancers.list({ name: `${id}-web-lb` });
    const [fip] = await os.network.floatingIps.list({ floating_ip_address: new URL(url).hostname });
    assert.equal(fip?.port_id, web?.vip_port_id, 'the floating IP is still on the VIP of the web load balancer');
    assert.deepEqual(await members(), [`${id}-app-2=ONLINE`, `${id}-app=ONLINE`, `${id}-web=ONLINE`]);
  });

  it('down leaves no load balancer, port or server', async (t) => {
    if (!octavia) return t.skip('no load-balancer service in the catalog');
    const r = await berth(['down', '--target', 'openstack', '--cloud', CLOUD, '--prefix', p, '--allow-data-loss', '--volumes']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(await os.loadBalancer.loadBalancers.list({ tags: [`berth-stack=${id}`] }), []);
    assert.deepEqual(await leftovers(os, id), {});
  });
});
