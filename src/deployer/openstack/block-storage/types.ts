// Cinder's resources as its v3 API reference names them (wire field names), and the bodies
// berth sends.

/** A volume's attachment as Cinder reports it (Nova made it through os-volume_attachments). */
export interface VolumeAttachmentInfo {
  server_id: string;
  attachment_id?: string;
  volume_id?: string;
  device?: string | null;
  host_name?: string | null;
}

export interface Volume {
  id: string;
  name: string | null;
  description?: string | null;
  /** creating, available, reserved, attaching, in-use, detaching, deleting, error, ... */
  status: string;
  /** GiB. */
  size: number;
  volume_type?: string | null;
  availability_zone?: string | null;
  bootable?: string;
  metadata: Record<string, string>;
  attachments: VolumeAttachmentInfo[];
  created_at?: string;
}

export interface VolumeCreate {
  size: number;
  name: string;
  description?: string;
  volume_type?: string;
  availability_zone?: string;
  metadata?: Record<string, string>;
}

export interface VolumeUpdate {
  name?: string;
  description?: string;
  metadata?: Record<string, string>;
}

export interface VolumeType {
  id: string;
  name: string;
  description?: string | null;
  is_public?: boolean;
  extra_specs?: Record<string, string>;
}

export interface VolumeTypeCreate {
  name: string;
  description?: string;
  'os-volume-type-access:is_public'?: boolean;
}

/** One quota with its use (`?usage=true`): -1 is unlimited. */
export interface VolumeQuotaUsage {
  limit: number;
  in_use: number;
  reserved?: number;
  allocated?: number;
}
