// What the openstack target deploys with, resolved from (first wins) the flags, a config file
// (`--os-config`, the same keys as a stack's `openstack:` section), the stack's section, the
// environment ($OS_CLOUD) and the defaults. Bad values are refused before anything is read from
// or done to the cloud.
import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { parse as parseYaml } from 'yaml';
import { canonicalCidr, overlaps, parseCidr, SOURCE_BITS } from '../../layouts/ipv4.js';
import { OpenStackSection, type OpenStackSectionSpec } from '../../stack/openstack-section.js';
import { MAX_REPLICAS, type StackSpec } from '../../stack/schema.js';
import type { ImageNaming } from '../shared/images.js';
import { TargetError } from '../shared/errors.js';
import { readRegistryCa, type RegistryCa } from '../shared/registry-ca.js';

export type Tier = 'web' | 'app' | 'dbs';
export type NetKey = 'dmz' | 'app' | 'dbs';

/** The original lab's networks. */
export const DEFAULT_NETWORKS: Record<NetKey, string> = { dmz: '192.168.0.0/24', app: '172.16.10.0/24', dbs: '172.16.20.0/24' };
export const DEFAULTS = { flavor: 'm1.small', image: 'debian-12', sshUser: 'debian', repo: 'berth', tag: 'latest', volumeSize: 1 } as const;

export interface OpenStackInputs {
  cloud?: string;
  prefix: string;
  /** The deployment's name, the <name> in <prefix>-<name>-… (the stack's name, or --name). */
  stack: string;
  /** Flavor by tier; `default` for the others and the single VM. */
  flavors: { default: string } & Partial<Record<Tier, string>>;
  image: string;
  keyName?: string;
  availabilityZone?: string;
  externalNetwork?: string;
  /** Who may SSH to the servers (canonical CIDRs, /0 to /32); empty: no SSH rule. */
  sshCidrs: string[];
  sshUser: string;
  networks: Record<NetKey, string>;
  naming: ImageNaming;
  registryCa?: RegistryCa;
  /** GiB of a volume whose stack entry has no size. */
  volumeSize: number;
  volumeType?: string;
  /** Servers per service (--replicas web=N,app=N over the stack's replicas:); a service left out has 1. */
  replicas: Record<string, number>;
  /**
   * Services at one server that keep the load balancer they have (planStack fills it from the
   * cloud): moving the floating IP off a VIP cuts the connections open through it.
   */
  keptLoadBalancers?: string[];
  /** --drop-load-balancers: a service at one server loses its load balancer (and the floating IP moves to the server). */
  dropLoadBalancers?: boolean;
}

/** Flags as commander hands them over (flavor entries are NAME or TIER=NAME). */
export interface InputFlags extends Omit<OpenStackSectionSpec, 'flavor' | 'networks'> {
  flavor?: string[];
  network?: string[];
  osConfig?: string;
  /** The deployment's name (--name; default: the stack's name). */
  name?: string;
  /** --replicas entries: SERVICE=N, comma-separated or repeated. */
  replicas?: string[];
  dropLoadBalancers?: boolean;
}

export function resolveInputs(stack: StackSpec, flags: InputFlags, env: Record<string, string | undefined> = process.env): OpenStackInputs {
  const file = flags.osConfig ? readConfigFile(flags.osConfig) : {};
  const fromFlags = flagSection(flags);
  const layers = [fromFlags, file, stack.openstack ?? {}];
  const pick = <K extends keyof OpenStackSectionSpec>(k: K): OpenStackSectionSpec[K] => layers.map((l) => l[k]).find((v) => v !== undefined);
  const networks = { ...DEFAULT_NETWORKS, ...stack.openstack?.networks, ...file.networks, ...fromFlags.networks };
  checkNetworks(networks);
  const registry = pick('registry');
  const caPath = pick('registryCa');
  const inputs: OpenStackInputs = {
    ...opt('cloud', pick('cloud') ?? env.OS_CLOUD),
    prefix: pick('prefix') ?? defaultPrefix(),
    stack: flags.name ?? stack.name,
    flavors: flavorsOf(layers.map((l) => l.flavor)),
    image: pick('image') ?? DEFAULTS.image,
    ...opt('keyName', pick('keyName')),
    ...opt('availabilityZone', pick('availabilityZone')),
    ...opt('externalNetwork', pick('externalNetwork')),
    sshCidrs: sourceCidrs(pick('sshCidr')),
    sshUser: pick('sshUser') ?? DEFAULTS.sshUser,
    networks,
    naming: { repo: pick('repo') ?? DEFAULTS.repo, tag: pick('tag') ?? DEFAULTS.tag, ...opt('registry', registry) },
    volumeSize: pick('volumeSize') ?? DEFAULTS.volumeSize,
    ...opt('volumeType', pick('volumeType')),
    ...(caPath ? { registryCa: readRegistryCa(registry, caPath) } : {}),
    replicas: replicasOf(stack, flags.replicas),
    ...(flags.dropLoadBalancers ? { dropLoadBalancers: true } : {}),
  };
  if (!/^[a-z][a-z0-9-]*$/.test(inputs.stack))
    throw new TargetError(`stack name ${inputs.stack} cannot be part of a cloud name`, 'use --name with lower-case letters, digits and -');
  return inputs;
}

const opt = <K extends string, V>(k: K, v: V | undefined | '') => (v === undefined || v === '' ? {} : ({ [k]: v } as Record<K, V>));

