// `berth down`: removes what `up` created, found by the project label (so leftovers of a failed
// `up` go too): containers, then networks; data volumes and secrets only with --volumes.
import type Docker from 'dockerode';
import { byProject } from './names.js';
import type { Progress } from '../shared/progress.js';

export async function down(docker: Docker, project: string, volumes: boolean, progress: Progress): Promise<number> {
  let removed = 0;
  const containers = await docker.listContainers({ all: true, filters: byProject(project) });
  for (const c of containers) {
    progress.step(`removing container ${c.Names[0]?.replace(/^\//, '') ?? c.Id}`);
    // A clean stop first, so the board drains and MariaDB shuts down cleanly.
    if (c.State === 'running')
      await docker
        .getContainer(c.Id)
        .stop({ t: 20 })
        .catch(() => undefined);
    await docker.getContainer(c.Id).remove({ force: true, v: false });
    removed++;
  }
  for (const n of await docker.listNetworks({ filters: byProject(project) })) {
    progress.step(`removing network ${n.Name}`);
    await docker.getNetwork(n.Id).remove();
    removed++;
  }
  if (volumes) {
    const { Volumes } = await docker.listVolumes({ filters: byProject(project) });
    for (const v of Volumes ?? []) {
      progress.step(`removing volume ${v.Name}`);
      await docker.getVolume(v.Name).remove();
      removed++;
    }
  }
  return removed;
}
