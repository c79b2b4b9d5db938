// Glance v2: finding the image a deployment boots from. Lists follow Glance's `next` links.
import { isNotFound } from './errors.js';
import { collect, paginate } from './pagination.js';
import type { Session } from './session.js';

export interface Image {
  id: string;
  name: string | null;
  status: string;
  visibility: string;
  disk_format?: string;
  container_format?: string;
  size?: number | null;
  min_disk?: number;
  min_ram?: number;
  owner?: string;
  os_distro?: string;
  [property: string]: unknown;
}

export class ImageClient {
  constructor(private readonly session: Session) {}

  /** Images visible to the project; filters as Glance takes them (name, status, visibility, ...). */
  listImages(filters: Record<string, string | undefined> = {}, pageSize?: number): Promise<Image[]> {
    return collect(paginate<Image>(this.session, 'image', '/images', 'images', { query: filters, pageSize }));
  }

  async getImage(id: string): Promise<Image> {
    return (await this.session.request<Image>('image', 'GET', `/images/${encodeURIComponent(id)}`)).body;
  }

  /** An active image by exact name (Glance's name filter is exact) or by id. */
  async findImage(nameOrId: string): Promise<Image | undefined> {
    const byName = await this.listImages({ name: nameOrId, status: 'active' });
    if (byName.length || !UUID.test(nameOrId)) return byName[0];
    try {
      return await this.getImage(nameOrId);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }
}

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
