// The desired state of a stack on OpenStack, computed from the layout's plan and the inputs by
// pure functions: networks and subnets, the router, least-privilege groups, ports with their fixed
// IPs (all known before any server boots, so every user-data holds its peers' addresses), the
// servers with their user-data, and the floating IP of the entry. `up` compares it with the cloud.
import { createHash } from 'node:crypto';
import { hostAt, prefixLength } from '../../layouts/ipv4.js';
import { planLayout } from '../../layouts/index.js';
import type { LayoutName, Plan } from '../../layouts/plan.js';
import type { StackSpec } from '../../stack/schema.js';
import { secretLengths } from '../../stack/secret-value.js';
import { imageRef } from '../shared/images.js';
import type { Nic } from '../../userdata/nics.js';
import { secretRef, secretsOf, userdataFromPlan, type PlanUserdataOptions } from '../../userdata/plan.js';
import { singleVmPlan } from '../../userdata/single.js';
import { flavorOf, type NetKey, type OpenStackInputs, type Tier } from './inputs.js';
import { baseTags, macFor, META, names, stackId, TAG, volumeMetadata } from './names.js';
import { deriveRules, type RuleSpec } from './rules.js';

export interface DesiredNetwork {
  key: NetKey;
  name: string;
  subnetName: string;
  cidr: string;
  gateway: string;
}
export interface DesiredGroup {
  key: string;
  name: string;
  rules: RuleSpec[];
}
export interface DesiredPort {
  name: string;
  server: string;
  network: NetKey;
  ip: string;
  mac: string;
  group: string;
}
/** A stack volume on block storage: a Cinder volume attached to the server that runs its service. */
export interface DesiredVolume {
  name: string;
  service: string;
  volume: string;
  path: string;
  server: string;
  size: number;
  type?: string;
  metadata: Record<string, string>;
}
/** A stack volume, wherever it is kept (`service/volume`), and the tier of its service. */
export interface StackData {
  key: string;
  service: string;
  tier?: string;
}
export interface DesiredServer {
  key: string;
  name: string;
  tier?: Tier;
  services: string[];
  flavor: string;
  image: string;
  keyName?: string;
  availabilityZone?: string;
  /** Port names, the first NIC first (it alone has the default route). */
  ports: string[];
  /** With placeholders for the ids of its volumes (volumeRef), filled in at boot. */
  userData: string;
  /** Names of the volumes attached to it. */
  volumes: string[];
  /** What the server runs (user-data without secret values, flavor, image, ...): a change replaces it. */
  hash: string;
  metadata: Record<string, string>;
  tags: string[];
}

export interface DesiredState {
  id: string;
  prefix: string;
  layout: LayoutName;
  plan: Plan;
  tags: string[];
  networks: DesiredNetwork[];
  router: { name: string; subnets: NetKey[] };
  groups: DesiredGroup[];
  ports: DesiredPort[];
  servers: DesiredServer[];
  floatingIp: { name: string; port: string };
  /** Stack volumes on block storage ([] when the cloud has none: the data is on the servers' disks). */
  volumes: DesiredVolume[];
  /** Every stack volume: what a server without block storage holds on its disk. */
  data: StackData[];
  /** Secrets the servers share (tiered: app and dbs both know the database password). */
  sharedSecrets: string[];
}

/** Host part of the single VM's address on dmz-net (tiered uses the plan's .10/.20/.30). */
const SINGLE_HOST = 10;

/** Stands for a volume's id in user-data until the volume exists (the hash sees this, not the id). */
export const volumeRef = (name: string) => `<volume-id:${name}>`;

export interface DesiredOptions {
  /** The cloud has block storage for the stack's volumes (default true). */
  blockStorage?: boolean;
}

