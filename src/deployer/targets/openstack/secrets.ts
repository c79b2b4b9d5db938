// Secrets the tiered servers share (app and dbs both need the database password), and, when the
// data is on a volume, the secrets the data was made with (in either layout). The cloud is the
// only state: the value rides along in the metadata of the servers that use it and of the stack's
// volumes, so the next `up` that replaces a server, or an `up` after `down` (the volume kept),
// gives it the value the data already has. The volume's value wins. Generated at the first `up`.
// Never printed. (Without volumes, the single layout's VM makes its secrets itself.)
import type { StackSpec } from '../../stack/schema.js';
import { generateSecret } from '../../stack/secret-value.js';
import { META } from './names.js';
import type { Observed } from './observed.js';

export function sharedSecretValues(stack: StackSpec, o: Observed): Record<string, string> {
  return Object.fromEntries(
    Object.entries(stack.secrets).map(([name, spec]) => {
      const key = META.secretPrefix + name;
      const known = [...(o.volumes ?? []).map((v) => v.metadata?.[key]), ...o.servers.map((s) => s.metadata[key])].find((v) => v);
      return [name, known ?? generateSecret(spec.length)];
    }),
  );
}
