// Following every page of a list. Nova and Neutron answer with `<key>_links` holding a "next"
// link, Glance with a top-level `next`; all use limit/marker. Only the next link's query string
// is used, applied to our own endpoint: the link's host is the service's idea of itself, which
// behind a proxy or an endpoint override is not where we talk to it. Our own filters are sent
// again on every page as we gave them, repeated keys included: the links do not always carry
// them whole (Glance's next link keeps one of `tag=a&tag=b`). From the link comes the marker,
// and whatever else it adds (sort keys, a limit the service chose).
import type { Query, ServiceType, Session } from './session.js';

interface Link {
  rel: string;
  href: string;
}

export interface PageOptions {
  query?: Query;
  /** Page size sent as `limit`; the service's own default when undefined. */
  pageSize?: number;
  headers?: Record<string, string>;
  /** Turns one list entry into the item (Nova's key pairs come as `{ keypair: {...} }`). */
  unwrap?: (entry: unknown) => unknown;
}

export async function* paginate<T>(session: Session, service: ServiceType, path: string, key: string, o: PageOptions = {}): AsyncGenerator<T> {
  const ours: Query = { ...o.query, limit: o.pageSize };
  let query = ours;
  const seen = new Set<string>();
  for (;;) {
    const res = await session.request<Record<string, unknown>>(service, 'GET', path, { query, headers: o.headers });
    const entries = (res.body?.[key] ?? []) as unknown[];
    for (const e of entries) yield (o.unwrap ? o.unwrap(e) : e) as T;
    const next = nextLink(res.body, key);
    // An empty page or a marker we have seen ends it: some services link to an empty last page.
    if (!next || entries.length === 0 || seen.has(next)) return;
    seen.add(next);
    query = { ...queryOf(next), ...refilters(ours) };
  }
}

/** A link's query string as a Query; a key given more than once becomes an array. */
export function queryOf(href: string): Record<string, string | string[]> {
  const params = new URL(href, 'http://x').searchParams;
  const out: Record<string, string | string[]> = {};
  for (const k of new Set(params.keys())) {
    const all = params.getAll(k);
    out[k] = all.length === 1 ? all[0]! : all;
  }
  return out;
}

/** What we send again on every page: our filters and limit, never a marker of our own. */
const refilters = (q: Query): Query => Object.fromEntries(Object.entries(q).filter(([k, v]) => v !== undefined && k !== 'marker'));

export async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

function nextLink(body: Record<string, unknown> | undefined, key: string): string | undefined {
  if (!body) return undefined;
  if (typeof body.next === 'string') return body.next; // Glance
  const links = body[`${key}_links`] as Link[] | undefined;
  return links?.find((l) => l.rel === 'next')?.href;
}
