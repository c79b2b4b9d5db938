// Choosing a service's endpoint from the Keystone catalog: by service type, interface (public by
// default) and region; a missing one fails with what the catalog does offer.
import { OpenStackConfigError } from './errors.js';
import type { Interface } from './config.js';

export interface CatalogEndpoint {
  interface: string;
  region_id?: string | null;
  region?: string | null;
  url: string;
}

export interface CatalogEntry {
  type: string;
  name?: string;
  endpoints: CatalogEndpoint[];
}

export function chooseEndpoint(catalog: CatalogEntry[], type: string, iface: Interface, region?: string): string {
  const entries = catalog.filter((e) => e.type === type);
  if (entries.length === 0) {
    throw new OpenStackConfigError(
      `the catalog has no "${type}" service`,
      `services in the catalog: ${[...new Set(catalog.map((e) => e.type))].sort().join(', ') || '(none)'}`,
    );
  }
  const candidates = entries.flatMap((e) => e.endpoints);
  const match = candidates.find((ep) => ep.interface === iface && (!region || regionOf(ep) === region));
  if (match) return match.url.replace(/\/+$/, '');
  const offered = candidates.map((ep) => `${ep.interface}@${regionOf(ep) ?? '-'}`).join(', ');
  throw new OpenStackConfigError(
    `no ${iface} "${type}" endpoint${region ? ` in region ${region}` : ''}`,
    `the catalog offers ${offered}; set region_name / interface in clouds.yaml`,
  );
}

export const regionOf = (ep: CatalogEndpoint): string | undefined => ep.region_id ?? ep.region ?? undefined;

/** The regions named anywhere in the catalog. */
export const catalogRegions = (catalog: CatalogEntry[]): string[] =>
  [...new Set(catalog.flatMap((e) => e.endpoints.map(regionOf)).filter((r): r is string => !!r))].sort();
