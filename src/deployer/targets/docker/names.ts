// How berth names and labels what it creates. Labels, not names, are the truth: `down` and
// `status` find objects by label, so leftovers of a failed `up` are found too.
import { TargetError } from '../shared/errors.js';
export const LABEL = {
  project: 'io.berth.project',
  service: 'io.berth.service',
  layout: 'io.berth.layout',
  config: 'io.berth.config-hash',
  role: 'io.berth.role',
} as const;

export const containerName = (project: string, service: string) => `${project}-${service}`;
export const networkName = (project: string, key: string) => `${project}-${key}`;
export const volumeName = (project: string, service: string, volume: string) => `${project}-${service}-${volume}`;
export const stateVolumeName = (project: string) => `${project}-state`;
export const secretsVolumeName = (project: string, service: string) => `${project}-${service}-secrets`;

export function projectLabels(project: string, extra: Record<string, string> = {}): Record<string, string> {
  return { [LABEL.project]: project, ...extra };
}

/** Filter for list calls: everything of one project. */
export const byProject = (project: string) => ({ label: [`${LABEL.project}=${project}`] });

/** A project name (the deployment's [<prefix>-]<name>) doubles as a name prefix, so it obeys Docker's name rules. */
export function checkProjectName(project: string): string {
  if (!/^[a-z0-9][a-z0-9_-]{0,40}$/.test(project))
    throw new TargetError(`deployment name "${project}" must be lower-case letters, digits, - and _ (at most 41)`, 'choose another with --name (and --prefix)');
  return project;
}
