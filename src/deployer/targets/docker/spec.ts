// From a service plan to the Engine API's container settings, and the hash that tells `up`
// whether a running container already matches the plan.
import { createHash } from 'node:crypto';
import type Docker from 'dockerode';
import { SECRETS_DIR, type Plan, type ServicePlan } from '../../layouts/plan.js';
import { LABEL, containerName, networkName, projectLabels, secretsVolumeName, volumeName } from './names.js';

const ns = (ms: number) => ms * 1_000_000;

export function configHash(svc: ServicePlan, imageId: string, layout: string): string {
  const env = Object.entries(svc.env).sort(([a], [b]) => a.localeCompare(b));
  const data = { imageId, layout, env, svc: { ...svc, env: undefined } };
  return createHash('sha256').update(JSON.stringify(data)).digest('hex').slice(0, 32);
}

export function createOptions(project: string, plan: Plan, svc: ServicePlan, hash: string): Docker.ContainerCreateOptions {
  const first = svc.attachments[0];
  const ports = Object.fromEntries(svc.ports.map((p) => [`${p.container}/tcp`, {}]));
  const bindings = Object.fromEntries(
    svc.ports.filter((p) => p.publish !== undefined).map((p) => [`${p.container}/tcp`, [{ HostIp: p.hostIp, HostPort: String(p.publish) }]]),
  );
  return {
    name: containerName(project, svc.service),
    Image: svc.image,
    ...(svc.command ? { Cmd: svc.command } : {}),
    Env: Object.entries(svc.env).map(([k, v]) => `${k}=${v}`),
    Labels: projectLabels(project, { [LABEL.service]: svc.service, [LABEL.layout]: plan.layout, [LABEL.config]: hash }),
    ExposedPorts: ports,
    ...(svc.health ? { Healthcheck: healthcheck(svc.health) } : {}),
    HostConfig: {
      PortBindings: bindings,
      Links: svc.links.map((l) => `${containerName(project, l.service)}:${l.alias}`),
      Mounts: [
        ...svc.volumes.map((v) => ({ Type: 'volume' as const, Source: volumeName(project, svc.service, v.name), Target: v.path })),
        // The secret files (secrets.ts): read-only, so not even the service can change them.
        ...(svc.secretFiles.length ? [{ Type: 'volume' as const, Source: secretsVolumeName(project, svc.service), Target: SECRETS_DIR, ReadOnly: true }] : []),
      ],
      RestartPolicy: { Name: 'unless-stopped' },
      NetworkMode: first ? networkName(project, first.network) : 'bridge',
    },
    // Engine API 1.41 accepts one network at create; the others are connected before start.
    ...(first ? { NetworkingConfig: { EndpointsConfig: { [networkName(project, first.network)]: endpoint(first) } } } : {}),
  };
}

export function endpoint(a: { aliases: string[]; ipv4?: string }) {
  return { Aliases: a.aliases, ...(a.ipv4 ? { IPAMConfig: { IPv4Address: a.ipv4 } } : {}) };
}

function healthcheck(h: NonNullable<ServicePlan['health']>) {
  // An empty Test keeps the image's own check and only changes its timing.
  return { Test: h.test ?? [], Interval: ns(h.interval), Timeout: ns(h.timeout), Retries: h.retries, StartPeriod: ns(h.startPeriod) };
}
