// What exists in the cloud for one stack, in the few fields the diff compares. `owned`: made by
// berth for this stack (its tag, or the description set when it was created); `tagged`: its tags
// are set (Neutron takes them only after the create, so a crash in between leaves one untagged). Filled by
// read.ts from the client's answers; plain data, so the diff is a pure function of it.
export interface ObservedSubnet {
  id: string;
  tagged?: boolean;
  name: string;
  networkId: string;
  cidr: string;
  owned: boolean;
}
export interface ObservedNetwork {
  id: string;
  tagged?: boolean;
  name: string;
  owned: boolean;
  subnets: ObservedSubnet[];
}
export interface ObservedRouter {
  id: string;
  tagged?: boolean;
  name: string;
  owned: boolean;
  externalNetworkId?: string;
  subnetIds: string[];
}
export interface ObservedRule {
  id: string;
  direction: 'ingress' | 'egress';
  ethertype: string;
  protocol?: string | null;
  portMin?: number | null;
  portMax?: number | null;
  remoteCidr?: string | null;
  remoteGroupId?: string | null;
}
export interface ObservedGroup {
  id: string;
  tagged?: boolean;
  name: string;
  owned: boolean;
  rules: ObservedRule[];
}
export interface ObservedPort {
  id: string;
  tagged?: boolean;
  name: string;
  owned: boolean;
  networkId: string;
  ips: string[];
  mac: string;
  groupIds: string[];
  deviceId: string;
  deviceOwner: string;
}
export interface ServerAddress {
  network: string;
  addr: string;
  floating: boolean;
}
export interface ObservedServer {
  id: string;
  name: string;
  status: string;
  metadata: Record<string, string>;
  tags: string[];
  fault?: string;
  addresses: ServerAddress[];
}
export interface ObservedFloatingIp {
  id: string;
  tagged?: boolean;
  address: string;
  portId?: string;
  owned: boolean;
}

/** A Cinder volume of the stack (by its metadata or description) and the servers it is attached to. */
export interface ObservedVolume {
  id: string;
  name: string;
  owned: boolean;
  status: string;
  size: number;
  type?: string;
  serverIds: string[];
  created?: string;
  metadata?: Record<string, string>;
}

/** Whether the stack's volumes can be on block storage, and if not, why. */
export interface BlockStorage {
  available: boolean;
  why?: string;
}

/** A load balancer of the stack (by its tag) with its listeners, pools, monitors and members. */
export interface ObservedMember {
  id: string;
  name: string;
  address: string;
  port: number;
  weight: number;
  operating: string;
}
export interface ObservedPool {
  id: string;
  name: string;
  algorithm: string;
  monitor?: { id: string; name: string; urlPath?: string };
  members: ObservedMember[];
}
export interface ObservedLoadBalancer {
  id: string;
  name: string;
  status: string;
  vipAddress: string;
  vipPortId: string;
  vipSubnetId: string;
  listeners: { id: string; name: string; port: number; poolId?: string }[];
  pools: ObservedPool[];
}

export interface Observed {
  networks: ObservedNetwork[];
  routers: ObservedRouter[];
  groups: ObservedGroup[];
  ports: ObservedPort[];
  servers: ObservedServer[];
  floatingIps: ObservedFloatingIp[];
  /** Read only for a stack with volumes on a cloud with block storage. */
  volumes?: ObservedVolume[];
  /** Read only on a cloud with a load-balancer service. */
  loadBalancers?: ObservedLoadBalancer[];
}

export const emptyObserved = (): Observed => ({ networks: [], routers: [], groups: [], ports: [], servers: [], floatingIps: [], volumes: [] });
