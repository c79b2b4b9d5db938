// `berth down --target openstack`: everything of one stack (or, with --all, of every stack of the
// prefix, like the original's per-student cleanup) found by its tag, or by the description berth
// gives at creation (a leftover of a run stopped before tagging), deleted in dependency order.
// Nothing untagged and undescribed is touched; a second run finds nothing and does nothing.
import type { OpenStack } from '../../openstack/index.js';
import type { TaggedResource } from '../../openstack/resource.js';
import type { Progress } from '../shared/progress.js';
import { ownerDescription, TAG } from './names.js';
import { deleteNetworking, deleteServers, doomedCount, type Doomed } from './remove.js';

export type Scope = { stack: string } | { prefix: string };

interface Item { id: string; name?: string; floating_ip_address?: string; tags?: string[]; description?: string }

const DESCRIBED = /^berth stack (\S+)$/;

async function ours<T extends Item>(res: Pick<TaggedResource<T>, 'list'>, scope: Scope): Promise<{ id: string; name: string }[]> {
  const tag = 'stack' in scope ? TAG.stack(scope.stack) : TAG.prefix(scope.prefix);
  const [byTag, byDesc] = await Promise.all([
    res.list({ tags: [tag] }),
    // A description is matched exactly per stack; for a prefix, every berth description is read.
    'stack' in scope ? res.list({ description: ownerDescription(scope.stack) }) : res.list({}).then((xs) => xs.filter((x) => DESCRIBED.exec(x.description ?? '')?.[1]?.startsWith(`${scope.prefix}-`))),
  ]);
  const all = new Map([...byTag, ...byDesc].map((x) => [x.id, { id: x.id, name: x.name || x.floating_ip_address || x.id }]));
  return [...all.values()];
}

export async function findDoomed(os: OpenStack, scope: Scope): Promise<Doomed> {
  const n = os.network;
  const tag = 'stack' in scope ? TAG.stack(scope.stack) : TAG.prefix(scope.prefix);
  const [servers, floatingIps, ports, groups, routers, subnets, networks] = await Promise.all([
    os.compute.servers.list({ tags: [tag] }).then((xs) => xs.map((s) => ({ id: s.id, name: s.name }))),
    ours(n.floatingIps, scope), ours(n.ports, scope), ours(n.securityGroups, scope), ours(n.routers, scope), ours(n.subnets, scope), ours(n.networks, scope),
  ]);
  return { servers, floatingIps, ports, groups, routers, subnets, networks };
}

/** Deletes what is found; returns how many resources that was. */
export async function down(os: OpenStack, scope: Scope, progress: Progress): Promise<number> {
  const doomed = await findDoomed(os, scope);
  const count = doomedCount(doomed);
  if (count === 0) return 0;
  const { servers, ...rest } = doomed;
  await deleteServers(os, servers, progress);
  await deleteNetworking(os, rest, progress);
  return count;
}
