// `berth plan` and `berth up --target openstack`: read the stack's resources (the cloud is the
// only state), compute the desired state from the layout's plan, diff them; `up` then checks
// names and quotas before creating anything and applies the diff in dependency order: what goes
// away first; then networks, security groups and volumes side by side, the router and the ports
// (fixed IPs) once what each needs is there; all servers at once and the floating IP while they
// boot; then waits for the board to answer and the servers' user-data. A diff of only keeps makes
// no mutating call.
import type { OpenStack } from '../../openstack/index.js';
import type { LayoutName } from '../../layouts/plan.js';
import type { StackSpec } from '../../stack/schema.js';
import { silentProgress, type Progress } from '../shared/progress.js';
import { TargetError } from '../shared/errors.js';
import { applyGroups, applyNetworks, applyPorts, applyRetags, applyRouter, knownIds } from './apply-network.js';
import { applyFloatingIp, applyServers, startStopped } from './apply-servers.js';
import { applyVolumes, attachToKept, detachMoving } from './apply-volumes.js';
import { applyMembers, applyShells, drainLeaving, knownLoadBalancers, removeLoadBalancers, rollServers } from './apply-load-balancers.js';
import { together, type ApplyContext } from './context.js';
import { desiredState, type DesiredState } from './desired.js';
import { guardDataLoss } from './data-loss.js';
import { diff, mutating, type Step } from './diff.js';
import { META, TAG, names as resourceNames, tagValue } from './names.js';
import { PhaseClock, type PhaseReport } from './phases.js';
import type { OpenStackInputs } from './inputs.js';
import type { BlockStorage, Observed } from './observed.js';
import { checkQuotas, quotaNeeds, resolveNames, type Resolved } from './preflight.js';
import { mayHaveLoadBalancers, readStack } from './read.js';
import { deleteNetworking, deleteServers } from './remove.js';
import { sharedSecretValues } from './secrets.js';
import { SETTLE, settledRead } from './settle.js';
import { waitReady } from './wait.js';

export interface StackPlan {
  d: DesiredState;
  o: Observed;
  r: Resolved;
  steps: Step[];
  /** Where the layout came from: --layout, the deployed servers' berth-layout tag, or the default. */
  layoutFrom: 'flag' | 'deployed' | 'default';
  /** Block storage for the stack's volumes, or why there is none (then the data is on the servers' disks). */
  storage: BlockStorage;
}

/**
 * Reads the cloud and diffs it with the desired state. Without a layout, the stack keeps the one
 * it is deployed in (its servers' berth-layout tag), else single.
 */
export async function planStack(
  os: OpenStack,
  stack: StackSpec,
  i: OpenStackInputs,
  layout?: LayoutName,
  progress: Progress = silentProgress,
): Promise<StackPlan> {
  // Without --layout every layout's networks are looked for: the deployed one decides.
  const names = desiredState(stack, layout ?? 'tiered', i);
  const octavia = await loadBalancing(os, names.id, i, layout);
  const hasVolumes = Object.values(stack.services).some((s) => s.volumes.length > 0);
  const storage: BlockStorage = hasVolumes ? await blockStorage(os) : { available: false, why: 'the stack has no volumes' };
  const wanted = { networks: names.networks.map((n) => n.name), router: names.router.name, volumes: storage.available, loadBalancers: octavia };
  const o = await settledRead(() => readStack(os, names.id, wanted), SETTLE, { onWait: (m) => progress.step(m) });
  const deployed = deployedLayout(o);
  const chosen = layout ?? deployed ?? 'single';
  if (chosen === 'single' && Object.values(i.replicas).some((n) => n > 1))
    throw new TargetError('replicas need the tiered layout (one server per replica)', 'add --layout tiered');
  const usable = storage.available ? await volumeQuota(os, storage, o) : storage;
  const kept = chosen === 'tiered' ? withKeptLoadBalancers(stack, i, o, names.id) : i;
  const d = desiredState(stack, chosen, kept, sharedSecretValues(stack, o), { blockStorage: usable.available });
  const r = await resolveNames(os, d, kept);
  return { d, o, r, steps: diff(d, o, r.externalNetworkId), layoutFrom: layout ? 'flag' : deployed ? 'deployed' : 'default', storage: usable };
}

/**
 * Whether the stack's load balancers are read: with replicas, or when the stack has some left (a
 * stack scaled back to one server keeps them, or drops them with --drop-load-balancers; see
 * mayHaveLoadBalancers). Replicas > 1 on
 * a cloud without Octavia are refused here, before anything is read or changed, with what is
 * missing.
 */
