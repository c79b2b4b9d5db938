// The stack's secrets (the database password), generated at the first `up` and kept as labels of
// a small project volume: they live exactly as long as the data they protect (`down --volumes`
// removes both), and a re-run of `up` finds the same values, so nothing is recreated.
import { randomBytes } from 'node:crypto';
import type Docker from 'dockerode';
import type { StackSpec } from '../../stack/schema.js';
import { unlessMissing } from './engine.js';
import { LABEL, projectLabels, stateVolumeName } from './names.js';

const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';

export function generateSecret(length: number): string {
  const bytes = randomBytes(length);
  return Array.from(bytes, (b) => ALPHABET[b % ALPHABET.length]).join('');
}

export async function projectSecrets(docker: Docker, project: string, stack: StackSpec): Promise<Record<string, string>> {
  const name = stateVolumeName(project);
  const existing = await unlessMissing(() => docker.getVolume(name).inspect());
  const labels = (existing?.Labels ?? {}) as Record<string, string>;
  const values: Record<string, string> = {};
  for (const [secret, spec] of Object.entries(stack.secrets)) {
    values[secret] = labels[LABEL.secretPrefix + secret] ?? generateSecret(spec.length);
  }
  const missing = Object.keys(values).some((s) => labels[LABEL.secretPrefix + s] === undefined);
  if (Object.keys(values).length === 0 || (existing && !missing)) return values;
  if (existing) await docker.getVolume(name).remove(); // labels are immutable: replace the holder
  const secretLabels = Object.fromEntries(Object.entries(values).map(([k, v]) => [LABEL.secretPrefix + k, v]));
  await docker.createVolume({ Name: name, Labels: projectLabels(project, { [LABEL.role]: 'state', ...secretLabels }) });
  return values;
}
