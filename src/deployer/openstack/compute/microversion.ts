// Nova's microversion: read from the endpoint's version document; berth sends the newest both
// sides speak, so responses have one known shape.
import { isNotFound, OpenStackError } from '../errors.js';
import type { Session } from '../session.js';

/** 2.52: tags at boot. 2.90 is the newest this client has been checked against (Zed has 2.93). */
export const CLIENT_MIN_MICROVERSION = '2.52';
export const CLIENT_MAX_MICROVERSION = '2.90';

export interface MicroversionRange {
  min: string;
  max: string;
  /** What this client sends: the newest both sides speak. */
  chosen: string;
}

export async function negotiate(session: Session): Promise<MicroversionRange> {
  const url = await session.endpoint('compute');
  // The catalog URL may carry the project id (…/v2.1/<project>); its version document is one up.
  // A proxy may answer 404 there: then the next candidate says.
  const candidates = [...new Set([url, url.replace(/\/v2(\.1)?\/[^/]+$/, '/v2$1')])];
  let doc: { version?: string; min_version?: string } | undefined;
  for (const [n, u] of candidates.entries()) {
    try {
      const res = await session.request<{ version?: { version?: string; min_version?: string } }>('compute', 'GET', `${u}/`);
      doc = res.body?.version;
    } catch (err) {
      if (!isNotFound(err) || n === candidates.length - 1) throw err;
    }
    if (doc?.version) break;
  }
  // No version there: a v2.0-only endpoint, refused below like any Nova older than berth needs.
  const max = doc?.version || '2.0';
  const min = doc?.min_version || (doc?.version ? '2.1' : '2.0');
  if (cmp(max, CLIENT_MIN_MICROVERSION) < 0) {
    throw new OpenStackError({
      service: 'compute',
      method: 'GET',
      path: new URL(url).pathname,
      status: 200,
      osMessage: `compute API microversions ${min}-${max}; berth needs at least ${CLIENT_MIN_MICROVERSION}`,
    });
  }
  return { min, max, chosen: cmp(max, CLIENT_MAX_MICROVERSION) < 0 ? max : CLIENT_MAX_MICROVERSION };
}

/** Compares microversions "2.9" < "2.10" numerically. */
export function cmp(a: string, b: string): number {
  const [am = 0, an = 0] = a.split('.').map(Number);
  const [bm = 0, bn = 0] = b.split('.').map(Number);
  return am - bm || an - bn;
}
