// The diff between the desired state and what exists: one step per resource, create / change /
// replace / delete / keep. `berth plan` prints it, `up` carries it out (apply.ts) and a diff of
// only keeps is an `up` that makes no mutating call at all. Owned (tagged) resources that the
// desired state no longer has are deleted; anything not owned is never changed or deleted, at
// most reused by name (a network or router someone made beforehand).
import type { DesiredState, DesiredGroup, DesiredLoadBalancer, DesiredPort, DesiredServer } from './desired.js';
import { META } from './names.js';
import type { Observed, ObservedGroup, ObservedLoadBalancer, ObservedPort, ObservedRule, ObservedServer } from './observed.js';
import { ruleKey, type RuleSpec } from './rules.js';

export type Verb = 'create' | 'change' | 'replace' | 'delete' | 'keep';
export type Kind =
  | 'network'
  | 'subnet'
  | 'router'
  | 'router-gateway'
  | 'router-interface'
  | 'security-group'
  | 'rule'
  | 'port'
  | 'server'
  | 'floating-ip'
  | 'tags'
  | 'volume'
  | 'attachment'
  | 'load-balancer'
  | 'listener'
  | 'pool'
  | 'health-monitor'
  | 'member';

export interface Step {
  verb: Verb;
  kind: Kind;
  name: string;
  /** Why a change or replace (shown by `plan`). */
  why?: string;
  /** The existing resource's id (change, replace, delete, keep). */
  id?: string;
  /** For tags: which Neutron collection the resource is in. */
  collection?: 'networks' | 'subnets' | 'routers' | 'securityGroups' | 'ports' | 'floatingIps';
  /** For rules: the group (desired key) and rule; for router interfaces: the network key. */
  group?: string;
  rule?: RuleSpec;
  network?: string;
  /** For attachments: the server (id when it exists; the desired key of one to boot). */
  serverId?: string;
  server?: string;
  /** What carrying out this step deletes for good (data on a server's disk, a volume). */
  loses?: string;
  /** Load-balancer steps: the replicated service (a planned one), and the pool (its id, when it exists). */
  lb?: string;
  pool?: string;
  /** A server of a kept load balancer's pool replaced one at a time (drained, deleted, booted, added back). */
  rolling?: boolean;
}

export class DiffConflict extends Error {}

export function diff(d: DesiredState, o: Observed, externalNetworkId: string | undefined): Step[] {
  return [
    ...networkSteps(d, o),
    ...routerSteps(d, o, externalNetworkId),
    ...d.groups.flatMap((g) => groupSteps(g, d, o)),
    ...portSteps(d, o),
    ...serverSteps(d, o),
    ...loadBalancerSteps(d, o),
    ...floatingIpSteps(d, o),
    ...volumeSteps(d, o),
    ...leftoverSteps(d, o),
    ...tagSteps(o),
  ].map((s) => markLoss(s, d, o));
}

/** The steps that delete data for good: `up` and `down` stop before them unless told to go on. */
export const dataLosingSteps = (steps: Step[]): Step[] => steps.filter((s) => s.loses);

/**
 * The stack volumes a server keeps on its own disk: as it recorded at boot, or, for a server from
 * before berth kept volumes (no record), every stack volume of the services of its tier.
 */
export function diskDataOf(x: ObservedServer, d: Pick<DesiredState, 'data'>): string[] {
  const recorded = x.metadata[META.diskData];
  if (recorded !== undefined) return recorded === '-' || recorded === '' ? [] : recorded.split(',');
  const tier = x.metadata[META.tier];
  return d.data.filter((v) => tier === 'all' || v.tier === tier).map((v) => v.key);
}

/** A server deleted with data on its disk loses it; so does a deleted volume. */
function markLoss(s: Step, d: DesiredState, o: Observed): Step {
  if (s.verb !== 'delete') return s;
  if (s.kind === 'volume') return { ...s, loses: `everything on volume ${s.name}` };
  if (s.kind !== 'server') return s;
  const x = o.servers.find((v) => v.id === s.id);
  const lost = x ? diskDataOf(x, d) : [];
  return lost.length ? { ...s, loses: `${lost.join(', ')} (on the server's own disk, no volume)` } : s;
}

/**
 * Each stack volume: kept when it exists (berth never resizes or deletes one in `up`), else
 * created; attached to the server that runs its service, after being detached from any other
 * server of the stack (a replaced server, the other layout's). Volumes the plan no longer has
 * are kept and said so.
 */
