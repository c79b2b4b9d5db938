// The desired state of a stack on OpenStack, computed from the layout's plan and the inputs by
// pure functions: networks and subnets, the router, least-privilege groups, ports with their fixed
// IPs (all known before any server boots, so every user-data holds its peers' addresses), the
// servers with their user-data, and the floating IP of the entry. `up` compares it with the cloud.
import { createHash } from 'node:crypto';
import { formatIp, hostAt, parseCidr, prefixLength, SOURCE_BITS } from '../../layouts/ipv4.js';
import { TIER_NETWORKS } from '../../layouts/tiered.js';
import { TargetError } from '../shared/errors.js';
import { planLayout } from '../../layouts/index.js';
import type { LayoutName, Plan } from '../../layouts/plan.js';
import type { StackSpec } from '../../stack/schema.js';
import { secretLengths } from '../../stack/secret-value.js';
import { imageRef } from '../shared/images.js';
import type { Nic } from '../../userdata/nics.js';
import { secretRef, secretsOf, userdataFromPlan, type PlanUserdataOptions } from '../../userdata/plan.js';
import { singleVmPlan } from '../../userdata/single.js';
import { flavorOf, loadBalanced, replicasOfService, type NetKey, type OpenStackInputs, type Tier } from './inputs.js';
import { baseTags, macFor, META, names, stackId, TAG, volumeMetadata } from './names.js';
import { ANYWHERE, deriveRules, ruleKey, type RuleSpec } from './rules.js';

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

/** A load balancer (Octavia) in front of a replicated service: VIP, HTTP listener, ROUND_ROBIN pool,
 *  GET /readyz monitor, one member per replica at its address on the VIP's network. */
export interface DesiredLoadBalancer {
  service: string;
  name: string;
  listener: string;
  pool: string;
  monitor: string;
  /** The service's own tier network (web: dmz-net, app: app-net). */
  network: NetKey;
  vip: string;
  /** The service's port: the listener's and every member's. */
  port: number;
  healthPath: string;
  members: DesiredMember[];
  /** The entry's: the floating IP is on its VIP. */
  external: boolean;
}
export interface DesiredMember {
  /** The server's name. */
  name: string;
  /** The server's key. */
  server: string;
  address: string;
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
  /** On the entry's port, or (a replicated entry) on its load balancer's VIP. */
  floatingIp: { name: string; port: string; loadBalancer?: string };
  /** One per service with replicas or a kept load balancer ([] when every service has one server and none). */
  loadBalancers: DesiredLoadBalancer[];
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
  const layoutOf = layout === 'single' ? singleServers(plan) : tieredServers(plan, stack, i);
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
      return { name, server: s.key, network: net, ip: s.ip(net, i.networks[net]), mac: macFor(id, name), group: s.group };
    }),
  );
  checkAddresses(ports);
  const loadBalancers = layout === 'tiered' ? desiredLoadBalancers(stack, plan, i, id, layoutOf, ports) : [];
  const rules = deriveRules(stack, plan.entry, (svc) => layoutOf.find((s) => s.services.includes(svc))!.group, i.sshCidrs);
  // A member takes its port from its load balancer's network (the amphora's address there is
  // Octavia's choice), unless the port is open to anyone already (the entry's).
  for (const lb of loadBalancers)
    if (!(rules.get(lb.service) ?? []).some((r) => r.port === lb.port && 'cidr' in r.from && r.from.cidr === ANYWHERE))
      addRule(rules, lb.service, { protocol: 'tcp', port: lb.port, from: { cidr: i.networks[lb.network] } });
  const groupKeys = [...new Set(layoutOf.map((s) => s.group))];
  const groups = groupKeys.map((key) => ({ key, name: names.group(id, key), rules: rules.get(key) ?? [] }));
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
    floatingIp: {
      name: names.floatingIp(id),
      port: names.port(id, entryServer.key, 'dmz'),
      ...(loadBalancers.some((lb) => lb.external) ? { loadBalancer: loadBalancers.find((lb) => lb.external)!.service } : {}),
    },
    loadBalancers,
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
  /** The security group it is in: its service's (replicas share one), or the single VM's. */
  group: string;
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
    virtualIps: virtualIps(stack, i),
  });
}

/** Host part of the first load balancer's VIP on a network (.5; then .6, ...): below the servers' .10. */
const VIP_HOST = 5;

