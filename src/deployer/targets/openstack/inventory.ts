// Ansible's dynamic inventory, built from what Nova reports (as the original built it): groups
// web, app and dbs with their hosts; each host's address (its floating IP, else its dmz address
// reached through the entry's floating IP as an SSH jump host), tier and addresses per network.
// `berth inventory --list` prints inventory(); `--host NAME` prints one host's variables.
// The SSH options are written once (sshOptions) and used by the inventory and by berth's own SSH
// (backup, restore), so what Ansible reaches berth reaches the same way.
import { resolve } from 'node:path';
import { TargetError } from '../shared/errors.js';
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
  ansible_ssh_common_args: string;
  ansible_ssh_private_key_file?: string;
  berth_tier: string;
  berth_layout: string;
  berth_addresses: Record<string, string>;
  berth_floating_ip?: string;
}

export const GROUPS = ['web', 'app', 'dbs'] as const;

/** Network names are <stack id>-<key>-net; the inventory shows the key (dmz, app, dbs). */
const netKey = (id: string, network: string) => network.replace(`${id}-`, '').replace(/-net$/, '');

/** A key file's absolute path; it goes into a ProxyCommand (run by a shell), so only plain characters. */
export function sshKeyPath(file: string): string {
  const abs = resolve(file);
  if (!/^[A-Za-z0-9._/@+=,~-]+$/.test(abs))
    throw new TargetError(
      `--ssh-key ${file}: the path may hold only letters, digits and . _ / @ + = , ~ - (it goes into an SSH ProxyCommand)`,
      'copy or link the key to a plain path',
    );
  return abs;
}

/**
 * Host-key checking by the server's Nova id (HostKeyAlias): the first connection to a server pins
 * its key (accept-new), a later one checks it, and a replaced server, or another stack's server
 * on the same fixed address (every stack's dbs is 192.168.0.30), is a new id, not a "changed key".
 */
const hostKeyOptions = (serverId: string) => ['-o', `HostKeyAlias=${serverId}`, '-o', 'StrictHostKeyChecking=accept-new'];

export interface SshHop {
  user: string;
  address: string;
  serverId: string;
}

/**
 * ssh's options to reach a server, as separate arguments: the key, the host-key checking and,
 * through the jump host, a ProxyCommand that carries the same key and host-key options to the
 * jump (a plain ProxyJump would carry neither). Nothing secret is in them.
 */
export function sshOptions(target: { serverId: string }, jump?: SshHop, key?: string): string[] {
  const keyArgs = key ? ['-i', key, '-o', 'IdentitiesOnly=yes'] : [];
  const proxy = jump
    ? [
        '-o',
        `ProxyCommand=${['ssh', '-W', '%h:%p', '-o', 'BatchMode=yes', ...keyArgs, ...hostKeyOptions(jump.serverId), `${jump.user}@${jump.address}`].join(' ')}`,
      ]
    : [];
  return [...hostKeyOptions(target.serverId), ...proxy];
}

/** The same options as one string for ansible_ssh_common_args (Ansible splits it like a shell). */
const asArgsString = (args: string[]) => args.map((a, i) => (args[i - 1] === '-o' && a.includes(' ') ? `"${a}"` : a)).join(' ');

export function inventory(id: string, servers: ObservedServer[], sshUser: string, sshKey?: string): Inventory {
  const live = servers.filter((s) => !/DELETED/.test(s.status)).sort((a, b) => a.name.localeCompare(b.name));
  const entry = live.find((s) => s.addresses.some((a) => a.floating));
  const jump: SshHop | undefined = entry && { user: sshUser, address: entry.addresses.find((a) => a.floating)!.addr, serverId: entry.id };
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
      ansible_ssh_common_args: asArgsString(sshOptions({ serverId: s.id }, fip ? undefined : jump, sshKey)),
      ...(sshKey ? { ansible_ssh_private_key_file: sshKey } : {}),
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