function volumeSteps(d: DesiredState, o: Observed): Step[] {
  const vols = o.volumes ?? [];
  const steps: Step[] = [];
  for (const v of d.volumes) {
    const server = d.servers.find((x) => x.key === v.server)!;
    const kept = serverDecision(server, d, o).keep;
    const same = vols
      .filter((x) => x.name === v.name)
      .sort((a, b) => b.serverIds.length - a.serverIds.length || (a.created ?? '').localeCompare(b.created ?? ''));
    const pick = same[0];
    if (!pick)
      steps.push({ verb: 'create', kind: 'volume', name: v.name, why: `${v.size} GiB${v.type ? `, type ${v.type}` : ''}, for ${v.service} ${v.path}` });
    else
      steps.push({
        verb: 'keep',
        kind: 'volume',
        name: v.name,
        id: pick.id,
        why: `${pick.size} GiB${pick.size !== v.size ? ` (asked ${v.size}: berth does not resize a volume)` : ''}`,
      });
    for (const x of same.slice(1))
      steps.push({ verb: 'keep', kind: 'volume', name: v.name, id: x.id, why: 'a second volume of this name: not used, not deleted' });
    for (const sid of pick?.serverIds ?? []) {
      if (sid === kept?.id) continue;
      const holder = o.servers.find((x) => x.id === sid);
      if (!holder)
        throw new DiffConflict(
          `volume ${v.name} is attached to server ${sid}, which is not part of ${d.id}: detach it first (openstack server remove volume ${sid} ${pick!.id})`,
        );
      steps.push({ verb: 'delete', kind: 'attachment', name: `${v.name} on ${holder.name}`, id: pick!.id, serverId: sid, why: `it moves to ${server.name}` });
    }
    const on = `${v.name} on ${server.name}`;
    steps.push(
      kept && pick?.serverIds.includes(kept.id)
        ? { verb: 'keep', kind: 'attachment', name: on, id: pick.id, serverId: kept.id }
        : { verb: 'create', kind: 'attachment', name: on, server: v.server, ...(pick ? { id: pick.id } : {}), ...(kept ? { serverId: kept.id } : {}) },
    );
  }
  for (const x of vols)
    if (!d.volumes.some((v) => v.name === x.name))
      steps.push({ verb: 'keep', kind: 'volume', name: x.name, id: x.id, why: 'not in the plan: kept with its data (berth down --volumes deletes it)' });
  return steps;
}

/** Ours (by description) but without tags: a run stopped between the create and the tagging. */
function tagSteps(o: Observed): Step[] {
  const untagged = (
    collection: NonNullable<Step['collection']>,
    xs: { id: string; name?: string; address?: string; owned: boolean; tagged?: boolean }[],
  ): Step[] =>
    xs
      .filter((x) => x.owned && !x.tagged)
      .map((x) => ({ verb: 'change', kind: 'tags', name: x.name ?? x.address ?? x.id, id: x.id, collection, why: "set the stack's tags" }));
  return [
    ...untagged('networks', o.networks),
    ...untagged(
      'subnets',
      o.networks.flatMap((n) => n.subnets),
    ),
    ...untagged('routers', o.routers),
    ...untagged('securityGroups', o.groups),
    ...untagged('ports', o.ports),
    ...untagged('floatingIps', o.floatingIps),
  ];
}

function networkSteps(d: DesiredState, o: Observed): Step[] {
  return d.networks.flatMap((n) => {
    const net = o.networks.find((x) => x.name === n.name);
    if (!net)
      return [
        { verb: 'create', kind: 'network', name: n.name },
        { verb: 'create', kind: 'subnet', name: n.subnetName, why: n.cidr },
      ];
    const sub = net.subnets.find((s) => s.cidr === n.cidr);
    const named = net.subnets.find((s) => s.name === n.subnetName);
    if (!sub && named)
      throw new DiffConflict(
        `subnet ${named.name} is ${named.cidr}, not ${n.cidr}: berth does not renumber a network in use (remove the stack with berth down first, or keep ${named.cidr} with --network ${n.key}=${named.cidr})`,
      );
    return [
      { verb: 'keep', kind: 'network', name: n.name, id: net.id, ...(net.owned ? {} : { why: 'reused (not made by berth)' }) },
      sub ? { verb: 'keep', kind: 'subnet', name: sub.name, id: sub.id, why: sub.cidr } : { verb: 'create', kind: 'subnet', name: n.subnetName, why: n.cidr },
    ] as Step[];
  });
}

