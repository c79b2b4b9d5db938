// Shared by the openstack suite: the sandbox's clouds.yaml, unique names, and a cleanup list
// that runs (newest first) even when a test fails, so no server, port or network is left behind.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
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