export function desiredState(
  stack: StackSpec,
  layout: LayoutName,
  i: OpenStackInputs,
  secretValues: Record<string, string> = {},
  opts: DesiredOptions = {},
): DesiredState {
  const id = stackId(i.prefix, i.stack);
  const tags = baseTags(i.prefix, id, layout);
  const plan = layout === 'single' ? singleVmPlan(stack, { project: stack.name, naming: i.naming }) : tieredPlan(stack, i);
  const layoutOf = layout === 'single' ? singleServers(plan) : tieredServers(plan, stack);
  const netKeys = [...new Set(layoutOf.flatMap((s) => s.nets))] as NetKey[];
  const networks = (['dmz', 'app', 'dbs'] as const)
    .filter((k) => netKeys.includes(k))
    .map((key) => ({
      key,
      name: names.network(id, key),
      subnetName: names.subnet(id, key),
      cidr: i.networks[key],
      gateway: hostAt(i.networks[key], 1),
    }));
  const ports: DesiredPort[] = layoutOf.flatMap((s) =>
    s.nets.map((net) => {
      const name = names.port(id, s.key, net);
      return { name, server: s.key, network: net, ip: s.ip(net, i.networks[net]), mac: macFor(id, name), group: s.key };
    }),
  );
  const rules = deriveRules(stack, plan.entry, (svc) => layoutOf.find((s) => s.services.includes(svc))!.key, i.sshCidrs);
  const groups = layoutOf.map((s) => ({ key: s.key, name: names.group(id, s.key), rules: rules.get(s.key) ?? [] }));
  const data = stackData(stack);
  const volumes = opts.blockStorage === false ? [] : desiredVolumes(stack, i, id, layoutOf, secretValues);
  // Shared by the tiered servers; with volumes, also kept for the data (a new single VM must get
  // the password the database on the volume was made with).
  const sharedSecrets = layout === 'tiered' || volumes.length ? Object.keys(stack.secrets) : [];
  const servers = layoutOf.map((s) =>
    server(
      stack,
      plan,
      i,
      id,
      tags,
      s,
      ports.filter((p) => p.server === s.key),
      networks,
      sharedSecrets,
      secretValues,
      volumes.filter((v) => v.server === s.key),
      data,
    ),
  );
  const entryServer = layoutOf.find((s) => plan.entry && s.services.includes(plan.entry)) ?? layoutOf[0]!;
  return {
    id,
    prefix: i.prefix,
    layout,
    plan,
    tags,
    networks,
    router: { name: names.router(id), subnets: ['dmz'] },
    groups,
    ports,
    servers,
    floatingIp: { name: names.floatingIp(id), port: names.port(id, entryServer.key, 'dmz') },
    volumes,
    data,
    sharedSecrets,
  };
}

/** Every volume of the stack, as `service/volume`. */
export function stackData(stack: StackSpec): StackData[] {
  return Object.entries(stack.services).flatMap(([service, spec]) =>
    spec.volumes.map((v) => ({ key: `${service}/${v.name}`, service, ...(spec.tier ? { tier: spec.tier } : {}) })),
  );
}

/** One Cinder volume per stack volume, named <prefix>-<stack>-<service>-<volume>: the same in every layout. */
function desiredVolumes(stack: StackSpec, i: OpenStackInputs, id: string, layoutOf: ServerLayout[], secretValues: Record<string, string>): DesiredVolume[] {
  const secrets = Object.fromEntries(
    Object.entries(secretValues)
      .filter(([, v]) => v)
      .map(([k, v]) => [META.secretPrefix + k, v]),
  );
  return Object.entries(stack.services).flatMap(([service, spec]) =>
    spec.volumes.map((v) => ({
      name: names.volume(id, service, v.name),
      service,
      volume: v.name,
      path: v.path,
      server: layoutOf.find((s) => s.services.includes(service))!.key,
      size: v.size ?? i.volumeSize,
      ...(i.volumeType ? { type: i.volumeType } : {}),
      // The secrets the data is made with ride along (see secrets.ts); never printed.
      metadata: { ...volumeMetadata(i.prefix, id, service, v.name), ...secrets },
    })),
  );
}

interface ServerLayout {
  key: string;
  tier?: Tier;
  services: string[];
  nets: NetKey[];
  ip: (net: NetKey, cidr: string) => string;
}

function tieredPlan(stack: StackSpec, i: OpenStackInputs): Plan {
  return planLayout('tiered', stack, {
    imageOf: (svc) => imageRef(stack, svc, i.naming),
    secrets: Object.fromEntries(Object.keys(stack.secrets).map((s) => [s, secretRef(s)])),
    tieredSubnets: i.networks,
  });
}

