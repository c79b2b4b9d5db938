// `berth down --target openstack`: everything of one stack (or, with --all, of every stack of the
// prefix, like the original's per-student cleanup) found by its tag, or by the description berth
// gives at creation (a leftover of a run stopped before tagging), deleted in dependency order.
// Nothing untagged and undescribed is touched; a second run finds nothing and does nothing.
// Cinder volumes are kept (the next `up` attaches them again) unless --volumes; a server that
// keeps data on its own disk, or a volume to delete, stops `down` unless the user allowed it.
import type { OpenStack } from '../../openstack/index.js';
import type { TaggedResource } from '../../openstack/resource.js';
import type { Progress } from '../shared/progress.js';
import type { StackData } from './desired.js';
import { diskDataOf, type Step } from './diff.js';
import { META, ownerDescription, TAG } from './names.js';
import type { ObservedServer } from './observed.js';
import { mayHaveLoadBalancers, observedServer } from './read.js';
import { guardDataLoss } from './data-loss.js';
import { TargetError } from '../shared/errors.js';
import { deleteNetworking, deleteServers, doomedCount, type Doomed } from './remove.js';

export type Scope = { stack: string } | { prefix: string };

interface Item {
  id: string;
  name?: string;
  floating_ip_address?: string;
  tags?: string[];
  description?: string;
}

const DESCRIBED = /^berth stack (\S+)$/;

async function ours<T extends Item>(res: Pick<TaggedResource<T>, 'list'>, scope: Scope): Promise<{ id: string; name: string }[]> {
  const tag = 'stack' in scope ? TAG.stack(scope.stack) : TAG.prefix(scope.prefix);
  const [byTag, byDesc] = await Promise.all([
    res.list({ tags: [tag] }),
    // A description is matched exactly per stack; for a prefix, every berth description is read.
    'stack' in scope
      ? res.list({ description: ownerDescription(scope.stack) })
      : res.list({}).then((xs) => xs.filter((x) => DESCRIBED.exec(x.description ?? '')?.[1]?.startsWith(`${scope.prefix}-`))),
  ]);
  const all = new Map([...byTag, ...byDesc].map((x) => [x.id, { id: x.id, name: x.name || x.floating_ip_address || x.id }]));
  return [...all.values()];
}

export async function findDoomed(os: OpenStack, scope: Scope, data: StackData[] = []): Promise<Doomed & { volumes: StackVolume[] }> {
  const n = os.network;
  const tag = 'stack' in scope ? TAG.stack(scope.stack) : TAG.prefix(scope.prefix);
  const [servers, floatingIps, ports, groups, routers, subnets, networks, volumes] = await Promise.all([
    os.compute.servers.list({ tags: [tag] }).then((xs) => xs.map((s) => ({ id: s.id, name: s.name, ...lossOf(observedServer(s), data) }))),
    ours(n.floatingIps, scope),
    ours(n.ports, scope),
    ours(n.securityGroups, scope),
    ours(n.routers, scope),
    ours(n.subnets, scope),
    ours(n.networks, scope),
    stackVolumes(os, scope),
  ]);
  return { servers, floatingIps, ports, groups, routers, subnets, networks, volumes };
}

export interface StackVolume {
  id: string;
  name: string;
  size: number;
  serverIds: string[];
}

export interface DownOptions {
  /** Delete the stack's volumes too (`down --volumes`); else they are kept, and said so. */
  volumes?: boolean;
  /** Go on although servers hold data on their own disks, or volumes are deleted. */
  allowDataLoss?: boolean;
  /** The stack's volumes, to tell what a server from before volumes held (see diskDataOf). */
  data?: StackData[];
}

export interface DownResult {
  removed: number;
  /** Volumes left in place (with their data): the next `up` attaches them again. */
  keptVolumes: StackVolume[];
}

