// Ansible's dynamic inventory, built from what Nova reports (as the original built it): groups
// web, app and dbs with their hosts; each host's address (its floating IP, else its dmz address
// reached through the entry's floating IP as an SSH jump host), tier and addresses per network.
// `berth inventory --list` prints inventory(); `--host NAME` prints one host's variables.
import { META } from './names.js';
import type { ObservedServer } from './observed.js';

export interface Inventory {
  _meta: { hostvars: Record<string, HostVars> };
  all: { children: string[] };
  [group: string]: { hosts?: string[]; children?: string[] } | Inventory['_meta'];
}

export interface HostVars {
  ansible_host: string;
  ansible_user: string;
  ansible_ssh_common_args?: string;
  berth_tier: string;
  berth_layout: string;
  berth_addresses: Record<string, string>;
  berth_floating_ip?: string;
}

export const GROUPS = ['web', 'app', 'dbs'] as const;

/** Network names are <stack id>-<key>-net; the inventory shows the key (dmz, app, dbs). */
const netKey = (id: string, network: string) => network.replace(`${id}-`, '').replace(/-net$/, '');

export function inventory(id: string, servers: ObservedServer[], sshUser: string): Inventory {
  const live = servers.filter((s) => !/DELETED/.test(s.status)).sort((a, b) => a.name.localeCompare(b.name));
  const jump = live.flatMap((s) => s.addresses.filter((a) => a.floating).map((a) => a.addr))[0];
  const hostvars: Record<string, HostVars> = {};
  const groups: Record<string, string[]> = Object.fromEntries(GROUPS.map((g) => [g, []]));
  for (const s of live) {
    const fixed = Object.fromEntries(s.addresses.filter((a) => !a.floating).map((a) => [netKey(id, a.network), a.addr]));
    const fip = s.addresses.find((a) => a.floating)?.addr;
    const host = fip ?? fixed.dmz ?? Object.values(fixed)[0];
    if (!host) continue;
    const tier = s.metadata[META.tier] ?? 'all';
    hostvars[s.name] = {
      ansible_host: host,
      ansible_user: sshUser,
      ...(!fip && jump ? { ansible_ssh_common_args: `-o ProxyJump=${sshUser}@${jump}` } : {}),
      berth_tier: tier,
      berth_layout: s.metadata[META.layout] ?? '?',
      berth_addresses: fixed,
      ...(fip ? { berth_floating_ip: fip } : {}),
    };
    // The single layout's one VM runs every tier: it is in every group.
    for (const g of GROUPS) if (tier === g || tier === 'all') groups[g]!.push(s.name);
  }
  return { _meta: { hostvars }, all: { children: [...GROUPS] }, ...Object.fromEntries(GROUPS.map((g) => [g, { hosts: groups[g]! }])) };
}
