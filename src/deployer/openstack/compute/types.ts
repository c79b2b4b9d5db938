// Nova's resources as its API reference names them (v2.1 at microversion 2.90, wire field names),
// and the bodies berth sends.
import type { ServerFault } from '../errors.js';

export interface Flavor {
  id: string;
  name: string;
  ram: number;
  vcpus: number;
  disk: number;
  description?: string | null;
  'OS-FLV-EXT-DATA:ephemeral'?: number;
  'os-flavor-access:is_public'?: boolean;
  extra_specs?: Record<string, string>;
}

export interface FlavorCreate {
  name: string;
  ram: number;
  vcpus: number;
  disk: number;
  id?: string;
  description?: string;
  'os-flavor-access:is_public'?: boolean;
}
export interface FlavorUpdate {
  description: string | null;
}

export interface Keypair {
  name: string;
  type?: 'ssh' | 'x509';
  fingerprint?: string;
  public_key?: string;
  user_id?: string;
  created_at?: string;
}

/** Nova stopped generating key pairs in 2.92: a public key is imported. */
export interface KeypairCreate {
  name: string;
  public_key: string;
  type?: 'ssh' | 'x509';
}

export interface ServerAddress {
  addr: string;
  version: 4 | 6;
  'OS-EXT-IPS:type'?: 'fixed' | 'floating';
  'OS-EXT-IPS-MAC:mac_addr'?: string;
}

export interface Server {
  id: string;
  name: string;
  status: string;
  tenant_id?: string;
  user_id?: string;
  key_name?: string | null;
  metadata: Record<string, string>;
  tags?: string[];
  addresses: Record<string, ServerAddress[]>;
  flavor?: { original_name?: string; vcpus?: number; ram?: number; disk?: number };
  image?: { id: string } | string;
  fault?: ServerFault;
  created?: string;
  updated?: string;
  description?: string | null;
  'OS-EXT-AZ:availability_zone'?: string;
  'OS-EXT-STS:task_state'?: string | null;
  'OS-EXT-STS:vm_state'?: string;
  'OS-EXT-STS:power_state'?: number;
  /** Only for admins (extended server attributes policy): base64. */
  'OS-EXT-SRV-ATTR:user_data'?: string | null;
  security_groups?: { name: string }[];
}

/** A NIC at boot: a port made beforehand, or a network (and a fixed IP on it). */
export type ServerNetwork = { port: string } | { uuid: string; fixed_ip?: string; tag?: string };

export interface ServerCreate {
  name: string;
  flavorRef: string;
  imageRef: string;
  /** Ports or networks; 'none' or 'auto' as Nova takes them. */
  networks: ServerNetwork[] | 'none' | 'auto';
  key_name?: string;
  /**
   * cloud-init user data as text or bytes: the one field the client changes on the way, since
   * the wire wants base64 (its size is checked before sending).
   */
  user_data?: string | Buffer;
  availability_zone?: string;
  metadata?: Record<string, string>;
  tags?: string[];
  /** Groups by name; only with `networks` (ports carry their own groups). */
  security_groups?: { name: string }[];
  description?: string;
  config_drive?: boolean;
}

export interface ServerUpdate {
  name?: string;
  description?: string | null;
}

export interface ServerFilters {
  /** An exact name (escaped and anchored: Nova treats the filter as a regular expression). */
  name?: string;
  status?: string;
  /** Servers with all of these tags; `tags-any`: with any of them. */
  tags?: string[];
  'tags-any'?: string[];
  'not-tags'?: string[];
  'not-tags-any'?: string[];
  availability_zone?: string;
  [other: string]: string | string[] | number | boolean | undefined;
}

export interface AvailabilityZone {
  zoneName: string;
  zoneState: { available: boolean };
  hosts?: Record<string, unknown> | null;
}

/** GET /limits `absolute`: this project's limits and use (-1 is unlimited). */
export interface AbsoluteLimits {
  maxTotalInstances: number;
  totalInstancesUsed: number;
  maxTotalCores: number;
  totalCoresUsed: number;
  maxTotalRAMSize: number;
  totalRAMUsed: number;
  maxServerMeta?: number;
  maxTotalKeypairs?: number;
  maxServerGroups?: number;
  totalServerGroupsUsed?: number;
  [k: string]: number | undefined;
}

/** One line of Nova's quota-set detail. */
export interface QuotaDetail {
  limit: number;
  in_use: number;
  reserved: number;
}

/** A volume on a server (os-volume_attachments); `id` is the volume's id. */
export interface VolumeAttachment {
  id: string;
  serverId: string;
  volumeId: string;
  /** What Nova asked for (/dev/vdb); the guest may name it otherwise. */
  device?: string | null;
  tag?: string | null;
  delete_on_termination?: boolean;
}

export interface VolumeAttachmentCreate {
  volumeId: string;
  device?: string;
  tag?: string;
  delete_on_termination?: boolean;
}

/** What Nova did to a server on one request (os-instance-actions): an attach, a reboot, ... */
export interface InstanceAction {
  action: string;
  request_id: string;
  start_time: string;
  /** "Error" when the action failed; null otherwise. */
  message?: string | null;
  /** In the single-action read only. */
  events?: InstanceActionEvent[];
}

/** An action that failed, and the step that failed it when Nova recorded one. */
export interface FailedAction {
  action: InstanceAction;
  event?: InstanceActionEvent;
}

/** A step of an action on the compute host (compute_attach_volume, ...). */
export interface InstanceActionEvent {
  event: string;
  /** "Success", "Error", or null while it runs. */
  result?: string | null;
  /** The failure's message, for every user since microversion 2.84 (the traceback is admin-only). */
  details?: string | null;
}