/** Each load-balanced service's VIP on its own tier network, in the services' order. */
export function virtualIps(stack: StackSpec, i: OpenStackInputs): Record<string, Partial<Record<NetKey, string>>> {
  const used: Partial<Record<NetKey, number>> = {};
  const out: Record<string, Partial<Record<NetKey, string>>> = {};
  for (const [svc, spec] of Object.entries(stack.services).sort(([a], [b]) => a.localeCompare(b))) {
    if (!loadBalanced(i, svc) || !spec.tier) continue;
    const net = TIER_NETWORKS[spec.tier][0]!;
    const n = (used[net] = (used[net] ?? 0) + 1);
    out[svc] = { [net]: hostAt(i.networks[net], VIP_HOST + n - 1) };
  }
  return out;
}

function singleServers(plan: Plan): ServerLayout[] {
  return [{ key: 'vm', group: 'vm', services: plan.services.map((s) => s.service), nets: ['dmz'], ip: (_net, cidr) => hostAt(cidr, SINGLE_HOST) }];
}

/**
 * One server per service and replica, its dmz NIC first (the router and the floating IP are there).
 * The first replica keeps the service's own name (<id>-web, as before replicas), the others are
 * <id>-web-2, <id>-web-3, ... at the next addresses (.11, .12, ...): scaling keeps every name.
 */
function tieredServers(plan: Plan, stack: StackSpec, i: OpenStackInputs): ServerLayout[] {
  return plan.services.flatMap((s) => {
    const nets = s.attachments.map((a) => a.network as NetKey).sort((a, b) => (a === 'dmz' ? -1 : b === 'dmz' ? 1 : 0));
    const addr = new Map(s.attachments.map((a) => [a.network, a.ipv4!]));
    return Array.from({ length: replicasOfService(i, s.service) }, (_, n) => ({
      key: replicaKey(s.service, n + 1),
      group: s.service,
      tier: stack.services[s.service]!.tier,
      services: [s.service],
      nets,
      ip: (net: NetKey) => offsetIp(addr.get(net)!, n),
    }));
  });
}

/** A replica's key: the service's name for the first, <service>-<n> for the others. */
export const replicaKey = (service: string, n: number) => (n === 1 ? service : `${service}-${n}`);

const offsetIp = (ip: string, n: number) => formatIp(parseCidr(`${ip}/32`, SOURCE_BITS).base + n);

/** Two ports planned at one address (replicas running into the next service's addresses): refused. */
function checkAddresses(ports: DesiredPort[]): void {
  const seen = new Map<string, string>();
  for (const p of ports) {
    const k = `${p.network}/${p.ip}`;
    if (seen.has(k))
      throw new TargetError(`${p.name} and ${seen.get(k)} would both be ${p.ip} on ${p.network}-net`, 'use fewer replicas (each tier has ten addresses)');
    seen.set(k, p.name);
  }
}

function addRule(rules: Map<string, RuleSpec[]>, group: string, r: RuleSpec): void {
  const list = rules.get(group) ?? [];
  if (!list.some((x) => ruleKey(x) === ruleKey(r))) list.push(r);
  rules.set(
    group,
    list.sort((a, b) => ruleKey(a).localeCompare(ruleKey(b))),
  );
}

function desiredLoadBalancers(
  stack: StackSpec,
  plan: Plan,
  i: OpenStackInputs,
  id: string,
  layoutOf: ServerLayout[],
  ports: DesiredPort[],
): DesiredLoadBalancer[] {
  const vips = virtualIps(stack, i);
  return Object.entries(vips).map(([svc, byNet]) => {
    const [network, vip] = Object.entries(byNet)[0]! as [NetKey, string];
    const port = stack.services[svc]!.ports[0]?.container;
    if (!port) throw new TargetError(`${svc} has replicas but no port for its load balancer to listen on`, `give ${svc} a port, or one replica`);
    const name = names.loadBalancer(id, svc);
    return {
      service: svc,
      name,
      listener: `${name}-${port}`,
      pool: `${name}-pool`,
      monitor: `${name}-readyz`,
      network,
      vip,
      port,
      healthPath: stack.services[svc]!.health?.http?.path ?? '/readyz',
      members: layoutOf
        .filter((s) => s.services.includes(svc))
        .map((s) => ({ name: names.server(id, s.key), server: s.key, address: ports.find((p) => p.server === s.key && p.network === network)!.ip })),
      external: plan.entry === svc,
    };
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
