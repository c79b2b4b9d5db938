// `berth status` and `berth logs`: what runs for a project, found by label.
import type Docker from 'dockerode';
import { LABEL, byProject } from './names.js';

export interface ServiceStatus {
  service: string;
  container: string;
  image: string;
  state: string;
  health: string;
  ports: string[];
}

export interface StackStatus {
  project: string;
  layout?: string;
  url?: string;
  services: ServiceStatus[];
}

export async function status(docker: Docker, project: string, entry?: string): Promise<StackStatus> {
  const list = await docker.listContainers({ all: true, filters: byProject(project) });
  const services: ServiceStatus[] = [];
  let url: string | undefined;
  let layout: string | undefined;
  for (const c of list) {
    const info = await docker.getContainer(c.Id).inspect();
    const service = c.Labels[LABEL.service] ?? '?';
    layout ??= c.Labels[LABEL.layout];
    const ports = c.Ports.filter((p) => p.PublicPort).map((p) => `${p.IP}:${p.PublicPort}->${p.PrivatePort}`);
    if (service === entry && c.State === 'running') {
      const p = c.Ports.find((x) => x.PublicPort);
      if (p) url = `http://${p.IP === '0.0.0.0' ? '127.0.0.1' : p.IP}:${p.PublicPort}/`;
    }
    services.push({ service, container: info.Name.replace(/^\//, ''), image: c.Image, state: c.State, health: info.State.Health?.Status ?? 'none', ports });
  }
  services.sort((a, b) => a.service.localeCompare(b.service));
  return { project, ...(layout ? { layout } : {}), ...(url ? { url } : {}), services };
}

export async function findService(docker: Docker, project: string, service: string): Promise<string | undefined> {
  const list = await docker.listContainers({ all: true, filters: { label: [`${LABEL.project}=${project}`, `${LABEL.service}=${service}`] } });
  return list[0]?.Id;
}

/** Streams a container's log to our stdout/stderr; with follow, until the container stops. */
export async function streamLogs(docker: Docker, id: string, follow: boolean, tail?: number): Promise<void> {
  const container = docker.getContainer(id);
  const opts = { stdout: true, stderr: true, timestamps: false, ...(tail !== undefined ? { tail } : {}) };
  if (!follow) {
    const buf = (await container.logs({ ...opts, follow: false })) as unknown as Buffer;
    const { demuxToText } = await import('./health.js');
    process.stdout.write(demuxToText(buf));
    return;
  }
  const stream = await container.logs({ ...opts, follow: true });
  docker.modem.demuxStream(stream, process.stdout, process.stderr);
  await new Promise<void>((resolve) => stream.on('end', resolve));
}
