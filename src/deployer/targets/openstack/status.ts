// `berth status` and `berth logs` on OpenStack: the stack's servers found by tag, their status
// and addresses, the floating IP, each tier's containers as its user-data reported them on the
// console, and whether the board answers /readyz through the floating IP.
import { setTimeout as sleep } from 'node:timers/promises';
import type { OpenStack } from '../../openstack/index.js';
import { TargetError } from '../shared/errors.js';
import { META, TAG } from './names.js';
import { mayHaveLoadBalancers, observedServer } from './read.js';
import { answers, containerState, USERDATA_LINE, userdataText } from './wait.js';

export interface ServerStatus {
  name: string;
  tier: string;
  status: string;
  fault?: string;
  addresses: Record<string, string[]>;
  floatingIp?: string;
  /** Containers the user-data reported healthy or running, from the console. */
  containers: { name: string; state: string }[];
  lastLine?: string;
}

/** A replicated service's load balancer and each member as its health monitor sees it. */
export interface LoadBalancerStatus {
  name: string;
  vip: string;
  provisioning: string;
  operating: string;
  members: { name: string; address: string; port: number; operating: string }[];
}

export interface StackStatus {
  stack: string;
  layout?: string;
  url?: string;
  ready?: boolean;
  servers: ServerStatus[];
  /** On a cloud with Octavia; [] when no service is replicated. */
  loadBalancers: LoadBalancerStatus[];
}

export async function status(os: OpenStack, id: string, entryPort = 80): Promise<StackStatus> {
  const servers = (await os.compute.servers.list({ tags: [TAG.stack(id)] })).map(observedServer).sort((a, b) => a.name.localeCompare(b.name));
  const out: ServerStatus[] = await Promise.all(
    servers.map(async (s) => {
      const console = s.status === 'ACTIVE' ? await os.compute.servers.consoleOutput(s.id, { length: 400 }).catch(() => '') : '';
      const lines = console.split('\n').filter((l) => USERDATA_LINE.test(l));
      const containers = new Map<string, string>();
      for (const l of lines) {
        const c = containerState(l);
        if (c) containers.set(c.name, c.state);
      }
      const addresses: Record<string, string[]> = {};
      for (const a of s.addresses.filter((x) => !x.floating)) (addresses[a.network] ??= []).push(a.addr);
      const fip = s.addresses.find((a) => a.floating)?.addr;
      return {
        name: s.name,
        tier: s.metadata[META.tier] ?? '?',
        status: s.status,
        ...(s.fault ? { fault: s.fault } : {}),
        addresses,
        ...(fip ? { floatingIp: fip } : {}),
        containers: [...containers].map(([name, state]) => ({ name, state })),
        ...(lines.length ? { lastLine: userdataText(lines.at(-1)!) } : {}),
      };
    }),
  );
  const loadBalancers = (await mayHaveLoadBalancers(os, TAG.stack(id))) ? await loadBalancerStatus(os, id) : [];
  // A replicated entry's floating IP is on its load balancer's VIP, not on a server.
  const fip =
    out.find((s) => s.floatingIp)?.floatingIp ??
    (loadBalancers.length ? (await os.network.floatingIps.list({ tags: [TAG.stack(id)] }))[0]?.floating_ip_address : undefined);
  const url = fip ? `http://${fip}${entryPort === 80 ? '' : `:${entryPort}`}/` : undefined;
  return {
    stack: id,
    ...(servers[0] ? { layout: servers[0].metadata[META.layout] } : {}),
    ...(url ? { url, ready: await answers(`${url}readyz`) } : {}),
    servers: out,
    loadBalancers,
  };
}

async function loadBalancerStatus(os: OpenStack, id: string): Promise<LoadBalancerStatus[]> {
  const lbs = await os.loadBalancer.loadBalancers.list({ tags: [TAG.stack(id)] });
  return Promise.all(
    lbs.map(async (lb) => {
      const tree = await os.loadBalancer.loadBalancers.statusTree(lb.id).catch(() => undefined);
      const members = (tree?.loadbalancer.listeners ?? []).flatMap((l) => (l.pools ?? []).flatMap((p) => p.members ?? []));
      return {
        name: lb.name,
        vip: lb.vip_address,
        provisioning: lb.provisioning_status,
        operating: tree?.loadbalancer.operating_status ?? lb.operating_status,
        members: members
          .map((m) => ({ name: m.name, address: m.address, port: m.protocol_port, operating: m.operating_status }))
          .sort((a, b) => a.name.localeCompare(b.name)),
      };
    }),
  );
}

/** The console log of one tier's server; with follow, new lines as they come, until interrupted. */
export async function consoleLog(os: OpenStack, id: string, tier: string, follow: boolean, write: (s: string) => void, signal?: AbortSignal): Promise<void> {
  const [server] = await os.compute.servers.list({ tags: [TAG.stack(id), TAG.tier(tier)] });
  const any = server ?? (await os.compute.servers.list({ tags: [TAG.stack(id), TAG.tier('all')] }))[0];
  if (!any) throw new TargetError(`no server for tier ${tier} in ${id}`, 'see what runs: berth status --target openstack');
  let shown = '';
  for (;;) {
    const out = await os.compute.servers.consoleOutput(any.id);
    write(out.startsWith(shown) ? out.slice(shown.length) : out);
    shown = out;
    if (!follow || signal?.aborted) return;
    await sleep(2000);
  }
}
