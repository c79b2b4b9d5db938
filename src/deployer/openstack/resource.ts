// One shape for every resource of every service (as gophercloud has per resource):
//   list(filters, { pageSize })  every page followed     get(id)
//   create(body)   update(id, body)   delete(id, { ignoreMissing })
//   find(nameOrId) / findNear(nameOrId)                   tags (where the API has them)
// Bodies and answers are typed objects in OpenStack's own wire field names (`network_id`,
// `flavorRef`, `router:external`), so the API reference reads straight onto the code. A resource
// is described by a spec (paths and JSON keys); services add their own actions beside these.
import { OpenStackError } from './errors.js';
import { pick, type Found } from './find.js';
import type { CallOptions, Method } from './http.js';
import { collect, paginate } from './pagination.js';
import type { Query, ServiceType, Session } from './session.js';

/** List filters as the API takes them; arrays repeat the key, except tag filters (joined by ","). */
export type Filters = Query;

export interface ListOptions {
  /** Items per request (`limit`); the service's default when undefined. Every page is read. */
  pageSize?: number;
}

export interface DeleteOptions {
  /** A resource already gone (404) counts as deleted. */
  ignoreMissing?: boolean;
}

export interface ResourceSpec {
  service: ServiceType;
  /** Collection path: `/networks`. */
  path: string;
  /** Where lists come from when not the collection itself (Nova's `/servers/detail`). */
  listPath?: string;
  /** JSON keys: `network` for one, `networks` for a list (and `networks_links`). */
  key: string;
  plural: string;
  /** Glance: one image is the body itself, not `{ image: … }`. */
  bare?: boolean;
  /** Nova's key pairs list as `{ keypair: {...} }`. */
  unwrap?: (entry: unknown) => unknown;
  /** Filters translated before they are sent (Nova's name is a regular expression). */
  query?: (filters: Filters) => Query;
  /** Filters every list sends (flavors: public and private). */
  baseQuery?: Query;
  /** Retry a delete's 409 when it says this (Neutron: "in use" while ports are released). */
  deleteConflict?: CallOptions['retryConflict'];
  /** Method of an update: Neutron and Nova PUT, Glance PATCH. */
  updateMethod?: Method;
  /** The list takes an exact `name` filter, so find asks the service instead of listing all. */
  nameFilter?: boolean;
  /** The field that is the id in paths (key pairs: `name`). */
  idField?: string;
}

/** T: the resource as read; C, U: create and update bodies; F: list filters. */
export class Resource<T extends object, C = Partial<T>, U = Partial<T>, F extends Filters = Filters> {
  constructor(
    protected readonly session: Session,
    readonly spec: ResourceSpec,
  ) {}

  /** Every item matching the filters, all pages followed. */
  list(filters: F = {} as F, o: ListOptions = {}): Promise<T[]> {
    return collect(this.iterate(filters, o));
  }

  /** The same as list, one item at a time as the pages come. */
  iterate(filters: F = {} as F, o: ListOptions = {}): AsyncGenerator<T> {
    const s = this.spec;
    const query = { ...s.baseQuery, ...(s.query ? s.query(filters) : joinTagFilters(filters)) };
    return paginate<T>(this.session, s.service, s.listPath ?? s.path, s.plural, { query, pageSize: o.pageSize, unwrap: s.unwrap });
  }

  async get(id: string): Promise<T> {
    return this.one(await this.call('GET', this.itemPath(id)));
  }

  /** POST: never retried after an answer that may mean it happened (see http.ts). */
  async create(body: C, o: Pick<CallOptions, 'retryNotFound'> = {}): Promise<T> {
    return this.one(await this.call('POST', this.spec.path, { json: this.wrap(body), ...o }));
  }

  async update(id: string, body: U): Promise<T> {
    return this.one(await this.call(this.spec.updateMethod ?? 'PUT', this.itemPath(id), { json: this.wrap(body) }));
  }

  async delete(id: string, o: DeleteOptions = {}): Promise<void> {
    await ignore404(this.call('DELETE', this.itemPath(id), { retryConflict: this.spec.deleteConflict }), o.ignoreMissing);
  }

  /** The one item with that exact name (or that id), or undefined. Two with the name: an error. */
  async find(nameOrId: string): Promise<T | undefined> {
    return (await this.findNear(nameOrId)).item;
  }

  /**
   * Like find, and when nothing matches, the names near it (for "did you mean"). `filters`
   * narrow the candidates (images: `{ status: 'active' }`).
   */
  async findNear(nameOrId: string, filters: F = {} as F): Promise<Found<T>> {
    const kind = this.spec.key.replaceAll('_', ' ');
    if (this.spec.nameFilter) {
      const named = await this.list({ ...filters, name: nameOrId });
      if (named.length) return this.pick(kind, nameOrId, named);
      const byId = await this.getIfExists(nameOrId);
      if (byId) return { item: byId, near: [] };
    }
    return this.pick(kind, nameOrId, await this.list(filters));
  }

