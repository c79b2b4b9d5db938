// The floor of `npm run bench:deploy`: one bare instance of the same image and flavor, with a
// trivial user-data (a console marker, then a static HTTP answer on port 80), timed from its
// create to ACTIVE, to the marker on its console and to the HTTP answer on its floating IP. The
// network, router, group, port and floating IP are made before the clock starts and deleted after:
// the floor is what the cloud and the guest's boot cost, with no work of berth's in it. Also with
// three instances at once: the tiered layout's three guests boot together, and on a small machine
// that costs far more than one guest does.
import { setTimeout as sleep } from 'node:timers/promises';
import type { OpenStack } from '../src/deployer/openstack/index.js';
import { answers } from '../src/deployer/targets/openstack/wait.js';

export interface Floor {
  /** Bare instances booted at once (1: the floor; 3: what three guests booting together cost, as tiered's do). */
  instances: number;
  /** Seconds from the creates sent, to the last instance's: */
  active: number;
  /** The user-data's marker on the console: when the guest wrote it (its clock), when berth saw it. */
  marker: number;
  markerSeen: number;
  http: number;
}

const USER_DATA = `#!/bin/sh
echo "berth-floor: $(date +%s.%3N) user-data started"
mkdir -p /run/floor && echo ok >/run/floor/index.html && cd /run/floor
nohup python3 -m http.server 80 >/dev/null 2>&1 &
`;

type Undo = (() => Promise<unknown>)[];

/**
 * `count` bare instances created at once (their network, ports and floating IPs made before the
 * clock starts): each one's figures, and the floor is the last of each (as `up` waits for all).
 */
export async function floor(os: OpenStack, name: string, image: string, flavor: string, count = 1): Promise<Floor> {
  const undo: Undo = [];
  try {
    const { netId, groupId, extId } = await network(os, name, undo);
    const n = os.network;
    const names = Array.from({ length: count }, (_, k) => (count === 1 ? name : `${name}-${k + 1}`));
    const ends = await Promise.all(
      names.map(async (each) => {
        const port = await n.ports.create({ network_id: netId, name: each, security_groups: [groupId] });
        undo.push(() => n.ports.delete(port.id));
        // Its description finds it again when the create's answer is lost (a busy Neutron takes > 60 s).
        undo.push(async () => Promise.all((await n.floatingIps.list({ description: each })).map((f) => n.floatingIps.delete(f.id))));
        const fip = await n.floatingIps.create({ floating_network_id: extId, port_id: port.id, description: each });
        return { each, port: port.id, url: `http://${fip.floating_ip_address}/` };
      }),
    );
    const [img, fl] = await Promise.all([os.image.findActive(image), os.compute.flavors.find(flavor)]);
    if (!img || !fl) throw new Error(`no image ${image} or flavor ${flavor}`);
    const t0 = Date.now();
    const each = await Promise.all(ends.map((e) => bootOne(os, e.each, img.id, fl.id, e.port, e.url, t0, undo)));
    const last = (k: keyof Omit<Floor, 'instances'>) => Math.max(...each.map((f) => f[k]));
    return { instances: count, active: last('active'), marker: last('marker'), markerSeen: last('markerSeen'), http: last('http') };
  } finally {
    for (const fn of undo.reverse()) await fn().catch((err: unknown) => process.stderr.write(`floor cleanup: ${String(err)}\n`));
  }
}

