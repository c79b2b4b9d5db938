// `berth up --target docker`: networks, volumes and containers of a plan, in start order, each
// waited for until healthy. Idempotent: a container whose config hash (image id, environment,
// wiring, ports, ...) matches is left alone; a changed one is recreated, and with legacy links so
// are the services linking to it (a link points at one container).
import type Docker from 'dockerode';
import type { Plan, ServicePlan } from '../../layouts/plan.js';
import { statusOf, unlessMissing } from './engine.js';
import { TargetError } from '../shared/errors.js';
import { waitHealthy } from './health.js';
import { LABEL, containerName, networkName, projectLabels, volumeName } from './names.js';
import type { Progress } from '../shared/progress.js';
import { writeSecretFiles } from './secrets.js';
import { configHash, createOptions, endpoint } from './spec.js';
import { missingImage } from './images.js';

export interface UpResult {
  url?: string;
  /** Services whose container was created or recreated. */
  changed: string[];
  /** Services whose container matched but was stopped, and was started. */
  started: string[];
}

/** secrets: the values of the stack's secrets, for the services that read them from files. */
export async function up(docker: Docker, project: string, plan: Plan, secrets: Record<string, string>, progress: Progress): Promise<UpResult> {
  await ensureNetworks(docker, project, plan, progress);
  const changed: string[] = [];
  const started: string[] = [];
  for (const svc of plan.services) {
    await ensureVolumes(docker, project, svc);
    await writeSecretFiles(docker, project, svc, secrets);
    const relinked = svc.links.some((l) => changed.includes(l.service));
    const outcome = await ensureContainer(docker, project, plan, svc, relinked, progress);
    if (outcome === 'created') changed.push(svc.service);
    if (outcome === 'started') started.push(svc.service);
    const limit = svc.health ? svc.health.startPeriod + svc.health.retries * svc.health.interval + 60_000 : 180_000;
    progress.step(`waiting for ${svc.service} to be healthy`);
    await waitHealthy(docker, containerName(project, svc.service), limit, progress);
  }
  return { url: entryUrl(plan), changed, started };
}

export function entryUrl(plan: Plan): string | undefined {
  const port = plan.services.find((s) => s.service === plan.entry)?.ports.find((p) => p.publish !== undefined);
  if (!port) return undefined;
  const host = port.hostIp === '0.0.0.0' ? '127.0.0.1' : port.hostIp;
  return `http://${host}:${port.publish}/`;
}

async function ensureNetworks(docker: Docker, project: string, plan: Plan, progress: Progress): Promise<void> {
  for (const net of plan.networks) {
    const name = networkName(project, net.key);
    if (await unlessMissing(() => docker.getNetwork(name).inspect())) continue;
    progress.step(`creating network ${name}${net.internal ? ' (internal)' : ''}${net.subnet ? ` ${net.subnet}` : ''}`);
    try {
      await docker.createNetwork({
        Name: name,
        Driver: 'bridge',
        Internal: net.internal,
        CheckDuplicate: true,
        Labels: projectLabels(project, { [LABEL.role]: 'network' }),
        ...(net.subnet ? { IPAM: { Driver: 'default', Config: [{ Subnet: net.subnet, ...(net.gateway ? { Gateway: net.gateway } : {}) }] } } : {}),
      });
    } catch (err) {
      if (/overlap/i.test(String((err as Error).message))) {
        throw new TargetError(
          `network ${name}: subnet ${net.subnet} overlaps a network that exists`,
          'choose other subnets with --subnet-prefix (e.g. 172.31), or remove the other network',
        );
      }
      throw err;
    }
  }
}

async function ensureVolumes(docker: Docker, project: string, svc: ServicePlan): Promise<void> {
  for (const v of svc.volumes) {
    const name = volumeName(project, svc.service, v.name);
    if (await unlessMissing(() => docker.getVolume(name).inspect())) continue;
    await docker.createVolume({ Name: name, Labels: projectLabels(project, { [LABEL.service]: svc.service, [LABEL.role]: 'data' }) });
  }
}

async function imageId(docker: Docker, ref: string): Promise<string> {
  const info = await unlessMissing(() => docker.getImage(ref).inspect());
  if (info) return info.Id;
  throw missingImage(ref);
}

async function ensureContainer(
  docker: Docker,
  project: string,
  plan: Plan,
  svc: ServicePlan,
  force: boolean,
  progress: Progress,
): Promise<'created' | 'started' | 'unchanged'> {
  const name = containerName(project, svc.service);
  const hash = configHash(svc, await imageId(docker, svc.image), plan.layout);
  const current = await unlessMissing(() => docker.getContainer(name).inspect());
  if (current && current.Config.Labels?.[LABEL.config] === hash && !force) {
    if (current.State.Running) return 'unchanged';
    progress.step(`starting ${name} (it was stopped)`);
    await start(docker, name, svc);
    return 'started';
  }
  if (current) {
    progress.step(`recreating ${name} (its image or settings changed)`);
    await docker.getContainer(name).remove({ force: true });
  } else progress.step(`creating ${name} from ${svc.image}`);
  await docker.createContainer(createOptions(project, plan, svc, hash));
  for (const a of svc.attachments.slice(1)) {
    await docker.getNetwork(networkName(project, a.network)).connect({ Container: name, EndpointConfig: endpoint(a) });
  }
  await start(docker, name, svc);
  return 'created';
}

async function start(docker: Docker, name: string, svc: ServicePlan): Promise<void> {
  try {
    await docker.getContainer(name).start();
  } catch (err) {
    const msg = String((err as Error).message);
    const pub = svc.ports.find((p) => p.publish !== undefined);
    if (pub && /port is already allocated|address already in use/i.test(msg)) {
      throw new TargetError(
        `port ${pub.hostIp}:${pub.publish} is taken, so ${name} cannot publish on it`,
        'choose another with --port N, or stop what listens there',
      );
    }
    if (statusOf(err) === 404) throw new TargetError(`${name}: ${msg}`);
    throw err;
  }
}
