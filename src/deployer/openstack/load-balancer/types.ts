// Octavia's resources (v2 API) as its API reference names them (wire field names), and the
// bodies berth sends. Every resource has a provisioning_status (PENDING_CREATE, PENDING_UPDATE,
// PENDING_DELETE, ACTIVE, ERROR, DELETED) and an operating_status (ONLINE, OFFLINE, DEGRADED,
// ERROR, NO_MONITOR, DRAINING).

export type ProvisioningStatus = 'ACTIVE' | 'PENDING_CREATE' | 'PENDING_UPDATE' | 'PENDING_DELETE' | 'ERROR' | 'DELETED';

/** What every Octavia resource carries. */
export interface LbCommon {
  id: string;
  name: string;
  description?: string;
  provisioning_status: ProvisioningStatus | string;
  operating_status: string;
  admin_state_up?: boolean;
  project_id?: string;
  tags?: string[];
}

export interface LoadBalancer extends LbCommon {
  vip_address: string;
  vip_port_id: string;
  vip_subnet_id: string;
  vip_network_id?: string;
  provider?: string;
  flavor_id?: string | null;
  listeners: { id: string }[];
  pools: { id: string }[];
}

export interface LoadBalancerCreate {
  name: string;
  description?: string;
  vip_subnet_id: string;
  vip_address?: string;
  provider?: string;
  tags?: string[];
}

export interface Listener extends LbCommon {
  protocol: string;
  protocol_port: number;
  loadbalancers: { id: string }[];
  default_pool_id: string | null;
  /** Source CIDRs the listener accepts (empty: any). */
  allowed_cidrs?: string[] | null;
}

export interface ListenerCreate {
  name: string;
  description?: string;
  loadbalancer_id: string;
  protocol: 'HTTP' | 'TCP' | 'HTTPS' | 'UDP';
  protocol_port: number;
  default_pool_id?: string;
  tags?: string[];
}

export interface Pool extends LbCommon {
  protocol: string;
  lb_algorithm: string;
  listeners: { id: string }[];
  loadbalancers: { id: string }[];
  members: { id: string }[];
  healthmonitor_id: string | null;
}

export interface PoolCreate {
  name: string;
  description?: string;
  protocol: 'HTTP' | 'TCP' | 'HTTPS' | 'UDP' | 'PROXY';
  lb_algorithm: 'ROUND_ROBIN' | 'LEAST_CONNECTIONS' | 'SOURCE_IP';
  /** One of listener_id or loadbalancer_id. */
  listener_id?: string;
  loadbalancer_id?: string;
  tags?: string[];
}

export interface Member extends LbCommon {
  address: string;
  protocol_port: number;
  subnet_id?: string;
  /** 0 to 256; 0 takes no new connections (drain). */
  weight: number;
  backup?: boolean;
}

export interface MemberCreate {
  name: string;
  address: string;
  protocol_port: number;
  subnet_id?: string;
  weight?: number;
  tags?: string[];
}

export interface MemberUpdate {
  name?: string;
  weight?: number;
  admin_state_up?: boolean;
}

export interface HealthMonitor extends LbCommon {
  type: string;
  delay: number;
  timeout: number;
  max_retries: number;
  max_retries_down?: number;
  http_method?: string;
  url_path?: string;
  expected_codes?: string;
  pools: { id: string }[];
}

export interface HealthMonitorCreate {
  name: string;
  pool_id: string;
  type: 'HTTP' | 'TCP' | 'PING' | 'HTTPS';
  delay: number;
  timeout: number;
  max_retries: number;
  max_retries_down?: number;
  http_method?: 'GET' | 'HEAD';
  url_path?: string;
  expected_codes?: string;
  tags?: string[];
}

/** GET /lbaas/loadbalancers/{id}/status: the tree down to each member's operating status. */
export interface StatusTree {
  loadbalancer: {
    id: string;
    name: string;
    provisioning_status: string;
    operating_status: string;
    listeners?: {
      id: string;
      name: string;
      provisioning_status: string;
      operating_status: string;
      pools?: {
        id: string;
        name: string;
        provisioning_status: string;
        operating_status: string;
        health_monitor?: { id: string; type: string; provisioning_status: string; operating_status: string };
        members?: { id: string; name: string; address: string; protocol_port: number; provisioning_status: string; operating_status: string }[];
      }[];
    }[];
  };
}

/** A project's load-balancer quotas (-1: unlimited), named as quotaNeeds counts them. */
export interface LbQuotas {
  load_balancer: number;
  listener: number;
  pool: number;
  health_monitor: number;
  member: number;
}
