// The docker target's error for an image the local engine does not have (naming: ../shared/images.ts).
import { TargetError } from '../shared/errors.js';

/** The error for an image that is not there, saying how to make it. */
export function missingImage(ref: string): TargetError {
  const ours = /^[^/]+\/(web|app|dbs):[^/]+$/.exec(ref);
  const [repo, tag] = [ref.split('/')[0], ref.split(':').pop()];
  return new TargetError(
    `image ${ref} is missing`,
    ours ? `build it: berth build --repo ${repo} --tag ${tag} (offline: bash scripts/base-images.sh, then add --offline-bases)` : `pull or build ${ref} first`,
  );
}
