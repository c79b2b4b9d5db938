// Deleting, in dependency order, for `down` and for what `up` replaces or no longer plans:
// servers (waited for: their ports are released only then), floating IPs, ports, groups, the
// router's interfaces and gateway, the router, subnets, networks. Each delete tolerates a
// resource already gone, so a repeated or interrupted run converges.
import type { OpenStack } from '../../openstack/index.js';
import type { Progress } from '../shared/progress.js';

export interface Doomed {
  /** `loses`: the data a server keeps on its own disk (no volume). */
  servers: { id: string; name: string; loses?: string }[];
  floatingIps: { id: string; name: string }[];
  ports: { id: string; name: string }[];
  groups: { id: string; name: string }[];
  routers: { id: string; name: string }[];
  subnets: { id: string; name: string }[];
  networks: { id: string; name: string }[];
}

export const nothingDoomed = (): Doomed => ({ servers: [], floatingIps: [], ports: [], groups: [], routers: [], subnets: [], networks: [] });
export const doomedCount = (d: Doomed) => Object.values(d).reduce((n, xs) => n + xs.length, 0);

export async function deleteServers(os: OpenStack, servers: Doomed['servers'], progress: Progress): Promise<void> {
  await Promise.all(
    servers.map(async (s) => {
      progress.step(`deleting server ${s.name}`);
      await os.compute.servers.delete(s.id, { ignoreMissing: true });
      await os.compute.servers.waitForDeleted(s.id, { timeoutMs: 300_000 });
    }),
  );
}

/** Everything after the servers, in order; kinds one after the other, items of a kind at once. */
export async function deleteNetworking(os: OpenStack, d: Omit<Doomed, 'servers'>, progress: Progress): Promise<void> {
  const n = os.network;
  const each = async (xs: { id: string; name: string }[], what: string, fn: (id: string) => Promise<unknown>) =>
    Promise.all(
      xs.map(async (x) => {
        progress.step(`deleting ${what} ${x.name}`);
        await fn(x.id);
      }),
    );
  await each(d.floatingIps, 'floating IP', (id) => n.floatingIps.delete(id, { ignoreMissing: true }));
  await each(d.ports, 'port', (id) => n.ports.delete(id, { ignoreMissing: true }));
  await each(d.groups, 'security group', (id) => n.securityGroups.delete(id, { ignoreMissing: true }));
  // A subnet on a router (ours or anyone's) is taken off it first: Neutron refuses to delete it.
  await detachSubnets(
    os,
    d.subnets.map((s) => s.id),
    progress,
  );
  await each(d.routers, 'router', async (id) => {
    await detachAll(os, id);
    await n.routers.delete(id, { ignoreMissing: true });
  });
  await each(d.subnets, 'subnet', (id) => n.subnets.delete(id, { ignoreMissing: true }));
  await each(d.networks, 'network', (id) => n.networks.delete(id, { ignoreMissing: true }));
}

async function detachSubnets(os: OpenStack, subnetIds: string[], progress: Progress): Promise<void> {
  for (const subnet of subnetIds) {
    const ifaces = await os.network.ports.list({ device_owner: 'network:router_interface', fixed_ips: `subnet_id=${subnet}` });
    for (const p of ifaces) {
      progress.detail(`taking subnet ${subnet} off router ${p.device_id}`);
      await os.network.routers.removeInterface(p.device_id, { subnet_id: subnet }, { ignoreMissing: true });
    }
  }
}

async function detachAll(os: OpenStack, routerId: string): Promise<void> {
  const ifaces = await os.network.ports.list({ device_id: routerId, device_owner: 'network:router_interface' });
  for (const p of ifaces) await os.network.routers.removeInterface(routerId, { port_id: p.id }, { ignoreMissing: true });
}
