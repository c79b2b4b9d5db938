// The load-balancer half of `up` (Octavia in front of replicated services). Octavia changes a load
// balancer one thing at a time (it is immutable while PENDING_*), so every change here is followed
// by a wait for the load balancer to be ACTIVE again. Phases, in `up`'s order:
//   shells    load balancer, pool, listener, health monitor (while the servers boot);
//   drain     members of servers that go away: weight 0, a pause, removed (before the server goes);
//   roll      servers replaced one at a time: drained and removed, deleted, booted on the same
//             ports, waited for until their user-data says the stack is up, added back, ONLINE;
//   members   new replicas added once their user-data is done, each waited for until ONLINE;
//   remove    load balancers no longer planned, with everything under them (after the floating IP moved).
import { setTimeout as sleep } from 'node:timers/promises';
import type { Member } from '../../openstack/load-balancer/types.js';
import { TargetError } from '../shared/errors.js';
import { bootAndWait, type Booted } from './apply-servers.js';
import { ownedBody, stepsOf, type ApplyContext } from './context.js';
import type { DesiredLoadBalancer, DesiredServer } from './desired.js';
import type { Step } from './diff.js';
import { TAG } from './names.js';
import { deleteServers } from './remove.js';
import { followConsoles } from './wait.js';

/** How long a drained member (weight 0) keeps its requests in flight before it is removed. */
export const DRAIN_MS = 5000;
const LB_TIMEOUT_MS = 900_000;
const ONLINE_TIMEOUT_MS = 600_000;

/** What exists of each planned load balancer, by service (filled from what was read, then as made). */
export interface LbIds {
  id: string;
  vipPortId: string;
  poolId?: string;
}

export function knownLoadBalancers(c: ApplyContext): void {
  for (const s of c.steps.filter((x) => x.kind === 'load-balancer' && x.verb === 'keep')) {
    const x = c.o.loadBalancers?.find((l) => l.id === s.id);
    const pool = c.steps.find((p) => p.kind === 'pool' && p.verb === 'keep' && p.lb === s.lb);
    if (x) c.ids.lb.set(s.lb!, { id: x.id, vipPortId: x.vipPortId, ...(pool?.id ? { poolId: pool.id } : {}) });
  }
}

const active = (c: ApplyContext, lbId: string) => c.os.loadBalancer.loadBalancers.waitActive(lbId, { timeoutMs: LB_TIMEOUT_MS });

/** Load balancers to make (or remake), and the parts of kept ones that are missing. */
export async function applyShells(c: ApplyContext): Promise<void> {
  const lbc = c.os.loadBalancer;
  await Promise.all(
    c.d.loadBalancers.map(async (lb) => {
      const mine = c.steps.filter((s) => s.lb === lb.service);
      const make = mine.find((s) => s.kind === 'load-balancer' && (s.verb === 'create' || s.verb === 'replace'));
      if (make?.verb === 'replace') {
        c.progress.step(`deleting load balancer ${lb.name} (${make.why})`);
        await lbc.loadBalancers.deleteCascade(make.id!, { ignoreMissing: true });
        await lbc.loadBalancers.waitForDeleted(make.id!, { timeoutMs: LB_TIMEOUT_MS });
      }
      if (make) {
        c.progress.step(`creating load balancer ${lb.name} at ${lb.vip} on ${lb.network}-net (Octavia boots an amphora: minutes)`);
        const made = await lbc.loadBalancers.create({
          name: lb.name,
          ...ownedBody(c),
          vip_subnet_id: c.ids.subnet.get(lb.network)!,
          vip_address: lb.vip,
          tags: [...c.d.tags, TAG.tier(lb.service)],
        });
        const ready = await active(c, made.id);
        c.ids.lb.set(lb.service, { id: ready.id, vipPortId: ready.vip_port_id });
      } else if (mine.some((s) => s.verb !== 'keep')) {
        // One an interrupted run left PENDING_* takes no change until it is ACTIVE.
        await active(c, c.ids.lb.get(lb.service)!.id);
      }
      await applyParts(c, lb, mine);
    }),
  );
}

