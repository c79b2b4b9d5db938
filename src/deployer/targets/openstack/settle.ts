// A killed `up` (Ctrl-C, kill -9, a closed terminal) can leave requests the cloud is still
// carrying out: a port or a server that appears a few seconds after the next `up` has read the
// cloud. That `up` would make it a second time (a second server; for a port, a refusal, as its
// planned MAC is taken). So when what is read shows an interrupted run (something of ours left
// untagged, a server still building, a volume being made or attached, or left unattached beside
// running servers), the read is repeated until it stops changing, and only
// then is the diff made. A volume still being made or attached is waited for until it is done
// (longer than the rest: an attach takes Nova tens of seconds on a busy host, and its status does
// not change meanwhile, so it would look settled; a diff made then would attach it a second time).
// A cloud with no such sign is read once: a re-run stays as fast as it was.
import { setTimeout as sleep } from 'node:timers/promises';
import { VOLUME_BUSY } from '../../openstack/block-storage/index.js';
import type { Observed } from './observed.js';

export interface SettleTiming {
  /** Between two reads. */
  intervalMs: number;
  /** Settled: nothing appeared or was tagged for this long... */
  quietMs: number;
  /** ...and at least this long since the first read (a create still on its way). */
  minMs: number;
  /** Give up waiting (the diff is then made on the last read). */
  maxMs: number;
  /** ...but while a volume is still being made or attached, wait up to this long (default maxMs). */
  busyVolumeMs?: number;
}

export const SETTLE: SettleTiming = { intervalMs: 2000, quietMs: 4000, minMs: 6000, maxMs: 60_000, busyVolumeMs: 300_000 };

const volumeBusy = (o: Observed) => (o.volumes ?? []).some((v) => VOLUME_BUSY.has(v.status));

/**
 * What a run stopped half-way leaves: something ours by description but untagged, a port of ours
 * no server has taken (after a whole `up` every port is bound), a server still building.
 */
export function interruptedSigns(o: Observed): string[] {
  const neutron = [...o.networks, ...o.networks.flatMap((n) => n.subnets), ...o.routers, ...o.groups, ...o.ports, ...o.floatingIps];
  const count = (n: number, what: string) => (n ? [`${n} ${what}`] : []);
  return [
    ...count(neutron.filter((x) => x.owned && !x.tagged).length, 'untagged'),
    ...count(o.ports.filter((p) => p.owned && !p.deviceId).length, 'unbound port(s)'),
    ...count(o.servers.filter((s) => s.status === 'BUILD').length, 'building'),
    ...count((o.volumes ?? []).filter((v) => VOLUME_BUSY.has(v.status)).length, 'volume(s) being made or attached'),
    // After a whole `up` every volume is on its server; after `down` there is no server.
    ...count(o.servers.some((s) => s.status === 'ACTIVE') ? (o.volumes ?? []).filter((v) => v.status === 'available').length : 0, 'volume(s) not attached'),
  ];
}

/** Which resources exist and which carry their tags (not their status: a boot going on is no change). */
export function fingerprint(o: Observed): string {
  const neutron = [...o.networks, ...o.networks.flatMap((n) => n.subnets), ...o.routers, ...o.groups, ...o.ports, ...o.floatingIps];
  const volumes = (o.volumes ?? []).map((v) => `${v.id}:${v.status}:${v.serverIds.join('+')}`);
  return [...neutron.map((x) => `${x.id}:${x.tagged ? 't' : '-'}`), ...o.servers.map((s) => s.id), ...volumes].sort().join(' ');
}

export interface SettleDeps {
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  onWait?: (message: string) => void;
}

/** read() once, or, after an interrupted run, until the reads agree (see the top of the file). */
export async function settledRead(read: () => Promise<Observed>, t: SettleTiming = SETTLE, deps: SettleDeps = {}): Promise<Observed> {
  const now = deps.now ?? Date.now;
  const wait = deps.sleep ?? sleep;
  let o = await read();
  const signs = interruptedSigns(o);
  if (!signs.length) return o;
  deps.onWait?.(`an earlier run was interrupted (${signs.join(', ')}): waiting until the cloud has finished what it was asked`);
  const first = now();
  let last = fingerprint(o);
  let changed = first;
  const limit = () => (volumeBusy(o) ? Math.max(t.maxMs, t.busyVolumeMs ?? 0) : t.maxMs);
  while (now() - first < limit()) {
    await wait(t.intervalMs);
    o = await read();
    const f = fingerprint(o);
    if (f !== last) [last, changed] = [f, now()];
    if (now() - changed >= t.quietMs && now() - first >= t.minMs && !volumeBusy(o)) return o;
  }
  return o;
}
