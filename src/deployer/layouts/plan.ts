// A layout turns the stack spec into a plan: which networks exist, which service joins which (with
// which names or addresses), and the variables each service gets to find its peers. Targets only
// carry plans out, so the docker and openstack targets wire a stack the same way.
import type { HealthSpec } from '../stack/schema.js';

export type LayoutName = 'single' | 'tiered';

export interface NetworkPlan {
  key: string;
  internal: boolean;
  /** Fixed in the tiered layout, so services can be given addresses; else the target picks. */
  subnet?: string;
  gateway?: string;
}

export interface Attachment {
  network: string;
  aliases: string[];
  ipv4?: string;
}

export interface PortPlan {
  container: number;
  publish?: number;
  hostIp: string;
}

/** Where a service finds the secrets it is given as files. */
export const SECRETS_DIR = '/run/secrets';

/** A secret the service reads from a file (its variable holds the path): the target puts the value
 *  there, read-only and readable by the service's user only, never in the environment or a label. */
export interface SecretFile {
  secret: string;
  path: string;
}

export interface ServicePlan {
  service: string;
  image: string;
  command?: string[];
  env: Record<string, string>;
  secretFiles: SecretFile[];
  /** Empty: the target's default network (legacy links live there). */
  attachments: Attachment[];
  /** Legacy links (`--link <service>:<alias>`), single layout with links only. */
  links: { service: string; alias: string }[];
  ports: PortPlan[];
  volumes: { name: string; path: string }[];
  health?: HealthSpec;
}

export interface Plan {
  layout: LayoutName;
  wiring: 'links' | 'network' | 'addresses';
  networks: NetworkPlan[];
  /** In start order: each after the services it talks to. */
  services: ServicePlan[];
  entry?: string;
}

export interface LayoutOptions {
  /** Image reference of each service (the target knows repo and tag). */
  imageOf: (service: string) => string;
  /** Values of the stack's secrets. */
  secrets: Record<string, string>;
  /** Legacy links instead of a user-defined network (single layout only). */
  links?: boolean;
  /** Overrides for the entry service's published port and address. */
  publish?: { port?: number; hostIp?: string };
  /** First two octets of the tiered layout's subnets (P.1.0/24 dmz, P.2.0/24 app, P.3.0/24 dbs). */
  tieredPrefix?: string;
  /** The tiered layout's CIDR per network (a cloud's dmz-net, app-net, dbs-net); before tieredPrefix. */
  tieredSubnets?: Partial<Record<'dmz' | 'app' | 'dbs', string>>;
  /** A replicated service's load-balancer address per network (tiered): its clients call it there. */
  virtualIps?: Record<string, Partial<Record<'dmz' | 'app' | 'dbs', string>>>;
}

/** The variables `docker run --link <service>:<alias>` sets for one exposed port. */
export function peerEnv(alias: string, port: number, addr: string): Record<string, string> {
  const p = `${alias.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_PORT`;
  return {
    [p]: `tcp://${addr}:${port}`,
    [`${p}_${port}_TCP`]: `tcp://${addr}:${port}`,
    [`${p}_${port}_TCP_ADDR`]: addr,
    [`${p}_${port}_TCP_PORT`]: String(port),
    [`${p}_${port}_TCP_PROTO`]: 'tcp',
  };
}
