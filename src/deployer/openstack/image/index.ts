// Glance v2: images. Lists follow Glance's `next` links; one image is the body itself (no
// `{ image: … }` wrapper); an update is a JSON patch; tags are added and removed one by one.
import { enc, Resource } from '../resource.js';
import type { Session } from '../session.js';

export interface Image {
  id: string;
  name: string | null;
  status: 'queued' | 'saving' | 'active' | 'killed' | 'deleted' | 'pending_delete' | 'deactivated' | 'uploading' | 'importing';
  visibility: 'public' | 'private' | 'shared' | 'community';
  tags: string[];
  disk_format?: string | null;
  container_format?: string | null;
  size?: number | null;
  checksum?: string | null;
  min_disk?: number;
  min_ram?: number;
  owner?: string;
  protected?: boolean;
  os_distro?: string;
  /** Any other property (os_distro, hw_*, ...). */
  [property: string]: unknown;
}

export interface ImageCreate {
  name: string;
  disk_format?: 'raw' | 'qcow2' | 'vmdk' | 'vdi' | 'iso' | 'ami' | 'ari' | 'aki' | 'vhd' | 'vhdx' | 'ploop';
  container_format?: 'bare' | 'ovf' | 'ova' | 'ami' | 'ari' | 'aki' | 'docker' | 'compressed';
  visibility?: Image['visibility'];
  tags?: string[];
  min_disk?: number;
  min_ram?: number;
  protected?: boolean;
  id?: string;
  [property: string]: unknown;
}

/** Properties to set (added or replaced); Glance's JSON patch is built from it. */
export type ImageUpdate = Record<string, unknown>;

const PATCH_TYPE = 'application/openstack-images-v2.1-json-patch';

export class Images extends Resource<Image, ImageCreate, ImageUpdate> {
  constructor(session: Session) {
    super(session, { service: 'image', path: '/images', key: 'image', plural: 'images', bare: true, nameFilter: true });
  }

  /** Sets properties: `replace` for those the image has, `add` for new ones. */
  override async update(id: string, props: ImageUpdate): Promise<Image> {
    const current = await this.get(id);
    const ops = Object.entries(props).map(([k, value]) => ({ op: k in current ? 'replace' : 'add', path: `/${k}`, value }));
    const body = await this.call('PATCH', this.itemPath(id), { body: JSON.stringify(ops), headers: { 'content-type': PATCH_TYPE } });
    return body as Image;
  }

  /** Uploads the image data (the image goes from queued to active). PUT: safe to send again. */
  async upload(id: string, data: Buffer): Promise<void> {
    await this.call('PUT', `${this.itemPath(id)}/file`, { body: data, headers: { 'content-type': 'application/octet-stream' } });
  }

  /** Glance tags: one PUT or DELETE per tag; the image's `tags` lists them. */
  async addTag(id: string, tag: string): Promise<void> {
    await this.call('PUT', `${this.itemPath(id)}/tags/${enc(tag)}`);
  }

  async removeTag(id: string, tag: string): Promise<void> {
    await this.call('DELETE', `${this.itemPath(id)}/tags/${enc(tag)}`);
  }
}

export class ImageClient {
  readonly images: Images;

  constructor(session: Session) {
    this.images = new Images(session);
  }

  /** An active image by exact name or id (Glance's name filter is exact); a queued one is not. */
  async findActive(nameOrId: string): Promise<Image | undefined> {
    const { item } = await this.images.findNear(nameOrId, { status: 'active' });
    return item?.status === 'active' ? item : undefined;
  }
}