/** The network, router and group the floor's instances share (made before the clock starts), and the external network. */
async function network(os: OpenStack, name: string, undo: Undo): Promise<{ netId: string; groupId: string; extId: string }> {
  const n = os.network;
  const ext = (await n.listExternalNetworks())[0];
  if (!ext) throw new Error('the cloud has no external network');
  const net = await n.networks.create({ name });
  undo.push(() => n.networks.delete(net.id));
  const subnet = await n.subnets.create({ network_id: net.id, cidr: '192.168.250.0/24', name });
  undo.push(() => n.subnets.delete(subnet.id));
  // Found by name at cleanup: a busy Neutron can make it after its create's answer was lost.
  undo.push(async () => Promise.all((await n.routers.list({ name })).map((r) => n.routers.delete(r.id))));
  const router = await n.routers.create({ name, external_gateway_info: { network_id: ext.id } });
  await n.routers.addInterface(router.id, { subnet_id: subnet.id });
  undo.push(() => n.routers.removeInterface(router.id, { subnet_id: subnet.id }));
  const sg = await n.securityGroups.create({ name, description: 'berth bench floor' });
  undo.push(() => n.securityGroups.delete(sg.id));
  await n.securityGroupRules.create({ security_group_id: sg.id, direction: 'ingress', protocol: 'tcp', port_range_min: 80, port_range_max: 80 });
  return { netId: net.id, groupId: sg.id, extId: ext.id };
}

/** One instance from its create: ACTIVE, its console marker and its HTTP answer, in seconds from t0. */
async function bootOne(os: OpenStack, name: string, imageRef: string, flavorRef: string, port: string, url: string, t0: number, undo: Undo) {
  const server = await os.compute.servers.create({ name, flavorRef, imageRef, networks: [{ port }], user_data: USER_DATA });
  undo.push(async () => {
    await os.compute.servers.delete(server.id, { ignoreMissing: true });
    await os.compute.servers.waitForDeleted(server.id, { timeoutMs: 300_000 });
  });
  const s = (ms: number) => (ms - t0) / 1000;
  // Three pollers at once, each at a short interval, so none waits on another.
  const until = async <T>(what: string, every: number, probe: () => Promise<T | undefined>): Promise<T> => {
    for (;;) {
      const v = await probe();
      if (v !== undefined) return v;
      if (Date.now() - t0 > 600_000) throw new Error(`floor instance ${name}: no ${what} within 600 s`);
      await sleep(every);
    }
  };
  const [active, [marker, markerSeen], http] = await Promise.all([
    until('ACTIVE', 250, async () => ((await os.compute.servers.get(server.id)).status === 'ACTIVE' ? s(Date.now()) : undefined)),
    until('console marker', 500, async () => {
      const m = /berth-floor: (\d+\.\d+) user-data started/.exec(await os.compute.servers.consoleOutput(server.id).catch(() => ''));
      return m ? ([s(Number(m[1]) * 1000), s(Date.now())] as const) : undefined;
    }),
    until('HTTP answer', 250, async () => ((await answers(url, 1000)) ? s(Date.now()) : undefined)),
  ]);
  return { active, marker, markerSeen, http };
}

/**
 * The floors' figures and each `up` beside them: its wall time, the page's answer, and up / floor
 * (one instance: the issue's figure). With a floor of three instances at once, tiered also against
 * it: what its three guests booting together cost on this machine, with no work of berth's.
 */
export function floorReport(floors: Floor[], ups: { what: string; seconds: number; page?: number }[]): string {
  const out = floors.map(
    (f, i) =>
      `floor ${i + 1} (${f.instances === 1 ? 'bare instance' : `${f.instances} bare instances at once, the last of each`}, trivial user-data): ACTIVE ${f.active.toFixed(1)} s, console marker ${f.marker.toFixed(1)} s (seen ${f.markerSeen.toFixed(1)} s), HTTP answer ${f.http.toFixed(1)} s`,
  );
  const ones = floors.filter((f) => f.instances === 1);
  const http = Math.min(...ones.map((f) => f.http));
  const three = floors.find((f) => f.instances === 3);
  for (const u of ups) {
    out.push(
      `${u.what}: ${u.seconds.toFixed(1)} s${u.page !== undefined ? ` (page answered at ${u.page.toFixed(1)} s)` : ''} = ${(u.seconds / http).toFixed(2)}x the floor's HTTP answer (${http.toFixed(1)} s)`,
    );
    if (three && /tiered/.test(u.what)) out.push(`  = ${(u.seconds / three.http).toFixed(2)}x three bare instances at once (${three.http.toFixed(1)} s)`);
  }
  return `${out.join('\n')}\n`;
}
