// Neutron's resources as its API reference names them (v2.0, wire field names), and the bodies
// berth sends to create and update them.

/** Fields every Neutron resource with standard attributes has. */
interface Standard {
  id: string;
  name: string;
  description?: string;
  project_id?: string;
  tags?: string[];
  created_at?: string;
  updated_at?: string;
  revision_number?: number;
}

export interface Network extends Standard {
  status: string;
  subnets: string[];
  admin_state_up?: boolean;
  'router:external'?: boolean;
  shared?: boolean;
  mtu?: number;
  port_security_enabled?: boolean;
}

export interface NetworkCreate {
  name: string;
  description?: string;
  admin_state_up?: boolean;
  shared?: boolean;
  'router:external'?: boolean;
  mtu?: number;
  port_security_enabled?: boolean;
}
export type NetworkUpdate = Partial<Omit<NetworkCreate, 'router:external'>>;

export interface AllocationPool {
  start: string;
  end: string;
}

export interface HostRoute {
  destination: string;
  nexthop: string;
}

export interface Subnet extends Standard {
  network_id: string;
  cidr: string;
  ip_version: 4 | 6;
  gateway_ip: string | null;
  allocation_pools: AllocationPool[];
  host_routes: HostRoute[];
  dns_nameservers: string[];
  enable_dhcp: boolean;
}

export interface SubnetCreate {
  network_id: string;
  cidr: string;
  /** 4 when left out. */
  ip_version?: 4 | 6;
  name?: string;
  description?: string;
  /** null: no gateway (a network reached only through another NIC's default route). */
  gateway_ip?: string | null;
  allocation_pools?: AllocationPool[];
  host_routes?: HostRoute[];
  dns_nameservers?: string[];
  enable_dhcp?: boolean;
}
export type SubnetUpdate = Partial<Omit<SubnetCreate, 'network_id' | 'cidr' | 'ip_version'>>;

export interface FixedIp {
  subnet_id?: string;
  ip_address?: string;
}

export interface ExternalGateway {
  network_id: string;
  enable_snat?: boolean;
  external_fixed_ips?: FixedIp[];
}

export interface Router extends Standard {
  status: string;
  admin_state_up?: boolean;
  external_gateway_info: ExternalGateway | null;
  routes?: HostRoute[];
}

export interface RouterCreate {
  name: string;
  description?: string;
  admin_state_up?: boolean;
  external_gateway_info?: ExternalGateway;
}
export interface RouterUpdate {
  name?: string;
  description?: string;
  admin_state_up?: boolean;
  /** `{}` or null clears the gateway. */
  external_gateway_info?: ExternalGateway | Record<string, never> | null;
  routes?: HostRoute[];
}

/** What add_router_interface / remove_router_interface take: a subnet (its gateway IP) or a port. */
export type RouterInterface = { subnet_id: string } | { port_id: string };

export interface RouterInterfaceInfo {
  id: string;
  port_id: string;
  subnet_id: string;
  subnet_ids: string[];
  network_id: string;
}

export interface Port extends Standard {
  network_id: string;
  device_id: string;
  device_owner: string;
  status: string;
  fixed_ips: Required<FixedIp>[];
  mac_address: string;
  security_groups: string[];
  port_security_enabled?: boolean;
  admin_state_up?: boolean;
  allowed_address_pairs?: { ip_address: string; mac_address?: string }[];
  'binding:host_id'?: string;
}

export interface PortCreate {
  network_id: string;
  name?: string;
  description?: string;
  fixed_ips?: FixedIp[];
  /** Ids; the project's "default" group when left out, none with `[]`. */
  security_groups?: string[];
  /** Chosen by the network's owner (else Neutron picks one); unique on the network. */
  mac_address?: string;
  port_security_enabled?: boolean;
  admin_state_up?: boolean;
  allowed_address_pairs?: { ip_address: string; mac_address?: string }[];
  device_id?: string;
  device_owner?: string;
}
export type PortUpdate = Partial<Omit<PortCreate, 'network_id'>>;

export interface SecurityGroup extends Standard {
  stateful?: boolean;
  security_group_rules: SecurityGroupRule[];
}

export interface SecurityGroupCreate {
  name: string;
  description?: string;
  stateful?: boolean;
}
export type SecurityGroupUpdate = Partial<Omit<SecurityGroupCreate, 'stateful'>>;

export interface SecurityGroupRule {
  id: string;
  security_group_id: string;
  direction: 'ingress' | 'egress';
  ethertype: 'IPv4' | 'IPv6';
  protocol: string | null;
  port_range_min: number | null;
  port_range_max: number | null;
  remote_ip_prefix: string | null;
  remote_group_id: string | null;
  description?: string;
  project_id?: string;
}

export interface SecurityGroupRuleCreate {
  security_group_id: string;
  direction: 'ingress' | 'egress';
  /** IPv4 when left out. */
  ethertype?: 'IPv4' | 'IPv6';
  protocol?: string | null;
  port_range_min?: number | null;
  port_range_max?: number | null;
  remote_ip_prefix?: string | null;
  remote_group_id?: string | null;
  description?: string;
}

export interface FloatingIp extends Omit<Standard, 'name'> {
  floating_ip_address: string;
  floating_network_id: string;
  router_id: string | null;
  port_id: string | null;
  fixed_ip_address: string | null;
  status: string;
}

export interface FloatingIpCreate {
  floating_network_id: string;
  port_id?: string;
  fixed_ip_address?: string;
  floating_ip_address?: string;
  subnet_id?: string;
  description?: string;
}
export interface FloatingIpUpdate {
  port_id?: string | null;
  fixed_ip_address?: string | null;
  description?: string;
}

/** One line of Neutron's quota details. */
export interface QuotaUsage {
  limit: number;
  used: number;
  reserved: number;
}
