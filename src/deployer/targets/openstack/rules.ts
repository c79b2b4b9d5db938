// Least-privilege security groups, derived from the stack: the entry's port from anywhere, each
// service's port only from the groups of the services that talk to it (`talksTo`), SSH to the
// entry's server only from the console CIDRs and to the other servers only from the entry's group
// (the inventory reaches them through the entry as a jump host, so SSH arrives from its address:
// nothing more is open to the console network, and nothing new to the world), nothing else. Egress stays Neutron's default (any), which the servers need to
// pull images and answer.
import type { StackSpec } from '../../stack/schema.js';

export interface RuleSpec {
  protocol: 'tcp';
  port: number;
  /** A CIDR, or the key of the group whose members may connect. */
  from: { cidr: string } | { group: string };
}

export const ANYWHERE = '0.0.0.0/0';

/**
 * Rules for each server's group. `serverOf` maps a service to the server (group key) it runs on;
 * peers on the same server need no rule.
 */
export function deriveRules(
  stack: StackSpec,
  entry: string | undefined,
  serverOf: (svc: string) => string,
  sshCidrs: readonly string[] = [],
): Map<string, RuleSpec[]> {
  const out = new Map<string, RuleSpec[]>();
  const add = (group: string, r: RuleSpec) => {
    const list = out.get(group) ?? [];
    if (!list.some((x) => ruleKey(x) === ruleKey(r))) list.push(r);
    out.set(group, list);
  };
  for (const svc of Object.keys(stack.services)) out.set(serverOf(svc), out.get(serverOf(svc)) ?? []);
  if (entry) {
    const port = stack.services[entry]!.ports[0]?.container;
    if (port) add(serverOf(entry), { protocol: 'tcp', port, from: { cidr: ANYWHERE } });
  }
  for (const [client, spec] of Object.entries(stack.services)) {
    for (const t of spec.talksTo) {
      const port = t.port ?? stack.services[t.service]!.ports[0]?.container;
      if (!port || serverOf(client) === serverOf(t.service)) continue;
      add(serverOf(t.service), { protocol: 'tcp', port, from: { group: serverOf(client) } });
    }
  }
  if (sshCidrs.length) {
    // No entry (no floating IP): every server is reached directly, from the console CIDRs.
    const jump = entry ? serverOf(entry) : undefined;
    for (const g of out.keys()) {
      if (jump && g !== jump) add(g, { protocol: 'tcp', port: 22, from: { group: jump } });
      else for (const cidr of sshCidrs) add(g, { protocol: 'tcp', port: 22, from: { cidr } });
    }
  }
  for (const list of out.values()) list.sort((a, b) => ruleKey(a).localeCompare(ruleKey(b)));
  return out;
}

export const ruleKey = (r: RuleSpec) => `${r.protocol}/${r.port}/${'cidr' in r.from ? r.from.cidr : `group:${r.from.group}`}`;
