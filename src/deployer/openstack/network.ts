// Neutron: networks, subnets, routers and their interfaces, ports, security groups and rules,
// floating IPs, quotas. Lists follow every page.
import { ignore404 } from './compute.js';
import { OpenStackError } from './errors.js';
import { collect, paginate } from './pagination.js';
import type { Session } from './session.js';

export interface Network {
  id: string;
  name: string;
  status: string;
  subnets: string[];
  'router:external'?: boolean;
  shared?: boolean;
  project_id?: string;
}

export interface Subnet {
  id: string;
  name: string;
  network_id: string;
  cidr: string;
  ip_version: number;
  gateway_ip?: string | null;
  enable_dhcp?: boolean;
}

export interface Router {
  id: string;
  name: string;
  status: string;
  external_gateway_info?: { network_id: string; external_fixed_ips?: FixedIp[] } | null;
}

export interface FixedIp {
  subnet_id: string;
  ip_address?: string;
}

export interface Port {
  id: string;
  name: string;
  network_id: string;
  device_id: string;
  device_owner: string;
  status: string;
  fixed_ips: FixedIp[];
  security_groups?: string[];
  mac_address?: string;
}

export interface SecurityGroup {
  id: string;
  name: string;
  description?: string;
  security_group_rules?: SecurityGroupRule[];
}

export interface SecurityGroupRule {
  id: string;
  security_group_id: string;
  direction: 'ingress' | 'egress';
  ethertype: 'IPv4' | 'IPv6';
  protocol?: string | null;
  port_range_min?: number | null;
  port_range_max?: number | null;
  remote_ip_prefix?: string | null;
  remote_group_id?: string | null;
}

export interface FloatingIp {
  id: string;
  floating_ip_address: string;
  floating_network_id: string;
  port_id?: string | null;
  fixed_ip_address?: string | null;
  status: string;
}

export type Filters = Record<string, string | number | boolean | string[] | undefined>;
type Opt = { ignoreMissing?: boolean };

/** Deleting a network/subnet/SG races the release of its ports after a server delete. */
const IN_USE = (e: OpenStackError) => /InUse|in use/i.test(`${e.osType} ${e.osMessage}`);

export class NetworkClient {
  constructor(private readonly session: Session) {}

  // ---- generic helpers: one resource kind = one path and one JSON key
  private list<T>(path: string, key: string, filters?: Filters, pageSize?: number): Promise<T[]> {
    return collect(paginate<T>(this.session, 'network', path, key, { query: filters, pageSize }));
  }

  private async get<T>(path: string, key: string): Promise<T> {
    return (await this.session.request<Record<string, T>>('network', 'GET', path)).body[key] as T;
  }

  private async create<T>(path: string, key: string, body: object, retryNotFound = false): Promise<T> {
    const res = await this.session.request<Record<string, T>>('network', 'POST', path, { json: { [key]: body }, retryNotFound });
    return res.body[key] as T;
  }

  private async update<T>(path: string, key: string, body: object): Promise<T> {
    return (await this.session.request<Record<string, T>>('network', 'PUT', path, { json: { [key]: body } })).body[key] as T;
  }

  private remove(path: string, o: Opt = {}): Promise<void> {
    return ignore404(this.session.request('network', 'DELETE', path, { retryConflict: IN_USE }), o.ignoreMissing);
  }

  // ---- networks and subnets
  listNetworks(filters?: Filters, pageSize?: number) {
    return this.list<Network>('/networks', 'networks', filters, pageSize);
  }
  listExternalNetworks() {
    return this.listNetworks({ 'router:external': true });
  }
  getNetwork(id: string) {
    return this.get<Network>(`/networks/${enc(id)}`, 'network');
  }
  async findNetwork(nameOrId: string): Promise<Network | undefined> {
    const byName = await this.listNetworks({ name: nameOrId });
    return byName[0] ?? (await this.listNetworks({ id: nameOrId }))[0];
  }
  createNetwork(body: { name: string; [k: string]: unknown }) {
    return this.create<Network>('/networks', 'network', body);
  }
  deleteNetwork(id: string, o?: Opt) {
    return this.remove(`/networks/${enc(id)}`, o);
  }

  listSubnets(filters?: Filters, pageSize?: number) {
    return this.list<Subnet>('/subnets', 'subnets', filters, pageSize);
  }
  createSubnet(body: { network_id: string; cidr: string; ip_version?: 4 | 6; name?: string; [k: string]: unknown }) {
    return this.create<Subnet>('/subnets', 'subnet', { ip_version: 4, ...body });
  }
  deleteSubnet(id: string, o?: Opt) {
    return this.remove(`/subnets/${enc(id)}`, o);
  }

