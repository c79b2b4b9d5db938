// Reads what exists of one stack (the cloud is the only state): Neutron resources that carry the
// stack's tag or the description berth gives them at creation, networks and the router also by
// their planned names (reused when someone made them beforehand), and the servers with the
// stack's tag. Reads only; a re-run of `up` with nothing to do makes no other calls.
import type { OpenStack } from '../../openstack/index.js';
import type { Network, Port, Subnet } from '../../openstack/network/types.js';
import type { Server } from '../../openstack/compute/types.js';
import type { TaggedResource } from '../../openstack/resource.js';
import type { Volume } from '../../openstack/block-storage/types.js';
import type { Observed, ObservedLoadBalancer, ObservedPool, ObservedServer, ObservedVolume } from './observed.js';
import type { Pool } from '../../openstack/load-balancer/types.js';
import { META, ownerDescription, TAG } from './names.js';

interface Mark {
  tags?: string[];
  description?: string;
  id: string;
}

/** Everything of one kind that is the stack's: by tag, and by description (an untagged leftover). */
async function owned<T extends Mark>(res: Pick<TaggedResource<T>, 'list'>, id: string, extra: Record<string, string> = {}): Promise<T[]> {
  const [byTag, byDesc] = await Promise.all([res.list({ ...extra, tags: [TAG.stack(id)] }), res.list({ ...extra, description: ownerDescription(id) })]);
  const seen = new Map<string, T>();
  for (const x of [...byTag, ...byDesc]) seen.set(x.id, x);
  return [...seen.values()];
}

const mark = (x: Mark, id: string) => ({
  owned: (x.tags ?? []).includes(TAG.stack(id)) || x.description === ownerDescription(id),
  tagged: (x.tags ?? []).includes(TAG.stack(id)),
});

export async function readStack(
  os: OpenStack,
  id: string,
  wanted: { networks: string[]; router: string; volumes?: boolean; loadBalancers?: boolean },
): Promise<Observed> {
  const n = os.network;
  const [nets, namedNets, routers, namedRouters, groups, ports, fips, servers] = await Promise.all([
    owned(n.networks, id),
    Promise.all(wanted.networks.map((name) => n.networks.list({ name }))).then((x) => x.flat()),
    owned(n.routers, id),
    n.routers.list({ name: wanted.router }),
    owned(n.securityGroups, id),
    owned(n.ports, id),
    owned(n.floatingIps, id),
    os.compute.servers.list({ tags: [TAG.stack(id)] }),
  ]);
  const volumes = wanted.volumes ? await readVolumes(os, id) : undefined;
  const loadBalancers = wanted.loadBalancers ? await readLoadBalancers(os, id) : undefined;
  const networks = dedupe([...nets, ...namedNets]);
  const subnets = networks.length ? await n.subnets.list({ network_id: networks.map((x) => x.id) }) : [];
  const allRouters = dedupe([...routers, ...namedRouters]);
  const interfaces = allRouters.length ? await n.ports.list({ device_id: allRouters.map((r) => r.id), device_owner: 'network:router_interface' }) : [];
  return {
    networks: networks.map((x) => ({ id: x.id, name: x.name, ...mark(x, id), subnets: subnetsOf(x, subnets, id) })),
    routers: allRouters.map((r) => ({
      id: r.id,
      name: r.name,
      ...mark(r, id),
      ...(r.external_gateway_info?.network_id ? { externalNetworkId: r.external_gateway_info.network_id } : {}),
      subnetIds: interfaces.filter((p) => p.device_id === r.id).flatMap((p) => p.fixed_ips.map((f) => f.subnet_id)),
    })),
    groups: groups.map((g) => ({
      id: g.id,
      name: g.name,
      ...mark(g, id),
      rules: (g.security_group_rules ?? []).map((r) => ({
        id: r.id,
        direction: r.direction,
        ethertype: r.ethertype,
        protocol: r.protocol,
        portMin: r.port_range_min,
        portMax: r.port_range_max,
        remoteCidr: r.remote_ip_prefix,
        remoteGroupId: r.remote_group_id,
      })),
    })),
    ports: ports.map((p: Port) => ({
      id: p.id,
      name: p.name,
      ...mark(p, id),
      networkId: p.network_id,
      ips: p.fixed_ips.map((f) => f.ip_address),
      mac: p.mac_address,
      groupIds: p.security_groups ?? [],
      deviceId: p.device_id,
      deviceOwner: p.device_owner,
    })),
    servers: servers.map(observedServer),
    floatingIps: fips.map((f) => ({ id: f.id, address: f.floating_ip_address, ...(f.port_id ? { portId: f.port_id } : {}), ...mark(f, id) })),
    ...(volumes ? { volumes } : {}),
    ...(loadBalancers ? { loadBalancers } : {}),
  };
}

