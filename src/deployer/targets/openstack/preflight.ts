// Before anything is created: every name the deployment uses must exist (else the error lists
// the names near it) and the project's quotas must hold what the plan adds (else the error says
// which quota is short and by how much). Reads only.
import type { OpenStack } from '../../openstack/index.js';
import type { Flavor } from '../../openstack/compute/types.js';
import type { LbQuotas } from '../../openstack/load-balancer/types.js';
import { TargetError } from '../shared/errors.js';
import type { DesiredState } from './desired.js';
import type { Step } from './diff.js';
import type { OpenStackInputs } from './inputs.js';

export interface Resolved {
  externalNetworkId: string;
  externalNetworkName: string;
  imageId: string;
  flavors: Map<string, Flavor>;
}

const missing = (kind: string, name: string, near: string[], fix: string) =>
  new TargetError(`${kind} "${name}" not found${near.length ? `; near: ${near.join(', ')}` : ''}`, near.length ? `did you mean ${near[0]}? (${fix})` : fix);

export async function resolveNames(os: OpenStack, d: DesiredState, i: OpenStackInputs): Promise<Resolved> {
  const flavorNames = [...new Set(d.servers.map((s) => s.flavor))];
  const volumeType = d.volumes.find((v) => v.type)?.type;
  const [flavors, image, externals, keypair, zones, vtype] = await Promise.all([
    Promise.all(flavorNames.map(async (f) => [f, await os.compute.flavors.findNear(f)] as const)),
    os.image.images.findNear(i.image, { status: 'active' }),
    os.network.listExternalNetworks(),
    i.keyName ? os.compute.keypairs.findNear(i.keyName) : undefined,
    i.availabilityZone ? os.compute.availabilityZones.list() : undefined,
    volumeType ? os.blockStorage.types.findNear(volumeType) : undefined,
  ]);
  if (vtype && !vtype.item)
    throw missing(
      'volume type',
      volumeType!,
      vtype.near,
      "give one of the cloud's types with --volume-type (openstack volume type list), or leave it out for the default",
    );
  const out = new Map<string, Flavor>();
  for (const [name, found] of flavors) {
    if (!found.item) throw missing('flavor', name, found.near, 'set it with --flavor NAME or --flavor TIER=NAME; openstack flavor list shows them');
    out.set(name, found.item);
  }
  if (!image.item) throw missing('image', i.image, image.near, 'give an active image with cloud-init (and Docker) with --image');
  if (keypair && !keypair.item)
    throw missing(
      'key pair',
      i.keyName!,
      keypair.near,
      'import one (openstack keypair create --public-key ~/.ssh/id_ed25519.pub NAME) or leave --key-name out',
    );
  if (zones && !zones.some((z) => z.zoneName === i.availabilityZone && z.zoneState.available)) {
    throw new TargetError(
      `availability zone "${i.availabilityZone}" is not available`,
      `use one of: ${
        zones
          .filter((z) => z.zoneState.available)
          .map((z) => z.zoneName)
          .join(', ') || '(none)'
      }`,
    );
  }
  return { ...externalNetwork(externals, i.externalNetwork), imageId: image.item.id, flavors: out };
}

function externalNetwork(externals: { id: string; name: string }[], wanted?: string): { externalNetworkId: string; externalNetworkName: string } {
  if (externals.length === 0)
    throw new TargetError(
      'the cloud has no external network, so nothing can get a floating IP',
      "ask the cloud's admins for one (a network with router:external)",
    );
  const hit = wanted ? externals.find((n) => n.name === wanted || n.id === wanted) : externals.length === 1 ? externals[0] : undefined;
  if (!hit) {
    const names = externals.map((n) => n.name).join(', ');
    throw new TargetError(
      wanted ? `external network "${wanted}" not found` : `the cloud has ${externals.length} external networks`,
      `choose one with --external-network NAME (${names})`,
    );
  }
  return { externalNetworkId: hit.id, externalNetworkName: hit.name };
}