  /** get, or undefined on 404. */
  async getIfExists(id: string): Promise<T | undefined> {
    try {
      return await this.get(id);
    } catch (err) {
      if (err instanceof OpenStackError && err.status === 404) return undefined;
      throw err;
    }
  }

  private pick(kind: string, wanted: string, items: T[]): Found<T> {
    const idField = this.spec.idField ?? 'id';
    const named = items.map((item) => {
      const r = item as Record<string, unknown>;
      return { id: String(r[idField]), name: r.name as string | null | undefined, item };
    });
    const found = pick(kind, wanted, named);
    return { item: found.item?.item, near: found.near };
  }

  itemPath(id: string): string {
    return `${this.spec.path}/${enc(id)}`;
  }

  protected async call(method: Method, path: string, o: Omit<CallOptions, 'service' | 'method' | 'url'> = {}): Promise<unknown> {
    return (await this.session.request(this.spec.service, method, path, o)).body;
  }

  private wrap(body: unknown): unknown {
    return this.spec.bare ? body : { [this.spec.key]: body };
  }

  private one(body: unknown): T {
    return (this.spec.bare ? body : (body as Record<string, unknown>)[this.spec.key]) as T;
  }
}

/**
 * Tags of one resource kind: Neutron's standard tags (/v2.0/{resources}/{id}/tags) and Nova's
 * server tags share these paths and bodies.
 */
export class Tags {
  constructor(
    private readonly session: Session,
    private readonly service: ServiceType,
    private readonly collectionPath: string,
  ) {}

  async list(id: string): Promise<string[]> {
    return (await this.session.request<{ tags: string[] }>(this.service, 'GET', this.path(id))).body?.tags ?? [];
  }

  /** Replaces all tags (PUT: idempotent). */
  async replace(id: string, tags: string[]): Promise<string[]> {
    return (await this.session.request<{ tags: string[] }>(this.service, 'PUT', this.path(id), { json: { tags } })).body?.tags ?? tags;
  }

  async add(id: string, tag: string): Promise<void> {
    await this.session.request(this.service, 'PUT', `${this.path(id)}/${enc(tag)}`);
  }

  async has(id: string, tag: string): Promise<boolean> {
    try {
      await this.session.request(this.service, 'GET', `${this.path(id)}/${enc(tag)}`);
      return true;
    } catch (err) {
      if (err instanceof OpenStackError && err.status === 404) return false;
      throw err;
    }
  }

  async remove(id: string, tag: string, o: DeleteOptions = {}): Promise<void> {
    await ignore404(this.session.request(this.service, 'DELETE', `${this.path(id)}/${enc(tag)}`), o.ignoreMissing);
  }

  async clear(id: string): Promise<void> {
    await this.session.request(this.service, 'DELETE', this.path(id));
  }

  private path(id: string): string {
    return `${this.collectionPath}/${enc(id)}/tags`;
  }
}

/** A resource with tags (`networks.tags.replace(id, [...])`). */
export class TaggedResource<T extends object, C = Partial<T>, U = Partial<T>, F extends Filters = Filters> extends Resource<T, C, U, F> {
  readonly tags: Tags;

  constructor(session: Session, spec: ResourceSpec) {
    super(session, spec);
    this.tags = new Tags(session, spec.service, spec.path);
  }

  /**
   * Creates, then sets its tags. Neutron without the tag-creation extension (Zed) takes no tags
   * in a create: a crash between the two calls leaves the resource named but untagged.
   */
  async createWithTags(body: C, tags: string[]): Promise<T & { tags: string[] }> {
    const item = await this.create(body);
    const id = String((item as Record<string, unknown>)[this.spec.idField ?? 'id']);
    return { ...item, tags: await this.tags.replace(id, tags) };
  }
}

/** Tag filters (`tags`, `tags-any`, `not-tags`, `not-tags-any`) take one comma-separated value. */
export function joinTagFilters(filters: Filters): Query {
  const out: Query = { ...filters };
  for (const k of TAG_FILTERS) {
    const v = out[k];
    if (Array.isArray(v)) out[k] = v.join(',');
  }
  return out;
}

const TAG_FILTERS = ['tags', 'tags-any', 'not-tags', 'not-tags-any'];

export async function ignore404(p: Promise<unknown>, ignore?: boolean): Promise<void> {
  try {
    await p;
  } catch (err) {
    if (!(ignore && err instanceof OpenStackError && err.status === 404)) throw err;
  }
}

export const enc = encodeURIComponent;