/** Pool (ROUND_ROBIN), listener (HTTP on the service's port), health monitor (GET /readyz): what is missing. */
async function applyParts(c: ApplyContext, lb: DesiredLoadBalancer, mine: Step[]): Promise<void> {
  const lbc = c.os.loadBalancer;
  const ids = c.ids.lb.get(lb.service)!;
  const want = (kind: Step['kind'], ...verbs: Step['verb'][]) => mine.filter((s) => s.kind === kind && verbs.includes(s.verb));
  for (const s of [...want('listener', 'delete'), ...want('pool', 'delete'), ...want('health-monitor', 'delete')]) {
    c.progress.step(`deleting ${s.kind} ${s.name} (${s.why})`);
    const res = s.kind === 'listener' ? lbc.listeners : s.kind === 'pool' ? lbc.pools : lbc.healthMonitors;
    await res.delete(s.id!, { ignoreMissing: true });
    await active(c, ids.id);
  }
  if (want('pool', 'create').length) {
    c.progress.step(`creating pool ${lb.pool} (ROUND_ROBIN)`);
    ids.poolId = (
      await lbc.pools.create({ name: lb.pool, ...ownedBody(c), protocol: 'HTTP', lb_algorithm: 'ROUND_ROBIN', loadbalancer_id: ids.id, tags: c.d.tags })
    ).id;
    await active(c, ids.id);
  }
  if (want('listener', 'create').length) {
    c.progress.step(`creating listener ${lb.listener} (HTTP ${lb.port})`);
    await lbc.listeners.create({
      name: lb.listener,
      ...ownedBody(c),
      loadbalancer_id: ids.id,
      protocol: 'HTTP',
      protocol_port: lb.port,
      default_pool_id: ids.poolId!,
      tags: c.d.tags,
    });
    await active(c, ids.id);
  }
  for (const s of want('listener', 'change')) {
    c.progress.step(`pointing listener ${s.name} at ${lb.pool}`);
    await lbc.listeners.update(s.id!, { default_pool_id: ids.poolId! });
    await active(c, ids.id);
  }
  if (want('health-monitor', 'create').length) {
    c.progress.step(`creating health monitor ${lb.monitor} (GET ${lb.healthPath})`);
    await lbc.healthMonitors.create({
      name: lb.monitor,
      pool_id: ids.poolId!,
      type: 'HTTP',
      delay: 3,
      timeout: 2,
      max_retries: 2,
      max_retries_down: 2,
      http_method: 'GET',
      url_path: lb.healthPath,
      expected_codes: '200',
      tags: c.d.tags,
    });
    await active(c, ids.id);
  }
}

/** Members of servers that go away (scaling down, a load balancer removed): drained, then removed. */
export async function drainLeaving(c: ApplyContext): Promise<void> {
  for (const s of stepsOf(c, 'member', 'delete')) {
    const lbId = c.o.loadBalancers?.find((l) => l.pools.some((p) => p.id === s.pool))?.id;
    if (lbId) await drainMember(c, lbId, s.pool!, s.id!, s.name);
  }
}

async function drainMember(c: ApplyContext, lbId: string, poolId: string, memberId: string, name: string): Promise<void> {
  const members = c.os.loadBalancer.members(poolId);
  c.progress.step(`draining ${name} (weight 0), then taking it out of the pool`);
  await members.update(memberId, { weight: 0 });
  await active(c, lbId);
  await sleep(DRAIN_MS);
  await members.delete(memberId, { ignoreMissing: true });
  await active(c, lbId);
}

