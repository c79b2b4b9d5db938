// Finding a resource by name or id, and when it is not there, the names the user may have meant
// ("m1.smal" → m1.small). Service-neutral: each resource lists its candidates, this picks.
import { OpenStackConfigError } from './errors.js';

export interface Named {
  id: string;
  name?: string | null;
}

export interface Found<T> {
  /** The one match (by exact name, else by id). */
  item?: T;
  /** When nothing matched: the closest names, closest first. */
  near: string[];
}

/** The item named (or with id) `wanted`; more than one with that name is an error. */
export function pick<T extends Named>(kind: string, wanted: string, items: T[]): Found<T> {
  const byName = items.filter((i) => i.name === wanted);
  if (byName.length > 1) {
    throw new OpenStackConfigError(`${byName.length} ${kind}s are named "${wanted}"`, `use an id: ${byName.map((i) => i.id).join(', ')}`);
  }
  const item = byName[0] ?? items.find((i) => i.id === wanted);
  return { item, near: item ? [] : nearNames(wanted, items.map((i) => i.name ?? '').filter(Boolean)) };
}

/** The error for a `Found` without an item: what was wanted, and what is near. */
export function notFound(kind: string, wanted: string, near: string[]): OpenStackConfigError {
  return new OpenStackConfigError(`${kind} "${wanted}" not found`, near.length ? `did you mean: ${near.join(', ')}?` : `no ${kind} has a similar name`);
}

/** Names sharing a word or within a small edit distance, closest first. */
export function nearNames(wanted: string, names: string[], max = 5): string[] {
  const w = wanted.toLowerCase();
  return [...new Set(names)]
    .map((n) => ({ n, d: distance(w, n.toLowerCase()) - (n.toLowerCase().includes(w) || w.includes(n.toLowerCase()) ? 100 : 0) }))
    .filter((x) => x.d <= Math.max(3, Math.floor(w.length / 2)))
    .sort((a, b) => a.d - b.d)
    .slice(0, max)
    .map((x) => x.n);
}

function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}
