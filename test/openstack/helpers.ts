// Shared by the openstack suite: the sandbox's clouds.yaml, unique names, and a cleanup list
// that runs (newest first) even when a test fails, so no server, port or network is left behind.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { connect, isNotFound, type OpenStack } from '../../src/deployer/openstack/index.js';
import type { ConnectOptions } from '../../src/deployer/openstack/index.js';

export const OSLAB = process.env.BERTH_OSLAB ?? '/var/tmp/berth-openstack';
export const CLOUDS_YAML = join(OSLAB, 'clouds.yaml');
export const SANDBOX_PASSWORD = process.env.BERTH_OSLAB_PASSWORD ?? 'berth-sandbox-pw';

/** Env for loadCloudConfig: only the sandbox's clouds.yaml, nothing from the caller's OS_*. */
export function sandboxEnv(extra: Record<string, string> = {}): Record<string, string> {
  if (!existsSync(CLOUDS_YAML)) {
    throw new Error(`${CLOUDS_YAML} missing: run "scripts/openstack-sandbox.sh up" first (as root)`);
  }
  return { OS_CLIENT_CONFIG_FILE: CLOUDS_YAML, ...extra };
}

export function connectAs(who: 'demo' | 'admin', o: ConnectOptions = {}): Promise<OpenStack> {
  return connect({ cloud: `berth-${who}`, env: sandboxEnv(), timeoutMs: 60_000, ...o });
}

/** berth-test-<pid>-<random>-<what>: unique per run, recognisable when something is left. */
export const RUN_ID = `berth-test-${process.pid}-${Math.random().toString(36).slice(2, 6)}`;
export const uniq = (what: string) => `${RUN_ID}-${what}`;

export class Cleanup {
  private readonly steps: { what: string; fn: () => Promise<unknown> }[] = [];

  add(what: string, fn: () => Promise<unknown>): void {
    this.steps.push({ what, fn });
  }

  /** Runs every step newest first; a 404 means already gone; other failures are collected. */
  async run(): Promise<void> {
    const failures: string[] = [];
    while (this.steps.length) {
      const step = this.steps.pop()!;
      try {
        await step.fn();
      } catch (err) {
        if (!isNotFound(err)) failures.push(`${step.what}: ${(err as Error).message}`);
      }
    }
    if (failures.length) throw new Error(`cleanup failed:\n  ${failures.join('\n  ')}`);
  }
}

/**
 * The sandbox's external network (scripts/openstack-sandbox/lib.sh: EXT_CIDR, its gateway EXT_GW
 * on the host's bridge): floating IPs come from it, the host reaches the servers from it.
 * EXT_PREFIX_RE is EXT_PREFIX with its dots escaped, for patterns.
 */
export const EXT_CIDR = process.env.BERTH_OSLAB_EXT_CIDR ?? '198.51.100.0/24';
export const EXT_PREFIX = EXT_CIDR.replace(/\.[^./]*\/.*$/, '');
export const EXT_PREFIX_RE = EXT_PREFIX.replace(/\./g, '\\.');
export const EXT_GW = `${EXT_PREFIX}.1`;

/** The sandbox's registry (TLS, on its external bridge) and its CA, written beside clouds.yaml. */
export const REGISTRY = process.env.BERTH_OSLAB_REGISTRY ?? process.env.BERTH_TEST_REGISTRY ?? `${EXT_GW}:5000`;
export const REGISTRY_CA = join(OSLAB, 'registry-ca.crt');
/** The sandbox's guest image (Debian 12 with Docker and cloud-init); both names of its variable are honoured. */
export const GUEST_IMAGE = process.env.BERTH_OSLAB_IMAGE ?? process.env.BERTH_TEST_IMAGE ?? 'debian-12-docker';

/**
 * Polls fn until it returns something other than undefined, at most timeoutMs: the event a test
 * waits for, with a bound. The last value seen goes into the failure message.
 */
export async function waitFor<T>(what: string, timeoutMs: number, fn: () => Promise<T | undefined>, everyMs = 1000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = (err as Error).message;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last: ${String(last)})` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** A client of the sandbox registry's API that trusts the sandbox CA and nothing else. */
export const registryAgent = () => new Agent({ connect: { ca: readFileSync(REGISTRY_CA) } });

/** Deletes a manifest from the sandbox registry (its API over TLS, trusting only the sandbox CA). */
export async function deleteFromRegistry(name: string, tag: string): Promise<void> {
  const dispatcher = registryAgent();
  try {
    const head = await request(`https://${REGISTRY}/v2/${name}/manifests/${tag}`, {
      method: 'HEAD',
      dispatcher,
      headers: { accept: 'application/vnd.docker.distribution.manifest.v2+json' },
    });
    const digest = head.headers['docker-content-digest'];
    if (head.statusCode === 404 || typeof digest !== 'string') return;
    const del = await request(`https://${REGISTRY}/v2/${name}/manifests/${digest}`, { method: 'DELETE', dispatcher });
    await del.body.dump();
    if (del.statusCode !== 202) throw new Error(`registry DELETE ${name}@${digest}: ${del.statusCode}`);
  } finally {
    await dispatcher.close();
  }
}
