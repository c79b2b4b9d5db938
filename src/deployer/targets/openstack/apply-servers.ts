// The server half of `up`: every server to create boots at once (its ports exist already, so its
// user-data knows every address), then all are waited for together. A server that goes to ERROR
// is shown with its fault and replaced once; a kept server someone stopped is started. Then the
// entry's port gets the floating IP.
import { isServerErrorState, OpenStackError } from '../../openstack/index.js';
import { TargetError } from '../shared/errors.js';
import { each, ownedBody, stepsOf, type ApplyContext } from './context.js';
import type { DesiredServer } from './desired.js';
import { attachVolumes, withVolumeIds } from './apply-volumes.js';
import { META } from './names.js';
import { followConsoles } from './wait.js';

export interface Booted {
  server: DesiredServer;
  id: string;
}

export async function applyServers(c: ApplyContext): Promise<Booted[]> {
  // Servers of a kept load balancer's pool are replaced one at a time (rollServers), not here.
  const wanted = stepsOf(c, 'server', 'create', 'replace')
    .filter((s) => !s.rolling)
    .map((s) => c.d.servers.find((x) => x.name === s.name)!);
  if (wanted.length === 0) return [];
  if (c.sequential) return bootOneByOne(c, wanted);
  c.progress.step(`booting ${wanted.map((s) => s.name).join(', ')}${wanted.length > 1 ? ' at once' : ''}`);
  const booted = await Promise.all(wanted.map((s) => boot(c, s)));
  return Promise.all(booted.map((b) => waitActive(c, b)));
}

/** As the original's playbooks: a server, waited for until its user-data is done, then the next. */
async function bootOneByOne(c: ApplyContext, wanted: DesiredServer[]): Promise<Booted[]> {
  const out: Booted[] = [];
  for (const s of wanted) {
    c.progress.step(`booting ${s.name}`);
    const b = await waitActive(c, await boot(c, s));
    await followConsoles(c.os, [b], { timeoutMs: 900_000, ...(c.clock ? { clock: c.clock } : {}) }, c.progress);
    out.push(b);
  }
  return out;
}

/** One server booted on its ports and waited for until ACTIVE (the rolling update's). */
export const bootAndWait = async (c: ApplyContext, s: DesiredServer): Promise<Booted> => waitActive(c, await boot(c, s));

async function boot(c: ApplyContext, s: DesiredServer): Promise<Booted> {
  const sent = Date.now();
  const created = await c.os.compute.servers.create({
    name: s.name,
    flavorRef: c.r.flavors.get(s.flavor)!.id,
    imageRef: c.r.imageId,
    networks: s.ports.map((p) => ({ port: c.ids.port.get(p)! })),
    ...(s.keyName ? { key_name: s.keyName } : {}),
    ...(s.availabilityZone ? { availability_zone: s.availabilityZone } : {}),
    user_data: withVolumeIds(c, s.userData, s.volumes),
    metadata: s.metadata,
    tags: s.tags,
  });
  const b = { server: s, id: created.id };
  c.clock?.created(b, sent);
  return b;
}

async function waitActive(c: ApplyContext, b: Booted, replaced = false): Promise<Booted> {
  const servers = c.os.compute.servers;
  try {
    // Read every second at most: a new server is ACTIVE within seconds, and its user-data waits for its volumes.
    await servers.waitFor(b.id, 'ACTIVE', { timeoutMs: 600_000, maxIntervalMs: 1000 });
  } catch (err) {
    const fault = err instanceof OpenStackError ? (err.fault?.message ?? err.osMessage) : String(err);
    const tier = b.server.metadata[META.tier];
    if (!isServerErrorState(err) || replaced) {
      throw new TargetError(
        `server ${b.server.name} did not become ACTIVE: ${fault}`,
        `see what the cloud says: openstack server show ${b.server.name}; its console: berth logs ${tier} --target openstack`,
      );
    }
    c.progress.step(`${b.server.name} went to ERROR (${fault}); replacing it once`);
    await servers.delete(b.id, { ignoreMissing: true });
    await servers.waitForDeleted(b.id, { timeoutMs: 300_000 });
    return waitActive(c, await boot(c, b.server), true);
  }
  c.clock?.active(b);
  c.progress.detail(`${b.server.name} is ACTIVE`);
  // Its user-data is waiting for them: attached as soon as Nova takes them (an ACTIVE server).
  await attachVolumes(c, b.server.key, b.id);
  return b;
}

/** Kept servers someone stopped (SHUTOFF): started and waited for; what they run is unchanged. */
export async function startStopped(c: ApplyContext): Promise<void> {
  await each(c, stepsOf(c, 'server', 'change'), async (s) => {
    c.progress.step(`starting ${s.name} (it was stopped)`);
    await c.os.compute.servers.start(s.id!);
    await c.os.compute.servers.waitFor(s.id!, 'ACTIVE', { timeoutMs: 300_000 });
    c.progress.detail(`${s.name} is ACTIVE`);
  });
}

/** The entry's floating IP: kept, moved onto the entry's port, or allocated there. Its address. */
/** Where the floating IP goes: the VIP of the load balancer in front of the entry, else the entry's port. */
function floatingIpPort(c: ApplyContext): string {
  const lb = c.d.floatingIp.loadBalancer;
  return lb ? c.ids.lb.get(lb)!.vipPortId : c.ids.port.get(c.d.floatingIp.port)!;
}

export async function applyFloatingIp(c: ApplyContext): Promise<string | undefined> {
  const fips = c.os.network.floatingIps;
  const port = floatingIpPort(c);
  const keep = stepsOf(c, 'floating-ip', 'keep')[0];
  if (keep) return c.o.floatingIps.find((f) => f.id === keep.id)?.address;
  const move = stepsOf(c, 'floating-ip', 'change')[0];
  if (move) {
    c.progress.step(`moving floating IP ${move.why}`);
    return (await fips.associate(move.id!, port)).floating_ip_address;
  }
  c.progress.step(`allocating a floating IP on ${c.r.externalNetworkName} for ${c.d.floatingIp.port}`);
  const body = { floating_network_id: c.r.externalNetworkId, port_id: port, ...ownedBody(c) };
  try {
    return (await fips.createWithTags(body, c.d.tags)).floating_ip_address;
  } catch (err) {
    // An interrupted run's create (a POST the cloud carried out after this run read it, or after
    // the client gave up waiting) put one on the port already: Neutron refuses a second (409).
    // Ours by its description: taken over, never a second address.
    if (!(err instanceof OpenStackError && err.status === 409)) throw err;
    const [found] = await fips.list({ port_id: port });
    if (!found || found.description !== body.description) throw err;
    c.progress.detail(`floating IP ${found.floating_ip_address} was made by an interrupted run: taken over`);
    await fips.tags.replace(found.id, c.d.tags);
    return found.floating_ip_address;
  }
}