function subnetsOf(net: Network, subnets: Subnet[], id: string) {
  return subnets.filter((s) => s.network_id === net.id).map((s) => ({ id: s.id, name: s.name, networkId: s.network_id, cidr: s.cidr, ...mark(s, id) }));
}

export function observedServer(s: Server): ObservedServer {
  return {
    id: s.id,
    name: s.name,
    status: s.status,
    metadata: s.metadata ?? {},
    tags: s.tags ?? [],
    ...(s.fault?.message ? { fault: s.fault.message } : {}),
    addresses: Object.entries(s.addresses ?? {}).flatMap(([network, list]) =>
      list.map((a) => ({ network, addr: a.addr, floating: a['OS-EXT-IPS:type'] === 'floating' })),
    ),
  };
}

const dedupe = <T extends { id: string }>(xs: T[]) => [...new Map(xs.map((x) => [x.id, x])).values()];

/**
 * The stack's Cinder volumes: marked by metadata (berth-stack) or the description, both set in
 * the create. Cinder's metadata filter is not on every cloud, so the project's list is filtered here.
 */
export async function readVolumes(os: OpenStack, id: string): Promise<ObservedVolume[]> {
  const all = await os.blockStorage.volumes.list();
  return all.filter((v) => v.metadata?.[META.stack] === id || v.description === ownerDescription(id)).map(observedVolume);
}

export function observedVolume(v: Volume): ObservedVolume {
  return {
    id: v.id,
    name: v.name ?? '',
    owned: true,
    status: v.status,
    size: v.size,
    ...(v.volume_type ? { type: v.volume_type } : {}),
    serverIds: (v.attachments ?? []).map((a) => a.server_id),
    ...(v.created_at ? { created: v.created_at } : {}),
    metadata: v.metadata ?? {},
  };
}

/**
 * Whether the stacks a tag names may have load balancers to read or delete: only on a cloud with
 * Octavia, and only when one of their networks holds a VIP port (Octavia makes it, owner
 * "Octavia", before it answers the create, and a network cannot go while it holds one). A stack
 * that never had replicas makes no Octavia call, so a catalog entry nobody answers cannot stop it.
 */
export async function mayHaveLoadBalancers(os: OpenStack, tag: string): Promise<boolean> {
  if (!(await os.loadBalancer.available())) return false;
  const networks = await os.network.networks.list({ tags: [tag] });
  if (!networks.length) return false;
  return (await os.network.ports.list({ network_id: networks.map((n) => n.id), device_owner: 'Octavia' })).length > 0;
}

/** The stack's load balancers (by tag: Octavia takes tags in the create) down to their members. */
export async function readLoadBalancers(os: OpenStack, id: string): Promise<ObservedLoadBalancer[]> {
  const lbc = os.loadBalancer;
  const lbs = await lbc.loadBalancers.list({ tags: [TAG.stack(id)] });
  return Promise.all(
    lbs.map(async (lb) => {
      const [listeners, pools] = await Promise.all([lbc.listeners.list({ loadbalancer_id: lb.id }), lbc.pools.list({ loadbalancer_id: lb.id })]);
      return {
        id: lb.id,
        name: lb.name,
        status: lb.provisioning_status,
        vipAddress: lb.vip_address,
        vipPortId: lb.vip_port_id,
        vipSubnetId: lb.vip_subnet_id,
        listeners: listeners.map((l) => ({ id: l.id, name: l.name, port: l.protocol_port, ...(l.default_pool_id ? { poolId: l.default_pool_id } : {}) })),
        pools: await Promise.all(pools.map((p) => observedPool(os, p))),
      };
    }),
  );
}

async function observedPool(os: OpenStack, p: Pool): Promise<ObservedPool> {
  const [members, monitor] = await Promise.all([
    os.loadBalancer.members(p.id).list(),
    p.healthmonitor_id ? os.loadBalancer.healthMonitors.getIfExists(p.healthmonitor_id) : undefined,
  ]);
  return {
    id: p.id,
    name: p.name,
    algorithm: p.lb_algorithm,
    ...(monitor ? { monitor: { id: monitor.id, name: monitor.name, ...(monitor.url_path ? { urlPath: monitor.url_path } : {}) } } : {}),
    members: members.map((m) => ({ id: m.id, name: m.name, address: m.address, port: m.protocol_port, weight: m.weight, operating: m.operating_status })),
  };
}
