// The stack's secrets (the database password). Generated at the first `up` and kept as root-only
// files in the project's `<project>-state` volume, which no service mounts: they live exactly as
// long as the data they protect (`down --volumes` removes both), and a re-run of `up` finds the
// same values, so nothing is recreated. A service that reads a secret from a file gets its own
// `<project>-<service>-secrets` volume, mounted read-only at /run/secrets, with the file owned by
// the user the service runs as and readable by it only (0400). No value is ever in a label, an
// environment or a command line.
import { basename, dirname } from 'node:path';
import type Docker from 'dockerode';
import { SECRETS_DIR, type ServicePlan } from '../../layouts/plan.js';
import { generateSecret } from '../../stack/secret-value.js';
import type { StackSpec } from '../../stack/schema.js';
import { unlessMissing } from './engine.js';
import { TargetError } from '../shared/errors.js';
import { missingImage } from './images.js';
import { LABEL, projectLabels, secretsVolumeName, stateVolumeName } from './names.js';
import { ownerOf, readFiles, withVolumes, writeFiles, type TarFile } from './volume-files.js';

const STATE_DIR = '/berth-state';
/** Labels that held secret values before they moved into files; read once to keep the values. */
const LEGACY_LABEL_PREFIX = 'io.berth.secret.';

/** The values of the stack's secrets: those kept in the state volume, the others generated and kept. */
export async function projectSecrets(docker: Docker, project: string, stack: StackSpec, helperImage: string): Promise<Record<string, string>> {
  const names = Object.keys(stack.secrets);
  if (names.length === 0) return {};
  const volume = stateVolumeName(project);
  const legacy = await takeLegacyLabels(docker, volume);
  if (!(await unlessMissing(() => docker.getVolume(volume).inspect()))) {
    await docker.createVolume({ Name: volume, Labels: projectLabels(project, { [LABEL.role]: 'state' }) });
  }
  return withVolumes(docker, project, helperImage, [{ volume, path: STATE_DIR }], async (helper) => {
    const kept = await readFiles(helper, STATE_DIR);
    const values: Record<string, string> = {};
    for (const name of names) values[name] = kept.get(name)?.data.toString('utf8') ?? legacy[name] ?? generateSecret(stack.secrets[name]!.length);
    const missing = names.filter((n) => !kept.has(n));
    if (missing.length)
      await writeFiles(
        helper,
        STATE_DIR,
        missing.map((n) => ({ name: n, data: values[n]!, mode: 0o400, uid: 0, gid: 0 })),
      );
    return values;
  });
}

/** A state volume of an earlier berth kept the values as labels: take them, and replace the volume
 *  by one without (labels cannot be changed; the volume held nothing else). */
async function takeLegacyLabels(docker: Docker, volume: string): Promise<Record<string, string>> {
  const info = await unlessMissing(() => docker.getVolume(volume).inspect());
  const labels = (info?.Labels ?? {}) as Record<string, string>;
  const legacy = Object.fromEntries(
    Object.entries(labels)
      .filter(([k]) => k.startsWith(LEGACY_LABEL_PREFIX))
      .map(([k, v]) => [k.slice(LEGACY_LABEL_PREFIX.length), v]),
  );
  if (Object.keys(legacy).length) await docker.getVolume(volume).remove();
  return legacy;
}

/** Puts a service's secret files into its secrets volume, owned by the user its image runs as, 0400. */
export async function writeSecretFiles(docker: Docker, project: string, svc: ServicePlan, values: Record<string, string>): Promise<void> {
  if (svc.secretFiles.length === 0) return;
  for (const f of svc.secretFiles) {
    if (dirname(f.path) !== SECRETS_DIR) throw new TargetError(`${svc.service}: secret file ${f.path} must be in ${SECRETS_DIR}`);
    if (values[f.secret] === undefined) throw new TargetError(`${svc.service}: secret ${f.secret} has no value`);
  }
  const volume = secretsVolumeName(project, svc.service);
  if (!(await unlessMissing(() => docker.getVolume(volume).inspect()))) {
    await docker.createVolume({ Name: volume, Labels: projectLabels(project, { [LABEL.service]: svc.service, [LABEL.role]: 'secrets' }) });
  }
  const image = await unlessMissing(() => docker.getImage(svc.image).inspect());
  if (!image) throw missingImage(svc.image);
  const user = image.Config.User ?? '';
  await withVolumes(docker, project, svc.image, [{ volume, path: SECRETS_DIR }], async (helper) => {
    const owner = await ownerOf(helper, user);
    const files = svc.secretFiles.map((f) => ({ name: basename(f.path), data: values[f.secret]!, mode: 0o400, ...owner }));
    // Written only when not there as they should be: a re-run of up changes nothing.
    const there = await readFiles(helper, SECRETS_DIR);
    const same = (f: TarFile) => {
      const t = there.get(f.name);
      return t !== undefined && t.data.toString('utf8') === f.data && t.mode === f.mode && t.uid === f.uid && t.gid === f.gid;
    };
    if (!files.every(same)) await writeFiles(helper, SECRETS_DIR, files);
  });
}
