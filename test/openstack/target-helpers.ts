// Shared by the openstack target's tests: the berth CLI run against the sandbox through counting
// proxies (Nova, Neutron, Glance), a unique prefix per run, and what is left of a stack.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import type { OpenStack } from '../../src/deployer/openstack/index.js';
import { META, ownerDescription, TAG } from '../../src/deployer/targets/openstack/names.js';
import { FaultProxy } from './fault-proxy.js';
import { CLOUDS_YAML, EXT_CIDR, GUEST_IMAGE, OSLAB, REGISTRY, REGISTRY_CA } from './helpers.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export { GUEST_IMAGE as IMAGE } from './helpers.js';
export const prefix = () => `bt${process.pid % 10000}${Math.random().toString(36).slice(2, 5)}`;

/** The private key of the sandbox's key pair "berth" (the guests' SSH). */
export const SANDBOX_KEY = join(OSLAB, 'state/ssh/berth_ed25519');
/** Why a test of real instances cannot run (no sandbox here), or false: a `skip` option. */
export const NO_SANDBOX = existsSync(REGISTRY_CA) && existsSync(SANDBOX_KEY) ? false : `needs the sandbox's real instances (${REGISTRY_CA}, ${SANDBOX_KEY})`;
/** The flags of a deploy onto the sandbox's real instances: its image, flavor, key pair, SSH CIDR and registry. */
export const sandboxArgs = (p: string) => [
  '--target',
  'openstack',
  '--prefix',
  p,
  '--image',
  GUEST_IMAGE,
  '--flavor',
  'm1.tiny',
  '--key-name',
  'berth',
  '--ssh-cidr',
  EXT_CIDR,
  '--registry',
  REGISTRY,
  '--registry-ca',
  REGISTRY_CA,
];

export interface Proxied {
  nova: FaultProxy;
  neutron: FaultProxy;
  glance: FaultProxy;
  /** Cinder, when proxiedCloud was given the project whose volumes it serves. */
  cinder?: FaultProxy;
  /** A clouds.yaml whose berth-demo goes through the proxies. */
  cloudsFile: string;
  mutations(): string[];
  clear(): void;
  stop(): Promise<void>;
}

/**
 * The sandbox's berth-demo through counting proxies. With `cinderProject` (demo's project id: Cinder's
 * endpoint names it), Cinder goes through one too. With `deadLoadBalancer`, the cloud also names
 * a load-balancer endpoint where nothing answers (a catalog entry for an Octavia that is down).
 */
export async function proxiedCloud(o: { cinderProject?: string; deadLoadBalancer?: boolean } = {}): Promise<Proxied> {
  const nova = new FaultProxy({ host: '127.0.0.1', port: 8774 });
  const neutron = new FaultProxy({ host: '127.0.0.1', port: 9696 });
  const glance = new FaultProxy({ host: '127.0.0.1', port: 9292 });
  const cinder = o.cinderProject ? new FaultProxy({ host: '127.0.0.1', port: 8776 }) : undefined;
  const [n, q, g, c] = await Promise.all([nova.start(), neutron.start(), glance.start(), cinder?.start()]);
  const clouds = parse(readFileSync(CLOUDS_YAML, 'utf8')) as { clouds: Record<string, Record<string, unknown>> };
  const demo = {
    ...clouds.clouds['berth-demo'],
    compute_endpoint_override: `${n}/v2.1`,
    network_endpoint_override: q,
    image_endpoint_override: g,
    ...(c ? { block_storage_endpoint_override: `${c}/v3/${o.cinderProject}` } : {}),
    // The discard port: nothing listens there, every call is refused.
    ...(o.deadLoadBalancer ? { load_balancer_endpoint_override: 'http://127.0.0.1:9/v2' } : {}),
  };
  const dir = mkdtempSync(join(tmpdir(), 'berth-clouds-'));
  const cloudsFile = join(dir, 'clouds.yaml');
  writeFileSync(cloudsFile, stringify({ clouds: { 'berth-demo': demo } }), { mode: 0o600 });
  const all = [nova, neutron, glance, ...(cinder ? [cinder] : [])];
  return {
    nova,
    neutron,
    glance,
    ...(cinder ? { cinder } : {}),
    cloudsFile,
    mutations: () => all.flatMap((p) => p.mutations()),
    clear: () => all.forEach((p) => p.clear()),
    stop: async () => {
      await Promise.all(all.map((p) => p.stop()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface SpawnOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Called with the child as soon as it is spawned (to kill it, or follow its output). */
  onStart?: (child: ChildProcess) => void;
}

/**
 * Runs cmd asynchronously (stdin closed) and collects its output until it ends; rejects only when
 * it cannot be started.
 */
export function spawnCollect(cmd: string, args: string[], o: SpawnOptions = {}): Promise<Run> {
  const child = spawn(cmd, args, { cwd: o.cwd, env: o.env, stdio: ['ignore', 'pipe', 'pipe'] });
  o.onStart?.(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** Runs bin/berth.js (asynchronously: the proxies answer in this process). */
export function berthAsync(args: string[], cloudsFile: string, onStart?: (child: ChildProcess) => void): Promise<Run> {
  return spawnCollect(process.execPath, [join(ROOT, 'bin/berth.js'), ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, OS_CLIENT_CONFIG_FILE: cloudsFile, OS_CLOUD: 'berth-demo' },
    onStart,
  });
}

/** Everything that carries the stack's tag or berth's creation description, by kind (volumes: their metadata). */
export async function leftovers(os: OpenStack, id: string): Promise<Record<string, string[]>> {
  const n = os.network;
  const both = async <T extends { id: string; name?: string }>(list: (f: Record<string, unknown>) => Promise<T[]>) => {
    const [a, b] = await Promise.all([list({ tags: [TAG.stack(id)] }), list({ description: ownerDescription(id) })]);
    return [...new Set([...a, ...b].map((x) => x.name || x.id))];
  };
  const out: Record<string, string[]> = {
    servers: (await os.compute.servers.list({ tags: [TAG.stack(id)] })).map((s) => s.name),
    networks: await both((f) => n.networks.list(f as never)),
    subnets: await both((f) => n.subnets.list(f as never)),
    routers: await both((f) => n.routers.list(f as never)),
    ports: await both((f) => n.ports.list(f as never)),
    securityGroups: await both((f) => n.securityGroups.list(f as never)),
    floatingIps: await both((f) => n.floatingIps.list(f as never)),
    volumes: (await os.blockStorage.available())
      ? (await os.blockStorage.volumes.list())
          .filter((v) => v.metadata?.[META.stack] === id || v.description === ownerDescription(id))
          .map((v) => v.name ?? v.id)
      : [],
  };
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v.length));
}

/** The board's images in the sandbox's registry under `tag`, as the servers pull them. */
export function pushBoardImages(tag = 'latest'): void {
  for (const t of ['web', 'app', 'dbs']) {
    const ref = `${REGISTRY}/berth/${t}:${tag}`;
    for (const args of [
      ['tag', `berth/${t}:latest`, ref],
      ['push', '-q', ref],
    ]) {
      const r = spawnSync('docker', args, { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`docker ${args.join(' ')}: ${r.stderr}`);
    }
  }
}