function routerSteps(d: DesiredState, o: Observed, ext: string | undefined): Step[] {
  const r = o.routers.find((x) => x.name === d.router.name);
  const steps: Step[] = [r ? { verb: 'keep', kind: 'router', name: r.name, id: r.id } : { verb: 'create', kind: 'router', name: d.router.name }];
  if (ext && r && r.externalNetworkId !== ext)
    steps.push({ verb: 'change', kind: 'router-gateway', name: r.name, id: r.id, why: 'gateway to the external network' });
  for (const key of d.router.subnets) {
    const net = d.networks.find((n) => n.key === key)!;
    const sub = o.networks.find((x) => x.name === net.name)?.subnets.find((s) => s.cidr === net.cidr);
    const attached = r && sub && r.subnetIds.includes(sub.id);
    steps.push({ verb: attached ? 'keep' : 'create', kind: 'router-interface', name: `${d.router.name}:${net.subnetName}`, network: key });
  }
  return steps;
}

/** Our rules only ever are ingress IPv4 TCP rules; egress and the rest are Neutron's defaults. */
export function observedRuleKey(r: ObservedRule, groupKeyOf: (id: string) => string | undefined): string | undefined {
  if (r.direction !== 'ingress') return undefined;
  const from = r.remoteGroupId ? `group:${groupKeyOf(r.remoteGroupId) ?? r.remoteGroupId}` : (r.remoteCidr ?? (r.ethertype === 'IPv6' ? '::/0' : '0.0.0.0/0'));
  const port = r.portMin === r.portMax && r.portMin ? String(r.portMin) : `${r.portMin ?? '*'}-${r.portMax ?? '*'}`;
  return `${r.protocol ?? 'any'}/${port}/${from}`;
}

export const groupOf = (d: DesiredState, o: Observed, key: string): ObservedGroup | undefined => {
  const name = d.groups.find((g) => g.key === key)?.name;
  const all = o.groups.filter((g) => g.name === name);
  return all.find((g) => g.owned) ?? all[0];
};

function groupSteps(g: DesiredGroup, d: DesiredState, o: Observed): Step[] {
  const sg = groupOf(d, o, g.key);
  const keyOf = (id: string) => d.groups.find((x) => groupOf(d, o, x.key)?.id === id)?.key;
  const have = new Map(
    (sg?.rules ?? []).flatMap((r) => {
      const k = observedRuleKey(r, keyOf);
      return k ? [[k, r] as const] : [];
    }),
  );
  const want = new Map(g.rules.map((r) => [ruleKey(r), r]));
  const steps: Step[] = [sg ? { verb: 'keep', kind: 'security-group', name: g.name, id: sg.id } : { verb: 'create', kind: 'security-group', name: g.name }];
  for (const [k, r] of want)
    steps.push(
      have.has(k)
        ? { verb: 'keep', kind: 'rule', name: `${g.name}:${k}`, id: have.get(k)!.id, group: g.key, rule: r }
        : { verb: 'create', kind: 'rule', name: `${g.name}:${k}`, group: g.key, rule: r },
    );
  for (const [k, r] of have)
    if (!want.has(k)) steps.push({ verb: 'delete', kind: 'rule', name: `${g.name}:${k}`, id: r.id, group: g.key, why: 'not derived from the stack' });
  return steps;
}

/** Why an existing port cannot stay as the plan's port (undefined: it fits). */
function portMismatch(p: DesiredPort, x: ObservedPort, d: DesiredState, o: Observed): string | undefined {
  const net = o.networks.find((n) => n.name === d.networks.find((y) => y.key === p.network)!.name);
  if (!net || x.networkId !== net.id) return `not on ${p.network}-net`;
  if (x.ips.length !== 1 || x.ips[0] !== p.ip) return `address ${x.ips.join(',') || 'none'}, planned ${p.ip}`;
  if (x.mac.toLowerCase() !== p.mac) return `MAC ${x.mac}, planned ${p.mac}`;
  return undefined;
}

export function portDecision(p: DesiredPort, d: DesiredState, o: Observed): { keep?: ObservedPort; why?: string; extra: ObservedPort[] } {
  const same = o.ports.filter((x) => x.name === p.name && x.owned);
  const fits = same.find((x) => !portMismatch(p, x, d, o));
  return { ...(fits ? { keep: fits } : {}), ...(same[0] && !fits ? { why: portMismatch(p, same[0], d, o) } : {}), extra: same.filter((x) => x !== fits) };
}

