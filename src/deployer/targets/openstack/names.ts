// How the openstack target names and marks what it creates. The cloud is the only state: every
// resource is named <prefix>-<stack>-… and tagged (berth-stack=…, berth-layout=…, berth-tier=…;
// servers also carry them as metadata), so `up`, `status` and `down` find everything by tag, also
// what an interrupted run left behind. Neutron resources also get a description naming the stack:
// it is set in the same call that creates them, so even one created just before a crash (and
// before its tags were set) is recognised as ours.
import { createHash } from 'node:crypto';
import type { LayoutName } from '../../layouts/plan.js';

export const TAG = {
  berth: 'berth',
  prefix: (p: string) => `berth-prefix=${p}`,
  stack: (id: string) => `berth-stack=${id}`,
  layout: (l: LayoutName) => `berth-layout=${l}`,
  tier: (t: string) => `berth-tier=${t}`,
} as const;

export const META = {
  stack: 'berth-stack',
  layout: 'berth-layout',
  tier: 'berth-tier',
  hash: 'berth-hash',
  secretPrefix: 'berth-secret-',
  /** On a server: the stack volumes (`service/volume`) kept on its own disk, '-' for none. */
  diskData: 'berth-disk-data',
  /** On a Cinder volume (which has metadata, not tags): the stack volume it holds. */
  prefix: 'berth-prefix',
  service: 'berth-service',
  volume: 'berth-volume',
} as const;

export const stackId = (prefix: string, stack: string) => `${prefix}-${stack}`;
export const ownerDescription = (id: string) => `berth stack ${id}`;

export const names = {
  network: (id: string, key: string) => `${id}-${key}-net`,
  subnet: (id: string, key: string) => `${id}-${key}-subnet`,
  router: (id: string) => `${id}-router`,
  group: (id: string, server: string) => `${id}-${server}`,
  server: (id: string, server: string) => `${id}-${server}`,
  port: (id: string, server: string, net: string) => `${id}-${server}-${net}`,
  floatingIp: (id: string) => `${id}-entry`,
  volume: (id: string, service: string, volume: string) => `${id}-${service}-${volume}`,
  loadBalancer: (id: string, service: string) => `${id}-${service}-lb`,
};

/** A Cinder volume's marks: its metadata (Cinder has no tags), set in the create itself. */
export function volumeMetadata(prefix: string, id: string, service: string, volume: string): Record<string, string> {
  return { berth: '1', [META.prefix]: prefix, [META.stack]: id, [META.service]: service, [META.volume]: volume };
}

export function baseTags(prefix: string, id: string, layout: LayoutName): string[] {
  return [TAG.berth, TAG.prefix(prefix), TAG.stack(id), TAG.layout(layout)];
}

/** A MAC of OpenStack's own range, fixed by the port's name: the user-data finds each NIC by it. */
export function macFor(id: string, portName: string): string {
  const h = createHash('sha256').update(`${id}/${portName}`).digest('hex');
  return `fa:16:3e:${h.slice(0, 2)}:${h.slice(2, 4)}:${h.slice(4, 6)}`;
}

export const tagValue = (tags: readonly string[] | undefined, key: string) => tags?.find((t) => t.startsWith(`${key}=`))?.slice(key.length + 1);