/** What the steps add, per quota name (Nova's and Neutron's own names). */
export function quotaNeeds(d: DesiredState, steps: Step[], r: Resolved): Record<string, number> {
  const adds = (kind: Step['kind']) => steps.filter((s) => s.kind === kind && (s.verb === 'create' || s.verb === 'replace'));
  const removes = (kind: Step['kind']) => steps.filter((s) => s.kind === kind && s.verb === 'delete').length;
  const newServers = adds('server').map((s) => d.servers.find((x) => x.name === s.name)!);
  const sum = (f: (fl: Flavor) => number) => newServers.reduce((n, s) => n + f(r.flavors.get(s.flavor)!), 0);
  // A replaced server is deleted before its successor boots: it frees what the new one takes.
  const freed = steps.filter((s) => s.kind === 'server' && s.verb === 'delete').length;
  const need: Record<string, number> = {
    instances: newServers.length - freed,
    cores: sum((f) => f.vcpus),
    ram: sum((f) => f.ram),
    network: adds('network').length,
    subnet: adds('subnet').length,
    router: adds('router').length,
    port: adds('port').length - removes('port'),
    floatingip: adds('floating-ip').length,
    security_group: adds('security-group').length,
    security_group_rule: adds('rule').length + adds('security-group').length * 2, // + Neutron's two default egress rules
    // Octavia's own quotas (the amphorae are the service project's servers, not the user's).
    load_balancer: adds('load-balancer').length - removes('load-balancer'),
    listener: adds('listener').length,
    pool: adds('pool').length,
    health_monitor: adds('health-monitor').length,
    member: adds('member').length - removes('member'),
    volumes: adds('volume').length,
    gigabytes: adds('volume').reduce((n, s) => n + (d.volumes.find((v) => v.name === s.name)?.size ?? 0), 0),
  };
  return Object.fromEntries(Object.entries(need).filter(([, n]) => n > 0));
}

export async function checkQuotas(os: OpenStack, need: Record<string, number>): Promise<void> {
  if (Object.keys(need).length === 0) return;
  const projectId = (await os.session.getToken()).project?.id;
  const volumes = need.volumes || need.gigabytes;
  const [limits, net, cinder] = await Promise.all([
    os.compute.limits.get(),
    projectId ? os.network.quotas.details(projectId) : Promise.resolve(undefined),
    projectId && volumes ? os.blockStorage.quotas.details(projectId) : Promise.resolve(undefined),
  ]);
  const free: Record<string, { limit: number; free: number }> = {
    instances: { limit: limits.maxTotalInstances, free: limits.maxTotalInstances - limits.totalInstancesUsed },
    cores: { limit: limits.maxTotalCores, free: limits.maxTotalCores - limits.totalCoresUsed },
    ram: { limit: limits.maxTotalRAMSize, free: limits.maxTotalRAMSize - limits.totalRAMUsed },
  };
  for (const [k, q] of Object.entries(net ?? {})) free[k] = { limit: q.limit, free: q.limit - q.used - (q.reserved ?? 0) };
  for (const k of ['volumes', 'gigabytes']) {
    const q = cinder?.[k];
    if (q) free[k] = { limit: q.limit, free: q.limit - q.in_use - (q.reserved ?? 0) };
  }
  if (projectId && LB_QUOTAS.some((k) => need[k])) Object.assign(free, await loadBalancerFree(os, projectId));
  const short = quotaShortages(need, free);
  if (short.length)
    throw new TargetError(
      `quota too small, nothing was created:\n  ${short.join('\n  ')}`,
      'free some (berth down, or berth down --all for every stack of your prefix), choose smaller flavors, or ask for more quota',
    );
}

const LB_QUOTAS = ['load_balancer', 'listener', 'pool', 'health_monitor', 'member'] as const;

/** Octavia's quotas and what the project uses of them (Octavia reports no usage: counted from the lists). */
async function loadBalancerFree(os: OpenStack, projectId: string): Promise<Record<string, { limit: number; free: number }>> {
  const lb = os.loadBalancer;
  const q = { project_id: projectId };
  const [limits, lbs, listeners, pools, monitors] = await Promise.all([
    lb.quotas(projectId),
    lb.loadBalancers.list(q),
    lb.listeners.list(q),
    lb.pools.list(q),
    lb.healthMonitors.list(q),
  ]);
  const members = (await Promise.all(pools.map((p) => lb.members(p.id).list()))).reduce((n, m) => n + m.length, 0);
  return lbQuotaFree(limits, { load_balancer: lbs.length, listener: listeners.length, pool: pools.length, health_monitor: monitors.length, member: members });
}

/** Free per load-balancer quota, as the others: limit less used (-1 stays unlimited). */
export function lbQuotaFree(limits: LbQuotas, used: LbQuotas): Record<string, { limit: number; free: number }> {
  return Object.fromEntries(LB_QUOTAS.map((k) => [k, { limit: limits[k], free: limits[k] - used[k] }]));
}

/** One line per quota that cannot hold what is needed: which, needed, free, short by how much. */
export function quotaShortages(need: Record<string, number>, free: Record<string, { limit: number; free: number }>): string[] {
  return Object.entries(need).flatMap(([k, n]) => {
    const q = free[k];
    if (!q || q.limit < 0 || q.free >= n) return [];
    const unit = k === 'ram' ? ' MB' : k === 'gigabytes' ? ' GiB' : '';
    return [`${k}: needs ${n}${unit}, ${Math.max(0, q.free)}${unit} free of ${q.limit} (short by ${n - Math.max(0, q.free)})`];
  });
}
