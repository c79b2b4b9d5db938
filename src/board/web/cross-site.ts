// Whether a form post comes from another site (cross-site request forgery). Browsers say where a
// request comes from in Sec-Fetch-Site (Fetch Metadata); older ones only in Origin, which is
// then compared with the Host the browser addressed. A client that sends neither (curl, the
// original's scripts) is not a browser page that could be tricked, so it is let through.
import type { IncomingHttpHeaders } from 'node:http';

const ALLOWED_SITES = new Set(['same-origin', 'same-site', 'none']);

export function isCrossSite(headers: IncomingHttpHeaders): boolean {
  const site = headers['sec-fetch-site'];
  if (typeof site === 'string' && ALLOWED_SITES.has(site)) return false;
  if (site === 'cross-site') return true;
  const origin = headers.origin;
  if (origin === undefined) return false;
  // "null" is sent from sandboxed frames, data: URLs and the like: never this board's page.
  return hostOf(origin) !== headers.host?.toLowerCase();
}

function hostOf(origin: string): string | undefined {
  try {
    return new URL(origin).host;
  } catch {
    return undefined;
  }
}