/** The login name, made fit for names (root -> root, "Jane.Doe" -> jane-doe). */
export function defaultPrefix(): string {
  const raw = (() => {
    try {
      return userInfo().username;
    } catch {
      return process.env.USER ?? 'berth';
    }
  })();
  const clean = raw
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^[^a-z]+/, '')
    .slice(0, 20)
    .replace(/-+$/, '');
  return clean || 'berth';
}

function flagSection(f: InputFlags): OpenStackSectionSpec & { networks?: Partial<Record<NetKey, string>> } {
  const { flavor, network, osConfig: _c, name: _n, replicas: _r, dropLoadBalancers: _d, ...rest } = f;
  const section: Record<string, unknown> = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
  if (flavor?.length) section.flavor = Object.fromEntries(flavor.map((x) => (x.includes('=') ? x.split('=', 2) : ['default', x])));
  if (network?.length) {
    section.networks = Object.fromEntries(
      network.map((x) => {
        const [k, v] = x.split('=', 2);
        if (!v) throw new TargetError(`--network ${x}: expected dmz=CIDR, app=CIDR or dbs=CIDR`);
        return [k, v];
      }),
    );
  }
  return validate(section, 'flags');
}

function readConfigFile(path: string): OpenStackSectionSpec {
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new TargetError(`cannot read ${path}: ${(err as Error).message}`);
  }
  const section = doc && typeof doc === 'object' && 'openstack' in doc ? (doc as { openstack: unknown }).openstack : doc;
  return validate(section ?? {}, path);
}

function validate(doc: unknown, where: string): OpenStackSectionSpec {
  const r = OpenStackSection.safeParse(doc);
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`);
  throw new TargetError(`invalid OpenStack settings in ${where}: ${issues.join('; ')}`, 'see docs/openstack.md for each setting');
}

function flavorsOf(layers: OpenStackSectionSpec['flavor'][]): OpenStackInputs['flavors'] {
  const out: Record<string, string> = { default: DEFAULTS.flavor };
  for (const l of [...layers].reverse()) {
    if (typeof l === 'string') Object.assign(out, { default: l });
    else if (l) Object.assign(out, Object.fromEntries(Object.entries(l).filter(([, v]) => v !== undefined)));
  }
  return out as OpenStackInputs['flavors'];
}

function checkNetworks(n: Record<NetKey, string>): void {
  for (const [k, v] of Object.entries(n)) {
    try {
      parseCidr(v);
    } catch (err) {
      throw new TargetError(`network ${k}: ${(err as Error).message}`);
    }
    n[k as NetKey] = canonicalCidr(v);
  }
  const keys: NetKey[] = ['dmz', 'app', 'dbs'];
  for (const [x, a] of keys.entries())
    for (const b of keys.slice(x + 1))
      if (overlaps(n[a], n[b])) throw new TargetError(`networks ${a} (${n[a]}) and ${b} (${n[b]}) overlap`, 'give each its own range with --network KEY=CIDR');
}

/** A rule's sources: any IPv4 CIDR from /0 (anywhere) to /32 (one host), canonical, each once. */
function sourceCidrs(v: string | string[] | undefined): string[] {
  const out = (typeof v === 'string' ? [v] : (v ?? [])).map((c) => {
    try {
      return canonicalCidr(c, SOURCE_BITS);
    } catch (err) {
      throw new TargetError(`--ssh-cidr ${c}: ${(err as Error).message}`);
    }
  });
  return [...new Set(out)];
}

export const flavorOf = (i: OpenStackInputs, tier: Tier | undefined) => (tier && i.flavors[tier]) || i.flavors.default;

/** Replicas per service: the stack's `replicas:`, then --replicas SERVICE=N (flags win). dbs and a
 *  service with volumes stay one server: their data is on one server's volume. */
export function replicasOf(stack: StackSpec, flags: string[] = []): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [svc, spec] of Object.entries(stack.services)) if (spec.replicas !== undefined) out[svc] = spec.replicas;
  for (const entry of flags.flatMap((f) => f.split(',')).filter((x) => x.trim())) {
    const m = /^\s*([a-z][a-z0-9-]*)=(\d+)\s*$/.exec(entry);
    if (!m) throw new TargetError(`--replicas ${entry}: expected SERVICE=N, e.g. web=2,app=2`);
    const [, svc, n] = m as unknown as [string, string, string];
    if (!stack.services[svc])
      throw new TargetError(`--replicas ${entry}: the stack has no service ${svc}`, `its services: ${Object.keys(stack.services).join(', ')}`);
    if (Number(n) < 1 || Number(n) > MAX_REPLICAS) throw new TargetError(`--replicas ${entry}: replicas go from 1 to ${MAX_REPLICAS}`);
    out[svc] = Number(n);
  }
  for (const [svc, n] of Object.entries(out)) {
    const spec = stack.services[svc]!;
    if (n > 1 && spec.tier === 'dbs') throw new TargetError(`${svc} has ${n} replicas, but the dbs tier stays one server (its data is on one volume)`);
    if (n > 1 && spec.volumes.length)
      throw new TargetError(`${svc} has ${n} replicas, but it keeps data (volume ${spec.volumes[0]!.name}): a service with volumes stays one server`);
  }
  return out;
}

/** Servers of a service (1 unless replicated). */
export const replicasOfService = (i: Pick<OpenStackInputs, 'replicas'>, svc: string) => i.replicas[svc] ?? 1;

/** Whether a service is behind a load balancer: it has replicas, or keeps the one it has. */
export const loadBalanced = (i: Pick<OpenStackInputs, 'replicas' | 'keptLoadBalancers'>, svc: string) =>
  replicasOfService(i, svc) > 1 || Boolean(i.keptLoadBalancers?.includes(svc));