  // ---- routers
  listRouters(filters?: Filters) {
    return this.list<Router>('/routers', 'routers', filters);
  }
  getRouter(id: string) {
    return this.get<Router>(`/routers/${enc(id)}`, 'router');
  }
  createRouter(body: { name: string; external_gateway_info?: { network_id: string }; [k: string]: unknown }) {
    return this.create<Router>('/routers', 'router', body);
  }
  setRouterGateway(id: string, networkId: string | null) {
    return this.update<Router>(`/routers/${enc(id)}`, 'router', { external_gateway_info: networkId ? { network_id: networkId } : {} });
  }
  /** Attaches a subnet (its gateway IP) or a port to the router. */
  async addRouterInterface(id: string, target: { subnet_id: string } | { port_id: string }): Promise<{ port_id: string; subnet_id: string }> {
    return (await this.session.request<{ port_id: string; subnet_id: string }>('network', 'PUT', `/routers/${enc(id)}/add_router_interface`, { json: target })).body;
  }
  async removeRouterInterface(id: string, target: { subnet_id: string } | { port_id: string }, o: Opt = {}): Promise<void> {
    await ignore404(this.session.request('network', 'PUT', `/routers/${enc(id)}/remove_router_interface`, { json: target }), o.ignoreMissing);
  }
  deleteRouter(id: string, o?: Opt) {
    return this.remove(`/routers/${enc(id)}`, o);
  }

  // ---- ports
  listPorts(filters?: Filters, pageSize?: number) {
    return this.list<Port>('/ports', 'ports', filters, pageSize);
  }
  getPort(id: string) {
    return this.get<Port>(`/ports/${enc(id)}`, 'port');
  }
  createPort(body: { network_id: string; name?: string; fixed_ips?: FixedIp[]; security_groups?: string[]; [k: string]: unknown }) {
    return this.create<Port>('/ports', 'port', body);
  }
  updatePort(id: string, body: Record<string, unknown>) {
    return this.update<Port>(`/ports/${enc(id)}`, 'port', body);
  }
  deletePort(id: string, o?: Opt) {
    return this.remove(`/ports/${enc(id)}`, o);
  }

  // ---- security groups
  listSecurityGroups(filters?: Filters) {
    return this.list<SecurityGroup>('/security-groups', 'security_groups', filters);
  }
  getSecurityGroup(id: string) {
    return this.get<SecurityGroup>(`/security-groups/${enc(id)}`, 'security_group');
  }
  createSecurityGroup(name: string, description = '') {
    return this.create<SecurityGroup>('/security-groups', 'security_group', { name, description });
  }
  deleteSecurityGroup(id: string, o?: Opt) {
    return this.remove(`/security-groups/${enc(id)}`, o);
  }

  /** Creates a rule; one that exists already (409 SecurityGroupRuleExists) counts as success. */
  async createSecurityGroupRule(rule: Omit<SecurityGroupRule, 'id' | 'ethertype'> & { ethertype?: 'IPv4' | 'IPv6' }): Promise<SecurityGroupRule & { existed?: true }> {
    try {
      return await this.create<SecurityGroupRule>('/security-group-rules', 'security_group_rule', { ethertype: 'IPv4', ...rule });
    } catch (err) {
      if (!(err instanceof OpenStackError && err.status === 409 && /RuleExists|already exists/i.test(`${err.osType} ${err.osMessage}`))) throw err;
      const id = /Rule id is ([0-9a-f-]{36})/i.exec(err.osMessage)?.[1];
      const existing = id ? await this.get<SecurityGroupRule>(`/security-group-rules/${id}`, 'security_group_rule') : undefined;
      return { ...(existing ?? ({ ...rule, id: id ?? '', ethertype: rule.ethertype ?? 'IPv4' } as SecurityGroupRule)), existed: true };
    }
  }
  deleteSecurityGroupRule(id: string, o?: Opt) {
    return this.remove(`/security-group-rules/${enc(id)}`, o);
  }

  // ---- floating IPs
  listFloatingIps(filters?: Filters) {
    return this.list<FloatingIp>('/floatingips', 'floatingips', filters);
  }
  getFloatingIp(id: string) {
    return this.get<FloatingIp>(`/floatingips/${enc(id)}`, 'floatingip');
  }
  /**
   * Allocates a floating IP on the external network, on a port when given. A port Nova has
   * just made can answer 404 for a moment (another Neutron worker, not yet committed): retried.
   */
  createFloatingIp(floatingNetworkId: string, portId?: string, fixedIp?: string) {
    const body: Record<string, string> = { floating_network_id: floatingNetworkId };
    if (portId) body.port_id = portId;
    if (fixedIp) body.fixed_ip_address = fixedIp;
    return this.create<FloatingIp>('/floatingips', 'floatingip', body, portId !== undefined);
  }
  /** Moves a floating IP to a port, or off it with null. */
  setFloatingIpPort(id: string, portId: string | null) {
    return this.update<FloatingIp>(`/floatingips/${enc(id)}`, 'floatingip', { port_id: portId });
  }
  deleteFloatingIp(id: string, o?: Opt) {
    return this.remove(`/floatingips/${enc(id)}`, o);
  }

  // ---- quotas
  async getQuotas(projectId: string): Promise<Record<string, { limit: number; used: number; reserved: number }>> {
    const res = await this.session.request<{ quota: Record<string, { limit: number; used: number; reserved: number }> }>(
      'network',
      'GET',
      `/quotas/${enc(projectId)}/details`,
    );
    return res.body.quota;
  }
}

const enc = encodeURIComponent;