function portSteps(d: DesiredState, o: Observed): Step[] {
  return d.ports.flatMap((p) => {
    const { keep, why, extra } = portDecision(p, d, o);
    const steps: Step[] = extra.map((x) => ({ verb: 'delete', kind: 'port', name: p.name, id: x.id, why: why ?? 'a duplicate' }));
    if (!keep) steps.push({ verb: 'create', kind: 'port', name: p.name, why: `${p.ip} on ${p.network}-net` });
    else {
      const sg = groupOf(d, o, p.group);
      const groupsFit = sg && keep.groupIds.length === 1 && keep.groupIds[0] === sg.id;
      steps.push(
        groupsFit
          ? { verb: 'keep', kind: 'port', name: p.name, id: keep.id, why: p.ip }
          : { verb: 'change', kind: 'port', name: p.name, id: keep.id, why: 'security group' },
      );
    }
    return steps;
  });
}

export function serverDecision(s: DesiredServer, d: DesiredState, o: Observed): { keep?: ObservedServer; why?: string; extra: ObservedServer[] } {
  const same = o.servers.filter((x) => x.name === s.name && !/DELETED/.test(x.status));
  const ports = s.ports.map(
    (name) =>
      portDecision(
        d.ports.find((p) => p.name === name)!,
        d,
        o,
      ).keep,
  );
  const why = (x: ObservedServer): string | undefined => {
    if (x.status === 'ERROR') return `in ERROR${x.fault ? ` (${x.fault})` : ''}`;
    if (x.metadata[META.hash] !== s.hash) return 'what it runs changed (image, environment, flavor, ...)';
    // A server still building may not have bound its ports yet (an `up` stopped right after the boot).
    if (ports.some((p) => !p || (p.deviceId !== x.id && !(p.deviceId === '' && x.status === 'BUILD')))) return 'its ports are replaced';
    return undefined;
  };
  const fits = same.find((x) => !why(x));
  return { ...(fits ? { keep: fits } : {}), ...(same[0] && !fits ? { why: why(same[0]) } : {}), extra: same.filter((x) => x !== fits) };
}

function serverSteps(d: DesiredState, o: Observed): Step[] {
  return d.servers.flatMap((s) => {
    const { keep, why, extra } = serverDecision(s, d, o);
    // In the pool of a load balancer that stays: replaced one at a time, the others answering.
    const rolling = !keep && extra.length > 0 && d.loadBalancers.some((lb) => lb.members.some((m) => m.server === s.key) && keptLoadBalancer(lb, d, o));
    const steps: Step[] = extra.map((x) => ({
      verb: 'delete',
      kind: 'server',
      name: s.name,
      id: x.id,
      why: why ?? 'a duplicate',
      ...(rolling ? { rolling } : {}),
    }));
    if (keep?.status === 'SHUTOFF') steps.push({ verb: 'change', kind: 'server', name: s.name, id: keep.id, why: 'stopped: it is started' });
    else
      steps.push(
        keep
          ? { verb: 'keep', kind: 'server', name: s.name, id: keep.id }
          : { verb: extra.length ? 'replace' : 'create', kind: 'server', name: s.name, ...(why ? { why } : {}), ...(rolling ? { rolling } : {}) },
      );
    return steps;
  });
}

function floatingIpSteps(d: DesiredState, o: Observed): Step[] {
  const lb = d.loadBalancers.find((l) => l.service === d.floatingIp.loadBalancer);
  const target = lb
    ? keptLoadBalancer(lb, d, o)?.vipPortId
    : portDecision(
        d.ports.find((p) => p.name === d.floatingIp.port)!,
        d,
        o,
      ).keep?.id;
  const owned = o.floatingIps.filter((f) => f.owned);
  const on = target ? owned.find((f) => f.portId === target) : undefined;
  const spare = on ?? owned.find((f) => !f.portId) ?? owned[0];
  const steps: Step[] = [];
  const to = lb ? `the VIP of ${lb.name}` : "the entry's port";
  if (on) steps.push({ verb: 'keep', kind: 'floating-ip', name: d.floatingIp.name, id: on.id, why: on.address });
  else if (spare) steps.push({ verb: 'change', kind: 'floating-ip', name: d.floatingIp.name, id: spare.id, why: `${spare.address} to ${to}` });
  else steps.push({ verb: 'create', kind: 'floating-ip', name: d.floatingIp.name });
  for (const f of owned) if (f !== spare) steps.push({ verb: 'delete', kind: 'floating-ip', name: f.address, id: f.id, why: 'a second floating IP' });
  return steps;
}