async function loadBalancing(os: OpenStack, id: string, i: OpenStackInputs, layout?: LayoutName): Promise<boolean> {
  const replicated = Object.entries(i.replicas).filter(([, n]) => n > 1);
  if (!replicated.length) return mayHaveLoadBalancers(os, TAG.stack(id));
  const available = await os.loadBalancer.available();
  const what = replicated.map(([s, n]) => `${s}=${n}`).join(',');
  if (layout === 'single') throw new TargetError(`replicas (${what}) need the tiered layout: one server per replica`, 'use --layout tiered');
  if (!available) {
    const catalog = [...new Set((await os.session.getToken()).catalog.map((e) => e.type))].sort().join(', ');
    throw new TargetError(
      `replicas ${what} need a load balancer in front of them, and cloud ${os.cloud.name} has no load-balancer service (Octavia) in its catalog (it has: ${catalog})`,
      'deploy one server per tier (leave --replicas out, or replicas: 1), or on a cloud with Octavia',
    );
  }
  return true;
}

/**
 * A service scaled back to one server keeps the load balancer it has (with one member) unless
 * --drop-load-balancers says otherwise: the floating IP stays on the VIP, whose connections a move
 * to the server's port would cut, and the web's REST address stays the app's VIP (web is not
 * replaced for it). `down` removes it.
 */
export function withKeptLoadBalancers(stack: StackSpec, i: OpenStackInputs, o: Observed, id: string): OpenStackInputs {
  if (i.dropLoadBalancers) return i;
  const have = new Set((o.loadBalancers ?? []).map((lb) => lb.name));
  const kept = Object.keys(stack.services).filter((svc) => have.has(resourceNames.loadBalancer(id, svc)));
  return kept.length ? { ...i, keptLoadBalancers: kept } : i;
}

/** The layout the stack's servers were deployed in (their berth-layout metadata and tag); the most servers win. */
export function deployedLayout(o: Observed): LayoutName | undefined {
  const count = new Map<string, number>();
  for (const s of o.servers) {
    const l = s.metadata[META.layout] ?? tagValue(s.tags, META.layout);
    if (l === 'single' || l === 'tiered') count.set(l, (count.get(l) ?? 0) + 1);
  }
  return [...count].sort((a, b) => b[1] - a[1])[0]?.[0] as LayoutName | undefined;
}

/** Whether the catalog has a volume service. */
async function blockStorage(os: OpenStack): Promise<BlockStorage> {
  return (await os.blockStorage.available())
    ? { available: true }
    : { available: false, why: 'the cloud has no volume service (block-storage) in its catalog' };
}

/** A project whose volume quota is 0 has no block storage either (unless the stack's volumes exist already). */
async function volumeQuota(os: OpenStack, storage: BlockStorage, o: Observed): Promise<BlockStorage> {
  if (o.volumes?.length) return storage;
  const projectId = (await os.session.getToken()).project?.id;
  if (!projectId) return storage;
  const q = await os.blockStorage.quotas.details(projectId).catch(() => undefined);
  const zero = (k: string) => q?.[k]?.limit === 0;
  if (zero('volumes') || zero('gigabytes')) return { available: false, why: `the project's ${zero('volumes') ? 'volume' : 'gigabytes'} quota is 0` };
  return storage;
}

export type WaitFor = 'ready' | 'active';

export interface UpResult {
  url?: string;
  floatingIp?: string;
  changes: Step[];
  /** When each step and each booted server's phases began and ended. */
  phases: PhaseReport;
}

export interface UpOptions {
  /** Carry out steps that lose data (the user said so: --allow-data-loss, --yes, or the prompt). */
  allowDataLoss?: boolean;
  /** Started when the command began (reading the cloud counts); default: now. */
  clock?: PhaseClock;
}

