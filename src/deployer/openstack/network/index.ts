// Neutron (v2.0): one Resource per kind (list/get/create/update/delete, standard tags), and the
// actions some kinds add (router interfaces, floating IP association). Tag filters on lists:
// `{ tags: ['a', 'b'] }` (all of them), `{ 'tags-any': [...] }`, `not-tags`, `not-tags-any`.
import type { OpenStackError } from '../errors.js';
import { enc, TaggedResource } from '../resource.js';
import type { Session } from '../session.js';
import { FloatingIps } from './floating-ips.js';
import { Routers } from './routers.js';
import { SecurityGroupRules } from './security-groups.js';
import { Subnets } from './subnets.js';
import type * as T from './types.js';

/** Deleting a network/subnet/SG races the release of its ports after a server delete. */
const IN_USE = (e: OpenStackError) => /InUse|in use/i.test(`${e.osType} ${e.osMessage}`);

const spec = (path: string, key: string) => ({
  service: 'network' as const,
  path,
  key,
  plural: `${key}s`,
  nameFilter: true,
  deleteConflict: IN_USE,
});

export class NetworkClient {
  readonly networks: TaggedResource<T.Network, T.NetworkCreate, T.NetworkUpdate>;
  readonly subnets: Subnets;
  readonly routers: Routers;
  readonly ports: TaggedResource<T.Port, T.PortCreate, T.PortUpdate>;
  readonly securityGroups: TaggedResource<T.SecurityGroup, T.SecurityGroupCreate, T.SecurityGroupUpdate>;
  readonly securityGroupRules: SecurityGroupRules;
  readonly floatingIps: FloatingIps;
  readonly quotas: NetworkQuotas;

  constructor(session: Session) {
    this.networks = new TaggedResource(session, spec('/networks', 'network'));
    this.subnets = new Subnets(session, spec('/subnets', 'subnet'));
    this.routers = new Routers(session, spec('/routers', 'router'));
    this.ports = new TaggedResource(session, spec('/ports', 'port'));
    this.securityGroups = new TaggedResource(session, spec('/security-groups', 'security_group'));
    this.securityGroupRules = new SecurityGroupRules(session, { ...spec('/security-group-rules', 'security_group_rule'), nameFilter: false });
    this.floatingIps = new FloatingIps(session, { ...spec('/floatingips', 'floatingip'), nameFilter: false });
    this.quotas = new NetworkQuotas(session);
  }

  /** Networks with router:external (where floating IPs come from). */
  listExternalNetworks(): Promise<T.Network[]> {
    return this.networks.list({ 'router:external': true });
  }
}

export class NetworkQuotas {
  constructor(private readonly session: Session) {}

  /** Per resource (network, port, floatingip, ...): limit, used and reserved; -1 is unlimited. */
  async details(projectId: string): Promise<Record<string, T.QuotaUsage>> {
    const res = await this.session.request<{ quota: Record<string, T.QuotaUsage> }>('network', 'GET', `/quotas/${enc(projectId)}/details`);
    return res.body.quota;
  }
}

export type * from './types.js';
export type { CreatedRule } from './security-groups.js';
export { FloatingIps, Routers, SecurityGroupRules, Subnets };