/** Owned resources the desired state does not have (another layout, a renamed stack part). */
function leftoverSteps(d: DesiredState, o: Observed): Step[] {
  const servers = new Set(d.servers.map((s) => s.name));
  const ports = new Set(d.ports.map((p) => p.name));
  const groups = new Set(d.groups.map((g) => g.name));
  const nets = new Set(d.networks.map((n) => n.name));
  const subnets = new Set(d.networks.map((n) => n.subnetName));
  const steps: Step[] = [];
  for (const s of o.servers) if (!servers.has(s.name)) steps.push({ verb: 'delete', kind: 'server', name: s.name, id: s.id, why: 'not in the plan' });
  for (const p of o.ports) if (p.owned && !ports.has(p.name)) steps.push({ verb: 'delete', kind: 'port', name: p.name, id: p.id, why: 'not in the plan' });
  for (const g of o.groups)
    if (g.owned && !groups.has(g.name)) steps.push({ verb: 'delete', kind: 'security-group', name: g.name, id: g.id, why: 'not in the plan' });
  for (const n of o.networks) {
    for (const s of n.subnets)
      if (s.owned && !subnets.has(s.name)) steps.push({ verb: 'delete', kind: 'subnet', name: s.name, id: s.id, network: n.id, why: 'not in the plan' });
    if (n.owned && !nets.has(n.name)) steps.push({ verb: 'delete', kind: 'network', name: n.name, id: n.id, why: 'not in the plan' });
  }
  for (const r of o.routers)
    if (r.owned && r.name !== d.router.name) steps.push({ verb: 'delete', kind: 'router', name: r.name, id: r.id, why: 'not in the plan' });
  return steps;
}

export const mutating = (steps: Step[]) => steps.filter((s) => s.verb !== 'keep');

/** The load balancer that exists for a planned one and can stay (ACTIVE or busy, its VIP as planned). */
export function keptLoadBalancer(lb: DesiredLoadBalancer, d: DesiredState, o: Observed): ObservedLoadBalancer | undefined {
  const x = (o.loadBalancers ?? []).find((l) => l.name === lb.name);
  return x && !loadBalancerMismatch(lb, x, d, o) ? x : undefined;
}

function loadBalancerMismatch(lb: DesiredLoadBalancer, x: ObservedLoadBalancer, d: DesiredState, o: Observed): string | undefined {
  if (x.status === 'ERROR') return 'in ERROR';
  if (x.vipAddress !== lb.vip) return `VIP ${x.vipAddress}, planned ${lb.vip}`;
  const net = d.networks.find((n) => n.key === lb.network)!;
  const subnet = o.networks.find((n) => n.name === net.name)?.subnets.find((s) => s.cidr === net.cidr);
  if (subnet && x.vipSubnetId !== subnet.id) return `its VIP is not on ${net.subnetName}`;
  return undefined;
}

/**
 * Load balancers of replicated services: each with its listener, pool, health monitor and one
 * member per replica; a member's server replaced one at a time is left to the rolling update.
 * One the plan no longer has (a service back to one server) is deleted with everything under it,
 * after the members of servers that go away are drained.
 */