/** Deletes what is found (not the volumes, unless asked); stops first before deleting data unless allowed. */
export async function down(os: OpenStack, scope: Scope, progress: Progress, o: DownOptions = {}): Promise<DownResult> {
  const { volumes, ...doomed } = await findDoomed(os, scope, o.data);
  const losing: Step[] = [
    ...doomed.servers.filter((s) => s.loses).map((s) => ({ verb: 'delete' as const, kind: 'server' as const, name: s.name, id: s.id, loses: s.loses! })),
    ...(o.volumes
      ? volumes.map((v) => ({
          verb: 'delete' as const,
          kind: 'volume' as const,
          name: v.name,
          id: v.id,
          loses: `everything on volume ${v.name} (${v.size} GiB)`,
        }))
      : []),
  ];
  guardDataLoss(losing, Boolean(o.allowDataLoss), 'down');
  const lbs = await stackLoadBalancers(os, scope);
  const count = doomedCount(doomed) + lbs.length + (o.volumes ? volumes.length : 0);
  const keptVolumes = o.volumes ? [] : volumes;
  if (count === 0) return { removed: 0, keptVolumes };
  const { servers, ...rest } = doomed;
  // The load balancers first (their VIP ports are on the stack's subnets), with everything under them.
  const stuck = await deleteLoadBalancers(os, lbs, progress);
  await stopHolders(
    os,
    servers.filter((s) => volumes.some((v) => v.serverIds.includes(s.id))),
    progress,
  );
  await deleteServers(os, servers, progress);
  // One Octavia will not delete yet (PENDING_*) holds its VIP port on a subnet: the servers are
  // gone, the networking waits for the next `down`.
  if (stuck.length)
    throw new TargetError(
      `load balancer ${stuck.map((x) => x.name).join(', ')} could not be deleted: ${stuck[0]!.why}`,
      "run berth down again once it is ACTIVE or ERROR (openstack loadbalancer show NAME); one stuck in PENDING_* needs the cloud's admins",
    );
  await deleteNetworking(os, rest, progress);
  if (o.volumes) await deleteVolumes(os, volumes, progress);
  return { removed: count, keptVolumes };
}

/** A server's data on its own disk, as the diff marks it. */
function lossOf(s: ObservedServer, data: StackData[]): { loses?: string } {
  const lost = diskDataOf(s, { data });
  return lost.length ? { loses: `${lost.join(', ')} (on the server's own disk, no volume)` } : {};
}

/** The scope's Cinder volumes (by metadata or description); none on a cloud without block storage. */
async function stackVolumes(os: OpenStack, scope: Scope): Promise<StackVolume[]> {
  if (!(await os.blockStorage.available())) return [];
  const all = await os.blockStorage.volumes.list();
  const mine = (v: (typeof all)[number]) =>
    'stack' in scope
      ? v.metadata?.[META.stack] === scope.stack || v.description === ownerDescription(scope.stack)
      : v.metadata?.[META.prefix] === scope.prefix || DESCRIBED.exec(v.description ?? '')?.[1]?.startsWith(`${scope.prefix}-`);
  return all.filter(mine).map((v) => ({ id: v.id, name: v.name ?? v.id, size: v.size, serverIds: (v.attachments ?? []).map((a) => a.server_id) }));
}

/**
 * Servers with a volume are shut down cleanly before they are deleted (the database stops and the
 * filesystem is unmounted): a delete powers them off, and then Nova detaches the volume.
 */
async function stopHolders(os: OpenStack, servers: { id: string; name: string }[], progress: Progress): Promise<void> {
  await Promise.all(
    servers.map(async (s) => {
      const now = await os.compute.servers.getIfExists(s.id);
      if (now?.status !== 'ACTIVE') return;
      progress.step(`stopping ${s.name} (a clean shutdown: its volume is kept)`);
      await os.compute.servers.stop(s.id).catch(() => undefined); // already stopping: the wait tells
      await os.compute.servers.waitFor(s.id, 'SHUTOFF', { timeoutMs: 300_000 }).catch(() => undefined); // the delete follows anyway
    }),
  );
}

async function deleteVolumes(os: OpenStack, volumes: StackVolume[], progress: Progress): Promise<void> {
  await Promise.all(
    volumes.map(async (v) => {
      progress.step(`deleting volume ${v.name}`);
      await os.blockStorage.volumes.delete(v.id, { ignoreMissing: true });
      await os.blockStorage.volumes.waitForDeleted(v.id);
    }),
  );
}

/** The scope's load balancers (by tag); none on a cloud without Octavia or without a VIP on the scope's networks. */
async function stackLoadBalancers(os: OpenStack, scope: Scope): Promise<{ id: string; name: string }[]> {
  const tag = 'stack' in scope ? TAG.stack(scope.stack) : TAG.prefix(scope.prefix);
  if (!(await mayHaveLoadBalancers(os, tag))) return [];
  return (await os.loadBalancer.loadBalancers.list({ tags: [tag] })).map((lb) => ({ id: lb.id, name: lb.name }));
}

/** Deletes them (cascade) and waits; those Octavia refused or failed to delete, with why. */
async function deleteLoadBalancers(os: OpenStack, lbs: { id: string; name: string }[], progress: Progress): Promise<{ name: string; why: string }[]> {
  const done = await Promise.allSettled(
    lbs.map(async (lb) => {
      progress.step(`deleting load balancer ${lb.name} (cascade: listener, pool, members, monitor)`);
      await os.loadBalancer.loadBalancers.deleteCascade(lb.id, { ignoreMissing: true });
      await os.loadBalancer.loadBalancers.waitForDeleted(lb.id, { timeoutMs: 900_000 });
    }),
  );
  return done.flatMap((r, n) => (r.status === 'rejected' ? [{ name: lbs[n]!.name, why: (r.reason as Error).message }] : []));
}
