// Which steps of `up` and `down` lose data, found before any of them runs (the docker target
// follows the openstack target's rule: nothing deletes data unless the user said so in that
// command). Data lives in volumes: a named volume of the stack (`<project>-<service>-<volume>`)
// outlives its container, so recreating a container that mounts the same named volumes keeps
// everything. What does not: a container with an anonymous volume (an image's VOLUME the stack
// does not name, e.g. /var/lib/mysql of a compose file without `volumes:`) is recreated with a new,
// empty one; a named volume the new container no longer mounts at that path is left behind.
import type Docker from 'dockerode';
import type { Plan, ServicePlan } from '../../layouts/plan.js';
import { SECRETS_DIR } from '../../layouts/plan.js';
import { unlessMissing } from './engine.js';
import { missingImage } from './images.js';
import { LABEL, byProject, containerName, secretsVolumeName, volumeName } from './names.js';
import { configHash } from './spec.js';

export interface MountSeen {
  Type?: string;
  Name?: string;
  Destination: string;
}

/** What a container's volume mounts hold that the container made from svc would not have. */
export function lostMounts(project: string, svc: ServicePlan, mounts: MountSeen[]): string[] {
  const kept = new Map(svc.volumes.map((v) => [v.path, volumeName(project, svc.service, v.name)]));
  if (svc.secretFiles.length) kept.set(SECRETS_DIR, secretsVolumeName(project, svc.service));
  return mounts
    .filter((m) => m.Type === 'volume' && kept.get(m.Destination) !== m.Name)
    .map(
      (m) =>
        `${svc.service}: ${m.Destination} on ${isAnonymous(m.Name) ? 'an anonymous volume' : `volume ${m.Name}`} (the new container ${kept.has(m.Destination) ? 'mounts another volume there' : 'gets a new, empty one'})`,
    );
}

const isAnonymous = (name?: string) => !name || /^[0-9a-f]{64}$/.test(name);

/** The losses of an `up` with this plan: containers it will recreate (changed config) whose data stays behind. */
export async function upLosses(docker: Docker, project: string, plan: Plan): Promise<string[]> {
  const losses: string[] = [];
  const recreated: string[] = [];
  for (const svc of plan.services) {
    const current = await unlessMissing(() => docker.getContainer(containerName(project, svc.service)).inspect());
    if (!current) continue;
    const image = await unlessMissing(() => docker.getImage(svc.image).inspect());
    if (!image) throw missingImage(svc.image);
    const relinked = svc.links.some((l) => recreated.includes(l.service));
    if (current.Config.Labels?.[LABEL.config] === configHash(svc, image.Id, plan.layout) && !relinked) continue;
    recreated.push(svc.service);
    losses.push(...lostMounts(project, svc, current.Mounts as MountSeen[]));
  }
  return losses;
}

/** The losses of a `down`: with volumes, every volume of the project (the user asked); without, the anonymous ones left behind. */
export async function downLosses(docker: Docker, project: string, volumes: boolean): Promise<string[]> {
  if (volumes) {
    const { Volumes } = await docker.listVolumes({ filters: byProject(project) });
    return (Volumes ?? []).map((v) => `volume ${v.Name} is deleted`);
  }
  const losses: string[] = [];
  for (const c of await docker.listContainers({ all: true, filters: byProject(project) })) {
    if (c.Labels?.[LABEL.role] === 'helper') continue;
    for (const m of c.Mounts as MountSeen[]) {
      if (m.Type === 'volume' && isAnonymous(m.Name))
        losses.push(`${c.Labels?.[LABEL.service] ?? c.Names[0]}: ${m.Destination} on an anonymous volume (no later up finds it again)`);
    }
  }
  return losses;
}
