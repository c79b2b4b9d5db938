// Waiting until a container is healthy (or running, if it has no health check), with progress,
// and an error that shows why when it is not (its last check and last log lines).
//
// `unhealthy` is not final at once: Docker runs each probe with `docker exec`, which on a busy
// host (2 cores, a browser, builds) can miss its timeout a few times in a row, so a healthy
// service flips to unhealthy and back at the next probe. A service gets as many further probes
// as its retries to come back before the wait gives up.
import { setTimeout as sleep } from 'node:timers/promises';
import type Docker from 'dockerode';
import { TargetError } from '../shared/errors.js';
import type { Progress } from '../shared/progress.js';

export async function waitHealthy(docker: Docker, name: string, limitMs: number, progress: Progress): Promise<void> {
  const started = Date.now();
  let lastReport = started;
  let unhealthySince: number | undefined;
  for (;;) {
    const info = await docker.getContainer(name).inspect();
    const health = info.State.Health?.Status;
    if (info.State.Running && (health === undefined || health === 'healthy')) return;
    if (!info.State.Running && !info.State.Restarting) {
      throw new TargetError(`${name} stopped (exit code ${info.State.ExitCode}):\n${await tail(docker, name)}`, `see its log: berth logs ${serviceOf(info)}`);
    }
    unhealthySince = health === 'unhealthy' ? (unhealthySince ?? Date.now()) : undefined;
    const gaveUp = unhealthySince !== undefined && Date.now() - unhealthySince > recoveryMs(info);
    if (gaveUp || Date.now() - started > limitMs) {
      const probe = info.State.Health?.Log?.at(-1)?.Output?.trim() ?? '';
      throw new TargetError(
        `${name} did not become healthy (${health ?? info.State.Status}; last check: ${probe || 'none'}):\n${await tail(docker, name)}`,
        `see its log: berth logs ${serviceOf(info)}`,
      );
    }
    if (Date.now() - lastReport >= 10_000) {
      lastReport = Date.now();
      progress.detail(`still waiting for ${name} (${health ?? info.State.Status}, ${Math.round((Date.now() - started) / 1000)} s)`);
    }
    await sleep(500);
  }
}

/** How long an unhealthy container may take to pass again: its retries, each an interval plus a timeout. */
export function recoveryMs(info: Pick<Docker.ContainerInspectInfo, 'Config'>): number {
  const hc = (info.Config as { Healthcheck?: { Interval?: number; Timeout?: number; Retries?: number } }).Healthcheck ?? {};
  const ms = (ns: number | undefined, fallback: number) => (ns ? ns / 1e6 : fallback);
  return (hc.Retries || 3) * (ms(hc.Interval, 30_000) + ms(hc.Timeout, 30_000));
}

function serviceOf(info: Docker.ContainerInspectInfo): string {
  return info.Config.Labels?.['io.berth.service'] ?? info.Name.replace(/^\//, '');
}

async function tail(docker: Docker, name: string): Promise<string> {
  const buf = (await docker.getContainer(name).logs({ stdout: true, stderr: true, tail: 15 })) as unknown as Buffer;
  return demuxToText(buf)
    .trim()
    .split('\n')
    .map((l) => `  | ${l}`)
    .join('\n');
}

/** Log output of a container without a TTY: 8-byte frame headers before each chunk. */
export function demuxToText(buf: Buffer): string {
  const out: string[] = [];
  let i = 0;
  while (i + 8 <= buf.length) {
    const size = buf.readUInt32BE(i + 4);
    out.push(buf.subarray(i + 8, i + 8 + size).toString('utf8'));
    i += 8 + size;
  }
  return out.join('');
}
