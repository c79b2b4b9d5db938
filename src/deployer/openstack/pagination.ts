// Following every page of a list. Nova and Neutron answer with `<key>_links` holding a "next"
// link, Glance with a top-level `next`; all use limit/marker. Only the next link's query string
// is used, applied to our own endpoint: the link's host is the service's idea of itself, which
// behind a proxy or an endpoint override is not where we talk to it.
import type { RequestOptions, ServiceType, Session } from './session.js';

interface Link {
  rel: string;
  href: string;
}

export interface PageOptions {
  query?: RequestOptions['query'];
  /** Page size sent as `limit`; the service's own default when undefined. */
  pageSize?: number;
  headers?: Record<string, string>;
}

export async function* paginate<T>(session: Session, service: ServiceType, path: string, key: string, o: PageOptions = {}): AsyncGenerator<T> {
  let query: RequestOptions['query'] = { ...o.query, limit: o.pageSize };
  const seen = new Set<string>();
  for (;;) {
    const res = await session.request<Record<string, unknown>>(service, 'GET', path, { query, headers: o.headers });
    const items = (res.body?.[key] ?? []) as T[];
    yield* items;
    const next = nextLink(res.body, key);
    // An empty page or a marker we have seen ends it: some services link to an empty last page.
    if (!next || items.length === 0 || seen.has(next)) return;
    seen.add(next);
    query = Object.fromEntries(new URL(next, 'http://x').searchParams);
  }
}

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
