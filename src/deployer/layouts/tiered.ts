// The `tiered` layout: the cloud topology (one host per tier) on networks. Three networks: dmz
// (reachable from outside), app and dbs (internal). web joins dmz+app, app joins dmz+app+dbs,
// dbs joins dmz+dbs. Every service has a fixed address on each of its networks, and reaches a peer
// only at the peer's address on a private network they share: web -> app over `app`, app -> dbs
// over `dbs`. A service with listenEnv listens only on its own tier network (dbs: not on dmz),
// so web, which shares only dmz with dbs, cannot open a connection to dbs.
import { entryService, startOrder, StackError } from '../stack/graph.js';
import type { StackSpec } from '../stack/schema.js';
import { healthOf, portsOf, resolvedEnv, secretFilesOf } from './common.js';
import { hostAt } from './ipv4.js';
import { peerEnv, type LayoutOptions, type NetworkPlan, type Plan, type ServicePlan } from './plan.js';

type Tier = 'web' | 'app' | 'dbs';
export type TieredNetwork = 'dmz' | 'app' | 'dbs';

/** Which networks each tier's hosts join; the first is the tier's own network. */
export const TIER_NETWORKS: Record<Tier, TieredNetwork[]> = { web: ['dmz', 'app'], app: ['app', 'dmz', 'dbs'], dbs: ['dbs', 'dmz'] };
export const TIERED_NETWORKS = [
  { key: 'dmz', octet: 1, internal: false },
  { key: 'app', octet: 2, internal: true },
  { key: 'dbs', octet: 3, internal: true },
] as const;
/** Host part of each tier's first address (.10 web, .20 app, .30 dbs; more replicas follow). */
const TIER_HOST: Record<Tier, number> = { web: 10, app: 20, dbs: 30 };

export function planTiered(stack: StackSpec, opts: LayoutOptions): Plan {
  const subnets = tieredSubnets(opts);
  const networks: NetworkPlan[] = TIERED_NETWORKS.map((n) => ({
    key: n.key,
    internal: n.internal,
    subnet: subnets[n.key],
    gateway: hostAt(subnets[n.key], 1),
  }));
  const addrs = assignAddresses(stack, subnets);
  const services = startOrder(stack).map((svc) => planService(stack, svc, addrs, opts));
  const entry = entryService(stack);
  return { layout: 'tiered', wiring: 'addresses', networks, services, ...(entry ? { entry } : {}) };
}

/** Each network's CIDR: given ones (the cloud's dmz-net 192.168.0.0/24, ...), else P.1.0/24 dmz, P.2.0/24 app, P.3.0/24 dbs. */
export function tieredSubnets(opts: LayoutOptions): Record<TieredNetwork, string> {
  const prefix = opts.tieredPrefix ?? '172.30';
  const out = {} as Record<TieredNetwork, string>;
  for (const n of TIERED_NETWORKS) out[n.key] = opts.tieredSubnets?.[n.key] ?? `${prefix}.${n.octet}.0/24`;
  return out;
}

/** service -> network -> address. */
function assignAddresses(stack: StackSpec, subnets: Record<TieredNetwork, string>): Map<string, Map<string, string>> {
  const used: Record<Tier, number> = { web: 0, app: 0, dbs: 0 };
  const out = new Map<string, Map<string, string>>();
  for (const [svc, spec] of Object.entries(stack.services).sort(([a], [b]) => a.localeCompare(b))) {
    if (!spec.tier)
      throw new StackError(`the tiered layout needs a tier (web, app or dbs) for service ${svc} (tier: in berth's format, x-berth-tier: in compose)`);
    const host = TIER_HOST[spec.tier] + used[spec.tier]++;
    out.set(svc, new Map(TIER_NETWORKS[spec.tier].map((net) => [net, hostAt(subnets[net], host)])));
  }
  return out;
}

/** The peer's address on a private network both join (never dmz); a replicated peer's virtual IP there. */
function peerAddress(stack: StackSpec, from: string, to: string, addrs: Map<string, Map<string, string>>, opts: LayoutOptions): string {
  const mine = addrs.get(from)!;
  const theirs = addrs.get(to)!;
  const shared = [...theirs.keys()].filter((n) => n !== 'dmz' && mine.has(n));
  if (shared.length === 0) {
    throw new StackError(
      `in the tiered layout ${from} (tier ${stack.services[from]!.tier}) has no private network with ${to} (tier ${stack.services[to]!.tier})`,
    );
  }
  // A replicated peer is called at its load balancer's address on that network.
  return opts.virtualIps?.[to]?.[shared[0] as TieredNetwork] ?? theirs.get(shared[0]!)!;
}

function planService(stack: StackSpec, svc: string, addrs: Map<string, Map<string, string>>, opts: LayoutOptions): ServicePlan {
  const spec = stack.services[svc]!;
  const env = resolvedEnv(spec, opts.secrets);
  for (const t of spec.talksTo) if (t.port) Object.assign(env, peerEnv(t.as ?? t.service, t.port, peerAddress(stack, svc, t.service, addrs, opts)));
  const mine = addrs.get(svc)!;
  if (spec.listenEnv) env[spec.listenEnv] = mine.get(TIER_NETWORKS[spec.tier!][0]!)!;
  return {
    service: svc,
    image: opts.imageOf(svc),
    ...(spec.command ? { command: spec.command } : {}),
    env,
    attachments: [...mine].map(([network, ipv4]) => ({ network, aliases: [], ipv4 })),
    links: [],
    ports: portsOf(stack, svc, opts),
    volumes: spec.volumes,
    secretFiles: secretFilesOf(spec),
    ...healthOf(spec),
  };
}
