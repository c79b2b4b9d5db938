// Neutron security group rules: creating a rule that exists already is success, so applying the
// same rules twice converges instead of failing.
import { OpenStackError } from '../errors.js';
import { Resource } from '../resource.js';
import type { SecurityGroupRule, SecurityGroupRuleCreate } from './types.js';

export type CreatedRule = SecurityGroupRule & { existed?: true };

export class SecurityGroupRules extends Resource<SecurityGroupRule, SecurityGroupRuleCreate, never> {
  /** Creates a rule; 409 SecurityGroupRuleExists returns the existing rule with `existed: true`. */
  override async create(rule: SecurityGroupRuleCreate): Promise<CreatedRule> {
    try {
      return await super.create({ ethertype: 'IPv4', ...rule });
    } catch (err) {
      if (!(err instanceof OpenStackError && err.status === 409 && /RuleExists|already exists/i.test(`${err.osType} ${err.osMessage}`))) throw err;
      const id = /Rule id is ([0-9a-f-]{36})/i.exec(err.osMessage)?.[1];
      const existing = id ? await this.getIfExists(id) : undefined;
      if (existing) return { ...existing, existed: true };
      const same = await this.list(ruleFilters(rule));
      if (same[0]) return { ...same[0], existed: true };
      throw err;
    }
  }
}

/** The filters that find a rule equal to `r` (Neutron matches each given field exactly). */
function ruleFilters(r: SecurityGroupRuleCreate): Record<string, string | number> {
  const out: Record<string, string | number> = { security_group_id: r.security_group_id, direction: r.direction, ethertype: r.ethertype ?? 'IPv4' };
  for (const k of ['protocol', 'port_range_min', 'port_range_max', 'remote_ip_prefix', 'remote_group_id'] as const) {
    const v = r[k];
    if (v !== undefined && v !== null) out[k] = v;
  }
  return out;
}