/** Servers of a kept pool whose replacement was planned: one at a time, the others answering meanwhile. */
export async function rollServers(c: ApplyContext): Promise<Booted[]> {
  const out: Booted[] = [];
  for (const step of c.steps.filter((s) => s.kind === 'server' && s.verb === 'replace' && s.rolling)) {
    const server = c.d.servers.find((x) => x.name === step.name)!;
    const lb = c.d.loadBalancers.find((l) => l.members.some((m) => m.server === server.key))!;
    const ids = c.ids.lb.get(lb.service)!;
    const address = lb.members.find((m) => m.server === server.key)!.address;
    const old = c.o.loadBalancers
      ?.flatMap((l) => l.pools)
      .find((p) => p.id === ids.poolId)
      ?.members.find((m) => m.address === address);
    c.progress.step(`rolling update of ${server.name} (${step.why})`);
    if (old) await drainMember(c, ids.id, ids.poolId!, old.id, server.name);
    const doomed = c.steps.filter((s) => s.kind === 'server' && s.verb === 'delete' && s.rolling && s.name === step.name);
    await deleteServers(
      c.os,
      doomed.map((s) => ({ id: s.id!, name: s.name })),
      c.progress,
    );
    out.push(await addWhenUp(c, lb, server, await bootAndWait(c, server)));
  }
  return out;
}

/** New replicas, and drained ones (weight 0) of an interrupted run: in the pool once up. */
export async function applyMembers(c: ApplyContext, booted: Booted[]): Promise<void> {
  for (const lb of c.d.loadBalancers) {
    const ids = c.ids.lb.get(lb.service)!;
    for (const s of c.steps.filter((x) => x.kind === 'member' && x.lb === lb.service && x.verb === 'change')) {
      c.progress.step(`${s.name} back to weight 1`);
      await c.os.loadBalancer.members(ids.poolId!).update(s.id!, { weight: 1 });
      await active(c, ids.id);
    }
    for (const s of c.steps.filter((x) => x.kind === 'member' && x.lb === lb.service && x.verb === 'create')) {
      const server = c.d.servers.find((x) => x.key === s.server)!;
      const b = booted.find((x) => x.server.key === server.key);
      await addWhenUp(c, lb, server, b);
    }
  }
}

/** Waits for a just-booted server's user-data (its containers healthy), adds it, waits until ONLINE. */
async function addWhenUp(c: ApplyContext, lb: DesiredLoadBalancer, server: DesiredServer, b?: Booted): Promise<Booted> {
  const ids = c.ids.lb.get(lb.service)!;
  if (b) await followConsoles(c.os, [b], { timeoutMs: 900_000, silentMs: 600_000 }, c.progress);
  const m = lb.members.find((x) => x.server === server.key)!;
  c.progress.step(`adding ${server.name} (${m.address}:${lb.port}) to ${lb.pool}`);
  const members = c.os.loadBalancer.members(ids.poolId!);
  const made = await members.create({
    name: m.name,
    address: m.address,
    protocol_port: lb.port,
    subnet_id: c.ids.subnet.get(lb.network)!,
    weight: 1,
    tags: c.d.tags,
  });
  await active(c, ids.id);
  await waitOnline(c, ids.poolId!, made);
  return b ?? { server, id: '' };
}

/** Until the health monitor has seen the member answer (operating_status ONLINE). */
async function waitOnline(c: ApplyContext, poolId: string, m: Member): Promise<void> {
  const members = c.os.loadBalancer.members(poolId);
  const deadline = Date.now() + ONLINE_TIMEOUT_MS;
  for (let x = m; ; x = await members.get(m.id)) {
    if (x.operating_status === 'ONLINE') return c.progress.detail(`${m.name} is ONLINE`);
    if (Date.now() > deadline)
      throw new TargetError(
        `member ${m.name} (${m.address}:${m.protocol_port}) is ${x.operating_status}, not ONLINE, after ${ONLINE_TIMEOUT_MS / 1000} s: its health check does not answer`,
        `see the server's console: berth logs ${m.name} --target openstack; berth status --target openstack`,
      );
    await sleep(2000);
  }
}

/** Load balancers no longer planned: deleted with their listener, pool and members (cascade). */
export async function removeLoadBalancers(c: ApplyContext): Promise<void> {
  await Promise.all(
    stepsOf(c, 'load-balancer', 'delete').map(async (s) => {
      c.progress.step(`deleting load balancer ${s.name} (cascade)`);
      await c.os.loadBalancer.loadBalancers.deleteCascade(s.id!, { ignoreMissing: true });
      await c.os.loadBalancer.loadBalancers.waitForDeleted(s.id!, { timeoutMs: LB_TIMEOUT_MS });
    }),
  );
}
