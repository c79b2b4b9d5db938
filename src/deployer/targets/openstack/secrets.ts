// Secrets the tiered servers share (app and dbs both need the database password). The cloud is
// the only state: the value rides along in the metadata of the servers that use it, so the next
// `up` that replaces one of them gives it the value the other still has. Generated at the first
// `up`. Never printed. (The single layout's VM makes its secrets itself: they never leave it.)
import type { StackSpec } from '../../stack/schema.js';
import { generateSecret } from '../../stack/secret-value.js';
import { META } from './names.js';
import type { Observed } from './observed.js';

export function sharedSecretValues(stack: StackSpec, o: Observed): Record<string, string> {
  return Object.fromEntries(Object.entries(stack.secrets).map(([name, spec]) => {
    const known = o.servers.map((s) => s.metadata[META.secretPrefix + name]).find((v) => v);
    return [name, known ?? generateSecret(spec.length)];
  }));
}