export async function up(
  os: OpenStack,
  p: StackPlan,
  wait: WaitFor,
  progress: Progress,
  readyTimeoutMs = 900_000,
  sequential = false,
  opts: UpOptions = {},
): Promise<UpResult> {
  guardDataLoss(p.steps, Boolean(opts.allowDataLoss), 'up');
  const changes = mutating(p.steps);
  const clock = opts.clock ?? new PhaseClock();
  const c: ApplyContext = {
    os,
    ...p,
    progress,
    sequential,
    clock,
    ids: { network: new Map(), subnet: new Map(), group: new Map(), port: new Map(), volume: new Map(), lb: new Map() },
  };
  knownIds(c);
  knownLoadBalancers(c);
  let booted: Awaited<ReturnType<typeof applyServers>> = [];
  let fip = p.o.floatingIps.find((f) => p.steps.some((s) => s.kind === 'floating-ip' && s.verb === 'keep' && s.id === f.id))?.address;
  const step = clock.step.bind(clock);
  if (changes.length) {
    await step('quotas', () => checkQuotas(os, quotaNeeds(p.d, p.steps, p.r)));
    await step('detach', () => detachMoving(c));
    await step('drain', () => drainLeaving(c));
    await step('remove', () => removeFirst(c));
    await applyFoundations(c, step);
    // The floating IP needs only the entry's port: made while the servers boot (in sequential
    // mode, or when it goes on a load balancer's VIP that is still being made, after them).
    const fipEarly = !sequential && !p.d.floatingIp.loadBalancer;
    const fipAt = fipEarly ? step('floating-ip', () => applyFloatingIp(c)) : undefined;
    fipAt?.catch(() => undefined); // awaited below; a boot failing first must not leave it unhandled
    // Octavia's amphorae boot while the servers do.
    [, booted] = await Promise.all([step('load-balancers', () => applyShells(c)), step('servers', () => applyServers(c))]);
    await step('start', () => startStopped(c));
    await step('building', () => waitBuilding(c));
    await step('attach', () => attachToKept(c));
    await step('members', () => applyMembers(c, booted));
    booted = [...booted, ...(await step('roll', () => rollServers(c)))];
    fip = await (fipAt ?? step('floating-ip', () => applyFloatingIp(c)));
    await step('remove-load-balancers', () => removeLoadBalancers(c));
  }
  await waitBuilding(c);
  const url = fip ? entryUrl(p.d, fip) : undefined;
  if (wait === 'ready' && url) {
    progress.step(`waiting for the board at ${url}`);
    await step('page', () => waitReady(os, url, booted, { timeoutMs: readyTimeoutMs, silentMs: 600_000, clock }, progress));
  }
  return { ...(url ? { url } : {}), ...(fip ? { floatingIp: fip } : {}), changes, phases: clock.report() };
}

export function entryUrl(d: DesiredState, fip: string): string {
  const entry = d.plan.services.find((s) => s.service === d.plan.entry);
  const port = entry?.ports[0]?.container ?? 80;
  return `http://${fip}${port === 80 ? '' : `:${port}`}/`;
}

/**
 * Networks, router, groups, ports and volumes. Only some need others: the router the subnets,
 * a port its network and group; security groups (Neutron) and volumes (Cinder) need nothing, so
 * they are made while the networks are (in sequential mode, one step after another).
 */
async function applyFoundations(c: ApplyContext, step: PhaseClock['step']): Promise<void> {
  if (c.sequential) {
    for (const [name, fn] of [
      ['networks', applyNetworks],
      ['router', applyRouter],
      ['groups', applyGroups],
      ['ports', applyPorts],
      ['retag', applyRetags],
      ['volumes', applyVolumes],
    ] as const)
      await step(name, () => fn(c));
    return;
  }
  const groups = step('groups', () => applyGroups(c));
  const networked = async () => {
    await step('networks', () => applyNetworks(c));
    await together([step('router', () => applyRouter(c)), groups.then(() => step('ports', () => applyPorts(c)))]);
  };
  await together([networked(), groups, step('volumes', () => applyVolumes(c))]);
  await step('retag', () => applyRetags(c));
}

/** Deletes first: replaced and unplanned servers, then unplanned networking (which needs them gone). */
async function removeFirst(c: ApplyContext): Promise<void> {
  const del = (kind: Step['kind']) => c.steps.filter((s) => s.kind === kind && s.verb === 'delete' && !s.rolling).map((s) => ({ id: s.id!, name: s.name }));
  await deleteServers(c.os, del('server'), c.progress);
  await deleteNetworking(
    c.os,
    {
      floatingIps: del('floating-ip'),
      ports: del('port'),
      groups: del('security-group'),
      routers: del('router'),
      subnets: del('subnet'),
      networks: del('network'),
    },
    c.progress,
  );
}

/** Kept servers an interrupted `up` left building: waited for like new ones (reads only). */
async function waitBuilding(c: ApplyContext): Promise<void> {
  const building = c.steps
    .filter((s) => s.kind === 'server' && s.verb === 'keep')
    .map((s) => c.o.servers.find((x) => x.id === s.id)!)
    .filter((s) => s.status === 'BUILD');
  await Promise.all(
    building.map(async (s) => {
      c.progress.step(`waiting for ${s.name} (still building)`);
      await c.os.compute.servers.waitFor(s.id, 'ACTIVE', { timeoutMs: 600_000 });
    }),
  );
}