function loadBalancerSteps(d: DesiredState, o: Observed): Step[] {
  const seen = o.loadBalancers ?? [];
  const steps: Step[] = [];
  for (const lb of d.loadBalancers) {
    const x = seen.find((l) => l.name === lb.name);
    const bad = x && loadBalancerMismatch(lb, x, d, o);
    if (!x || bad) {
      steps.push(
        x
          ? { verb: 'replace', kind: 'load-balancer', name: lb.name, id: x.id, why: bad!, lb: lb.service }
          : { verb: 'create', kind: 'load-balancer', name: lb.name, why: `${lb.vip} on ${lb.network}-net`, lb: lb.service },
        { verb: 'create', kind: 'listener', name: lb.listener, why: `HTTP ${lb.port}`, lb: lb.service },
        { verb: 'create', kind: 'pool', name: lb.pool, why: 'ROUND_ROBIN', lb: lb.service },
        { verb: 'create', kind: 'health-monitor', name: lb.monitor, why: `GET ${lb.healthPath}`, lb: lb.service },
        ...lb.members.map((m): Step => ({ verb: 'create', kind: 'member', name: m.name, why: `${m.address}:${lb.port}`, lb: lb.service, server: m.server })),
      );
      continue;
    }
    steps.push({ verb: 'keep', kind: 'load-balancer', name: lb.name, id: x.id, why: x.vipAddress, lb: lb.service });
    steps.push(...partSteps(lb, x, d, o));
  }
  for (const x of seen) {
    if (d.loadBalancers.some((lb) => lb.name === x.name)) continue;
    const servers = new Set(d.servers.map((s) => s.ports.map((p) => d.ports.find((y) => y.name === p)!.ip)).flat());
    for (const p of x.pools)
      for (const m of p.members)
        if (!servers.has(m.address))
          steps.push({ verb: 'delete', kind: 'member', name: m.name || m.address, id: m.id, pool: p.id, why: 'its server goes away: drained first' });
    steps.push({
      verb: 'delete',
      kind: 'load-balancer',
      name: x.name,
      id: x.id,
      why: 'not in the plan (one server left): with its listener, pool and members',
    });
  }
  return steps;
}

/** Listener, pool, monitor and members of a load balancer that stays. */
function partSteps(lb: DesiredLoadBalancer, x: ObservedLoadBalancer, d: DesiredState, o: Observed): Step[] {
  const steps: Step[] = [];
  const on = { lb: lb.service };
  const listener = x.listeners.find((l) => l.name === lb.listener && l.port === lb.port);
  const pool = x.pools.find((p) => p.name === lb.pool && p.algorithm === 'ROUND_ROBIN');
  for (const l of x.listeners) if (l !== listener) steps.push({ verb: 'delete', kind: 'listener', name: l.name, id: l.id, why: 'not in the plan', ...on });
  for (const p of x.pools) if (p !== pool) steps.push({ verb: 'delete', kind: 'pool', name: p.name, id: p.id, why: 'not in the plan', ...on });
  steps.push(
    pool
      ? { verb: 'keep', kind: 'pool', name: lb.pool, id: pool.id, pool: pool.id, ...on }
      : { verb: 'create', kind: 'pool', name: lb.pool, why: 'ROUND_ROBIN', ...on },
    listener?.poolId && listener.poolId === pool?.id
      ? { verb: 'keep', kind: 'listener', name: lb.listener, id: listener.id, ...on }
      : listener
        ? { verb: 'change', kind: 'listener', name: lb.listener, id: listener.id, why: 'its pool', ...on }
        : { verb: 'create', kind: 'listener', name: lb.listener, why: `HTTP ${lb.port}`, ...on },
  );
  const monitor = pool?.monitor;
  if (monitor && monitor.urlPath !== lb.healthPath)
    steps.push({ verb: 'delete', kind: 'health-monitor', name: monitor.name, id: monitor.id, why: `checks ${monitor.urlPath}`, ...on });
  steps.push(
    monitor && monitor.urlPath === lb.healthPath
      ? { verb: 'keep', kind: 'health-monitor', name: lb.monitor, id: monitor.id, ...on }
      : { verb: 'create', kind: 'health-monitor', name: lb.monitor, why: `GET ${lb.healthPath}`, ...on },
  );
  const rolled = new Set(d.servers.filter((s) => !serverDecision(s, d, o).keep && serverDecision(s, d, o).extra.length).map((s) => s.key));
  for (const m of lb.members) {
    const have = pool?.members.find((y) => y.address === m.address && y.port === lb.port);
    const p = pool ? { pool: pool.id } : {};
    if (rolled.has(m.server)) continue; // the rolling update takes it out and puts it back
    if (!have) steps.push({ verb: 'create', kind: 'member', name: m.name, why: `${m.address}:${lb.port}`, server: m.server, ...p, ...on });
    else if (have.weight === 0)
      steps.push({ verb: 'change', kind: 'member', name: m.name, id: have.id, why: 'drained: weight back to 1', server: m.server, ...p, ...on });
    else steps.push({ verb: 'keep', kind: 'member', name: m.name, id: have.id, why: have.operating, ...p, ...on });
  }
  for (const y of pool?.members ?? [])
    if (!lb.members.some((m) => m.address === y.address && y.port === lb.port))
      steps.push({ verb: 'delete', kind: 'member', name: y.name || y.address, id: y.id, pool: pool!.id, why: 'its server goes away: drained first', ...on });
  return steps;
}