function singleServers(plan: Plan): ServerLayout[] {
  return [{ key: 'vm', services: plan.services.map((s) => s.service), nets: ['dmz'], ip: (_net, cidr) => hostAt(cidr, SINGLE_HOST) }];
}

/** One server per service, its dmz NIC first (the router and the floating IP are there). */
function tieredServers(plan: Plan, stack: StackSpec): ServerLayout[] {
  return plan.services.map((s) => {
    const nets = s.attachments.map((a) => a.network as NetKey).sort((a, b) => (a === 'dmz' ? -1 : b === 'dmz' ? 1 : 0));
    const addr = new Map(s.attachments.map((a) => [a.network, a.ipv4!]));
    return { key: s.service, tier: stack.services[s.service]!.tier, services: [s.service], nets, ip: (net) => addr.get(net)! };
  });
}

function server(
  stack: StackSpec,
  plan: Plan,
  i: OpenStackInputs,
  id: string,
  tags: string[],
  s: ServerLayout,
  ports: DesiredPort[],
  networks: DesiredNetwork[],
  shared: string[],
  secretValues: Record<string, string>,
  volumes: DesiredVolume[],
  data: StackData[],
): DesiredServer {
  const nics: Nic[] = ports.map((p, n) => {
    const net = networks.find((x) => x.key === p.network)!;
    return { mac: p.mac, address: p.ip, prefixLength: prefixLength(net.cidr), ...(n === 0 ? { gateway: net.gateway } : {}) };
  });
  const udOpts: PlanUserdataOptions = {
    stackName: stack.name,
    project: stack.name,
    namePrefix: '',
    ...(plan.layout === 'tiered' ? { services: s.services } : {}),
    secretLengths: secretLengths(stack),
    nics,
    ...(i.registryCa ? { registryCa: { registry: i.registryCa.registry, pem: i.registryCa.pem } } : {}),
    generator: 'berth up --target openstack',
    ...(volumes.length ? { blockVolumes: Object.fromEntries(volumes.map((v) => [`${v.service}/${v.volume}`, volumeRef(v.name)])) } : {}),
  };
  const used = shared.filter((sec) => plan.services.some((p) => s.services.includes(p.service) && secretsOf(p).includes(sec)));
  const values = Object.fromEntries(used.map((k) => [k, secretValues[k] ?? '']));
  const userData = userdataFromPlan(plan, { ...udOpts, ...(used.length ? { secretValues: values } : {}) });
  const flavor = flavorOf(i, s.tier);
  // The hash leaves secret values out (they are not known before the cloud is read) but not
  // which secrets the server holds.
  const masked = userdataFromPlan(plan, { ...udOpts, ...(used.length ? { secretValues: Object.fromEntries(used.map((k) => [k, `<${k}>`])) } : {}) });
  const hash = createHash('sha256')
    .update(JSON.stringify({ masked, flavor, image: i.image, key: i.keyName ?? null, az: i.availabilityZone ?? null, ports: ports.map((p) => p.name) }))
    .digest('hex')
    .slice(0, 32);
  const tier = s.tier ?? 'all';
  const onDisk = data.filter((x) => s.services.includes(x.service) && !volumes.some((v) => `${v.service}/${v.volume}` === x.key)).map((x) => x.key);
  return {
    key: s.key,
    name: names.server(id, s.key),
    ...(s.tier ? { tier: s.tier } : {}),
    services: s.services,
    flavor,
    image: i.image,
    ...(i.keyName ? { keyName: i.keyName } : {}),
    ...(i.availabilityZone ? { availabilityZone: i.availabilityZone } : {}),
    ports: ports.map((p) => p.name),
    userData,
    volumes: volumes.map((v) => v.name),
    hash,
    // Shared secrets ride along as metadata: the cloud is the only state, and the next `up` that
    // replaces one server must give it the value the others already use. Never printed.
    metadata: {
      [META.stack]: id,
      [META.layout]: plan.layout,
      [META.tier]: tier,
      [META.hash]: hash,
      [META.diskData]: onDisk.join(',') || '-',
      ...Object.fromEntries(used.filter((k) => secretValues[k]).map((k) => [META.secretPrefix + k, secretValues[k]!])),
    },
    tags: [...tags, TAG.tier(tier)],
  };
}
