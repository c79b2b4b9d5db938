// What the cloud holds right after a whole `up` of a desired state: every resource as planned,
// owned and tagged, the servers ACTIVE on their ports, load balancers ACTIVE with every member
// ONLINE. The diff tests start from it and change one thing.
import type { DesiredState } from '../../src/deployer/targets/openstack/desired.js';
import type { Observed } from '../../src/deployer/targets/openstack/observed.js';

export function observedAfterUp(d: DesiredState, ext = 'ext-id'): Observed {
  const netId = (k: string) => `net-${k}`;
  const sgId = (k: string) => `sg-${k}`;
  return {
    networks: d.networks.map((n) => ({
      id: netId(n.key),
      name: n.name,
      owned: true,
      tagged: true,
      subnets: [{ id: `sub-${n.key}`, name: n.subnetName, networkId: netId(n.key), cidr: n.cidr, owned: true, tagged: true }],
    })),
    routers: [{ id: 'r1', name: d.router.name, owned: true, tagged: true, externalNetworkId: ext, subnetIds: ['sub-dmz'] }],
    groups: d.groups.map((g) => ({
      id: sgId(g.key),
      name: g.name,
      owned: true,
      tagged: true,
      rules: [
        { id: `${g.key}-eg4`, direction: 'egress' as const, ethertype: 'IPv4' },
        { id: `${g.key}-eg6`, direction: 'egress' as const, ethertype: 'IPv6' },
        ...g.rules.map((r, n) => ({
          id: `${g.key}-${n}`,
          direction: 'ingress' as const,
          ethertype: 'IPv4',
          protocol: 'tcp',
          portMin: r.port,
          portMax: r.port,
          ...('cidr' in r.from ? { remoteCidr: r.from.cidr } : { remoteGroupId: sgId(r.from.group) }),
        })),
      ],
    })),
    ports: d.ports.map((p) => ({
      id: `port-${p.name}`,
      name: p.name,
      owned: true,
      tagged: true,
      networkId: netId(p.network),
      ips: [p.ip],
      mac: p.mac,
      groupIds: [sgId(p.group)],
      deviceId: `srv-${p.server}`,
      deviceOwner: 'compute:nova',
    })),
    servers: d.servers.map((s) => ({ id: `srv-${s.key}`, name: s.name, status: 'ACTIVE', metadata: s.metadata, tags: s.tags, addresses: [] })),
    floatingIps: [
      {
        id: 'fip1',
        address: '198.51.100.50',
        portId: d.floatingIp.loadBalancer ? `vip-${d.floatingIp.loadBalancer}` : `port-${d.floatingIp.port}`,
        owned: true,
        tagged: true,
      },
    ],
    volumes: d.volumes.map((v) => ({ id: `vol-${v.name}`, name: v.name, owned: true, status: 'in-use', size: v.size, serverIds: [`srv-${v.server}`] })),
    loadBalancers: d.loadBalancers.map((lb) => ({
      id: `lb-${lb.service}`,
      name: lb.name,
      status: 'ACTIVE',
      vipAddress: lb.vip,
      vipPortId: `vip-${lb.service}`,
      vipSubnetId: `sub-${lb.network}`,
      listeners: [{ id: `li-${lb.service}`, name: lb.listener, port: lb.port, poolId: `pool-${lb.service}` }],
      pools: [
        {
          id: `pool-${lb.service}`,
          name: lb.pool,
          algorithm: 'ROUND_ROBIN',
          monitor: { id: `hm-${lb.service}`, name: lb.monitor, urlPath: lb.healthPath },
          members: lb.members.map((m) => ({ id: `m-${m.server}`, name: m.name, address: m.address, port: lb.port, weight: 1, operating: 'ONLINE' })),
        },
      ],
    })),
  };
}
