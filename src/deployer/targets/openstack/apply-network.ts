// The network half of `up`: networks and subnets, the router with its gateway and its interface
// on dmz-net, the security groups and their rules, the ports with their planned IPs and MACs.
// Each create is followed by setting its tags (Neutron does not take them in the create): the
// description set in the create marks it ours meanwhile.
import { OpenStackError } from '../../openstack/index.js';
import type { PortCreate } from '../../openstack/network/types.js';
import type { TaggedResource } from '../../openstack/resource.js';
import { groupOf, portDecision } from './diff.js';
import { each, ownedBody, stepsOf, tagsFor, type ApplyContext } from './context.js';
import type { DesiredPort } from './desired.js';
import { META } from './names.js';
import { ANYWHERE } from './rules.js';

export function knownIds(c: ApplyContext): void {
  for (const n of c.d.networks) {
    const net = c.o.networks.find((x) => x.name === n.name);
    if (net) c.ids.network.set(n.key, net.id);
    const sub = net?.subnets.find((s) => s.cidr === n.cidr);
    if (sub) c.ids.subnet.set(n.key, sub.id);
  }
  const router = c.o.routers.find((r) => r.name === c.d.router.name);
  if (router) c.ids.router = router.id;
  for (const g of c.d.groups) {
    const sg = groupOf(c.d, c.o, g.key);
    if (sg) c.ids.group.set(g.key, sg.id);
  }
  for (const p of c.d.ports) {
    const keep = portDecision(p, c.d, c.o).keep;
    if (keep) c.ids.port.set(p.name, keep.id);
  }
}

export async function applyNetworks(c: ApplyContext): Promise<void> {
  const n = c.os.network;
  await each(c, c.d.networks, async (net) => {
    if (!c.ids.network.has(net.key)) {
      c.progress.step(`creating network ${net.name}`);
      const created = await n.networks.createWithTags({ name: net.name, ...ownedBody(c) }, c.d.tags);
      c.ids.network.set(net.key, created.id);
    }
    if (!c.ids.subnet.has(net.key)) {
      c.progress.step(`creating subnet ${net.subnetName} ${net.cidr}`);
      const sub = await n.subnets.createWithTags(
        {
          network_id: c.ids.network.get(net.key)!,
          name: net.subnetName,
          cidr: net.cidr,
          ip_version: 4,
          gateway_ip: net.gateway,
          enable_dhcp: true,
          ...ownedBody(c),
        },
        c.d.tags,
      );
      c.ids.subnet.set(net.key, sub.id);
    }
  });
}

export async function applyRouter(c: ApplyContext): Promise<void> {
  const n = c.os.network;
  if (!c.ids.router) {
    c.progress.step(`creating router ${c.d.router.name} to ${c.r.externalNetworkName}`);
    const r = await n.routers.createWithTags(
      { name: c.d.router.name, external_gateway_info: { network_id: c.r.externalNetworkId }, ...ownedBody(c) },
      c.d.tags,
    );
    c.ids.router = r.id;
  } else if (stepsOf(c, 'router-gateway', 'change').length) {
    c.progress.step(`setting the gateway of ${c.d.router.name} to ${c.r.externalNetworkName}`);
    await n.routers.setGateway(c.ids.router, c.r.externalNetworkId);
  }
  for (const s of stepsOf(c, 'router-interface', 'create')) {
    c.progress.step(`connecting ${s.name.replace(':', ' to ')}`);
    await n.routers.addInterface(c.ids.router, { subnet_id: c.ids.subnet.get(s.network!)! });
  }
}

