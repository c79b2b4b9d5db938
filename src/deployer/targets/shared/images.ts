// Image references, the same for every target: a service berth builds is <repo>/<name>:<tag> (the
// original's myuser/web:ver1.0), optionally under a registry; any other service uses its image as written.
import type { StackSpec } from '../../stack/schema.js';

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
