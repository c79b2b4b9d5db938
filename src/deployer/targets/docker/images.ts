// Image references: a service berth builds is <repo>/<name>:<tag> (the original's myuser/web:ver1.0),
// optionally under a registry; any other service uses its image as written.
import type { StackSpec } from '../../stack/schema.js';
import { TargetError } from './errors.js';

export interface ImageNaming {
  repo: string;
  tag: string;
  registry?: string;
}

export const DEFAULT_NAMING: ImageNaming = { repo: 'berth', tag: 'latest' };

export function imageRef(stack: StackSpec, service: string, naming: ImageNaming): string {
  const spec = stack.services[service];
  if (!spec) throw new Error(`no service ${service}`);
  if (!spec.build) return spec.image;
  const name = `${naming.repo}/${spec.image}:${naming.tag}`;
  return naming.registry ? `${naming.registry.replace(/\/$/, '')}/${name}` : name;
}

/** The error for an image that is not there, saying how to make it. */
export function missingImage(ref: string): TargetError {
  const ours = /^[^/]+\/(web|app|dbs):[^/]+$/.exec(ref);
  const [repo, tag] = [ref.split('/')[0], ref.split(':').pop()];
  return new TargetError(
    `image ${ref} is missing`,
    ours ? `build it: berth build --repo ${repo} --tag ${tag} (offline: bash scripts/base-images.sh, then add --offline-bases)` : `pull or build ${ref} first`,
  );
}