export async function applyGroups(c: ApplyContext): Promise<void> {
  const n = c.os.network;
  await each(
    c,
    c.d.groups.filter((g) => !c.ids.group.has(g.key)),
    async (g) => {
      c.progress.step(`creating security group ${g.name}`);
      const sg = await n.securityGroups.createWithTags({ name: g.name, ...ownedBody(c) }, c.d.tags);
      c.ids.group.set(g.key, sg.id);
    },
  );
  // Rules after every group exists: a rule may name another group as its source.
  await each(c, stepsOf(c, 'rule', 'create'), async (s) => {
    const r = s.rule!;
    c.progress.detail(`rule ${s.name}`);
    await n.securityGroupRules.create({
      security_group_id: c.ids.group.get(s.group!)!,
      direction: 'ingress',
      ethertype: 'IPv4',
      protocol: r.protocol,
      port_range_min: r.port,
      port_range_max: r.port,
      ...('cidr' in r.from ? { remote_ip_prefix: r.from.cidr === ANYWHERE ? '0.0.0.0/0' : r.from.cidr } : { remote_group_id: c.ids.group.get(r.from.group)! }),
    });
  });
  await each(c, stepsOf(c, 'rule', 'delete'), async (s) => {
    c.progress.step(`deleting rule ${s.name} (${s.why})`);
    await n.securityGroupRules.delete(s.id!, { ignoreMissing: true });
  });
}

/** Every port at once, each with its planned fixed IP and MAC, in its tier's group. */
export async function applyPorts(c: ApplyContext): Promise<void> {
  const n = c.os.network;
  await each(c, c.d.ports, async (p) => {
    const sg = c.ids.group.get(p.group)!;
    const existing = c.ids.port.get(p.name);
    if (existing) {
      if (stepsOf(c, 'port', 'change').some((s) => s.id === existing)) {
        c.progress.step(`setting the security group of port ${p.name}`);
        await n.ports.update(existing, { security_groups: [sg] });
      }
      return;
    }
    c.progress.step(`creating port ${p.name} ${p.ip}`);
    const body: PortCreate = {
      network_id: c.ids.network.get(p.network)!,
      name: p.name,
      fixed_ips: [{ subnet_id: c.ids.subnet.get(p.network)!, ip_address: p.ip }],
      security_groups: [sg],
      mac_address: p.mac,
      ...ownedBody(c),
    };
    c.ids.port.set(p.name, await createPort(c, p, body, portTags(c, p.name)));
  });
}

/**
 * Creates a port, or adopts the same port made by an interrupted run whose create the cloud
 * carried out after this run read it: the planned MAC makes that a 409, never a second port.
 */
async function createPort(c: ApplyContext, p: DesiredPort, body: PortCreate, tags: string[]): Promise<string> {
  const ports = c.os.network.ports;
  try {
    return (await ports.createWithTags(body, tags)).id;
  } catch (err) {
    if (!(err instanceof OpenStackError && err.status === 409)) throw err;
    const [found] = await ports.list({ network_id: body.network_id, mac_address: p.mac });
    const ours = found && found.name === p.name && found.description === body.description && found.fixed_ips.map((f) => f.ip_address).join() === p.ip;
    if (!ours) throw err;
    c.progress.detail(`port ${p.name} was made by an interrupted run: taken over`);
    await ports.tags.replace(found.id, tags);
    if (found.security_groups.join() !== body.security_groups!.join()) await ports.update(found.id, { security_groups: body.security_groups! });
    return found.id;
  }
}

/** A port's tags: the stack's, and its server's tier. */
function portTags(c: ApplyContext, name: string): string[] {
  const server = c.d.ports.find((p) => p.name === name)?.server;
  return tagsFor(c, c.d.servers.find((s) => s.key === server)?.metadata[META.tier]);
}

export async function applyRetags(c: ApplyContext): Promise<void> {
  await Promise.all(
    stepsOf(c, 'tags', 'change').map(async (s) => {
      c.progress.step(`tagging ${s.name} (left untagged by an interrupted run)`);
      const tags = s.collection === 'ports' ? portTags(c, s.name) : c.d.tags;
      await (c.os.network[s.collection!] as TaggedResource<object>).tags.replace(s.id!, tags);
    }),
  );
}
