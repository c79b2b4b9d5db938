// The openstack target on the command line: `berth plan`, `berth inventory`, and what `up`,
// `down`, `status` and `logs` do with `--target openstack` (commands.ts of the docker target
// hands over to these). Progress on stderr, results (the URL, --json, the inventory) on stdout.
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { connect, type OpenStack } from '../../deployer/openstack/index.js';
import { loadStackFile } from '../../deployer/stack/load.js';
import { stderrProgress } from '../../deployer/targets/shared/progress.js';
import * as ost from '../../deployer/targets/openstack/index.js';
import { DiffConflict } from '../../deployer/targets/openstack/diff.js';
import { openstackBackupBefore } from './data.js';
import { CliError, openStackCliError, stackOrTargetCliError, type OpenStackHints } from '../errors.js';
import {
  addOptions,
  COMMANDS,
  type CloudOpts,
  type DownOpts,
  type ImageOpts,
  type InventoryOpts,
  type LogsOpts,
  type PlanOpts,
  type ServerOpts,
  type StackOpts,
  type StatusOpts,
  type UpOpts,
  type VolumeOpts,
  type DataLossOpts,
} from '../options.js';

export type InputOpts = StackOpts & ImageOpts & CloudOpts & ServerOpts & VolumeOpts & { sshUser?: string };

/** The stack and the resolved inputs (flags win over --os-config and the stack's openstack: section). */
export function inputsOf(o: InputOpts) {
  const loaded = loadStackFile(o.stack ?? undefined);
  for (const w of loaded.warnings) process.stderr.write(`warning: ${w}\n`);
  const name = o.name ?? o.project;
  const flags: ost.InputFlags = {
    ...(name !== undefined ? { name } : {}),
    ...defined({ prefix: o.prefix, cloud: o.cloud, osConfig: o.osConfig, image: o.image, keyName: o.keyName, availabilityZone: o.availabilityZone }),
    ...defined({ externalNetwork: o.externalNetwork, sshCidr: o.sshCidr, sshUser: o.sshUser, flavor: o.flavor, network: o.network }),
    ...defined({ registry: o.registry, registryCa: o.registryCa, repo: o.repo, tag: o.tag, volumeSize: o.volumeSize, volumeType: o.volumeType }),
    ...defined({ replicas: o.replicas, dropLoadBalancers: o.dropLoadBalancers }),
  };
  return { stack: loaded.stack, inputs: ost.resolveInputs(loaded.stack, flags) };
}

/** The entries whose value is given (exactOptionalPropertyTypes-safe spreading of flags). */
function defined<T extends Record<string, unknown>>(o: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as { [K in keyof T]?: Exclude<T[K], undefined> };
}

export async function withCloud<T>(cloud: string | undefined, fn: (os: OpenStack) => Promise<T>): Promise<T> {
  const os = await connect({ ...(cloud ? { cloud } : {}), timeoutMs: 60_000, retry: { attempts: 6 } });
  try {
    return await fn(os);
  } finally {
    await os.close();
  }
}

const HINTS: OpenStackHints = {
  unauthorized: 'check the credentials in clouds.yaml',
  unreachable: 'is the cloud reachable? (berth cloud check)',
  forbidden: "the project's role may not allow this; berth cloud check shows the roles",
  other: 'run the same command again: berth continues where it stopped',
};

/** Known failures: one line and a hint. */
export async function osCli(fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof DiffConflict) throw new CliError(err.message);
    throw stackOrTargetCliError(err, 'docs/openstack.md') ?? openStackCliError(err, HINTS) ?? err;
  }
}

/** What `plan` and `up` say beside the steps: where the layout came from, where the data lives. */
function planNotes(plan: ost.StackPlan): string {
  const notes = [];
  if (plan.layoutFrom === 'deployed') notes.push(`layout ${plan.d.layout}: as deployed (its berth-layout tag); --layout changes it`);
  if (plan.d.data.length && !plan.storage.available)
    notes.push(
      `no block storage (${plan.storage.why}): ${plan.d.data.map((x) => x.key).join(', ')} stay on the servers' own disks and are lost when a server is replaced or deleted`,
    );
  return notes.map((n) => `note: ${n}\n`).join('');
}

/**
 * Runs fn; when it stops before losing data, asks on a terminal (type yes) and runs it again
 * allowed. In a script (no terminal) the stop stands: --allow-data-loss goes on.
 */
async function withDataLossQuestion<T>(o: DataLossOpts, fn: (allow: boolean) => Promise<T>): Promise<T> {
  const allowed = Boolean(o.allowDataLoss || o.yes);
  try {
    return await fn(allowed);
  } catch (err) {
    if (!(err instanceof ost.DataLossError) || allowed || !process.stdin.isTTY || !process.stderr.isTTY) throw err;
    process.stderr.write(`${err.message}\n`);
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    const answer = await rl.question('Delete this data? Type yes to go on: ').finally(() => rl.close());
    if (answer.trim() !== 'yes') throw new CliError('stopped: nothing was changed');
    return fn(true);
  }
}

export async function osUp(o: UpOpts): Promise<void> {
  // The whole command counts: reading the cloud (and waiting for it to settle) is part of the wait.
  const clock = new ost.PhaseClock();
  const { stack, inputs } = inputsOf(o);
  await withCloud(inputs.cloud, async (os) => {
    const plan = await clock.step('read', () => ost.planStack(os, stack, inputs, o.layout, stderrProgress));
    const changes = ost.mutating(plan.steps);
    process.stderr.write(`${plan.d.id} (${plan.d.layout} layout) on ${os.cloud.name}:\n${ost.renderSteps(plan.steps)}${planNotes(plan)}`);
    // --backup-before: once the user has allowed the loss (flag or answer), before the step.
    const losing = ost.dataLosingSteps(plan.steps).length > 0;
    const result = await withDataLossQuestion(o, async (allowDataLoss) => {
      if (allowDataLoss && losing) await openstackBackupBefore(os, plan.d.id, stack.name, { ...o, sshUser: inputs.sshUser });
      return ost.up(os, plan, o.wait, stderrProgress, o.readyTimeout * 1000, false, { allowDataLoss, clock });
    });
    const took = Date.now() - clock.t0;
    process.stderr.write(changes.length ? `done in ${seconds(took)}\n` : 'nothing changed\n');
    if (o.verbose) process.stderr.write(ost.renderPhases(result.phases));
    if (!o.json) return void process.stdout.write(`${result.url ?? '(no floating IP)'}\n`);
    const out = { stack: plan.d.id, layout: plan.d.layout, url: result.url ?? null, changes: changes.length, seconds: took / 1000, phases: result.phases };
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  });
}

/** A duration as people read it: 0.4 s, 4.2 s, 37 s. */
export const seconds = (ms: number) => (ms < 9950 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`);

export async function osPlan(o: PlanOpts): Promise<void> {
  const { stack, inputs } = inputsOf(o);
  await withCloud(inputs.cloud, async (os) => {
    const plan = await ost.planStack(os, stack, inputs, o.layout, stderrProgress);
    if (o.json) {
      // The steps only: the desired state holds user-data and the shared secrets.
      const steps = plan.steps.map(({ rule: _r, ...s }) => s);
      const storage = { blockStorage: plan.storage.available, ...(plan.storage.why ? { why: plan.storage.why } : {}) };
      process.stdout.write(
        `${JSON.stringify({ stack: plan.d.id, layout: plan.d.layout, layoutFrom: plan.layoutFrom, cloud: os.cloud.name, storage, changes: ost.mutating(plan.steps).length, losesData: ost.dataLosingSteps(plan.steps).length, steps }, null, 2)}\n`,
      );
    } else process.stdout.write(`${plan.d.id} (${plan.d.layout} layout) on ${os.cloud.name}:\n${ost.renderSteps(plan.steps, o.verbose)}${planNotes(plan)}`);
  });
}

export async function osDown(o: DownOpts): Promise<void> {
  const { stack, inputs } = inputsOf(o);
  const scope: ost.Scope = o.all ? { prefix: inputs.prefix } : { stack: ost.stackId(inputs.prefix, inputs.stack) };
  const data = ost.stackData(stack);
  await withCloud(inputs.cloud, async (os) => {
    // --backup-before: a copy of the stack's database before down removes anything (one stack only).
    if (o.backupBefore !== undefined && !('stack' in scope)) throw new CliError("--backup-before takes one stack's backup: not with --all");
    if (o.backupBefore !== undefined && 'stack' in scope) await openstackBackupBefore(os, scope.stack, stack.name, { ...o, sshUser: inputs.sshUser });
    const r = await withDataLossQuestion(o, (allowDataLoss) => ost.down(os, scope, stderrProgress, { volumes: Boolean(o.volumes), allowDataLoss, data }));
    const what = 'stack' in scope ? scope.stack : `every stack of ${scope.prefix}`;
    process.stderr.write(r.removed ? `removed ${r.removed} resources of ${what}\n` : `nothing of ${what} to remove\n`);
    if (r.keptVolumes.length)
      process.stderr.write(
        `kept ${r.keptVolumes.length} volume${r.keptVolumes.length > 1 ? 's' : ''} with the data (${r.keptVolumes.map((v) => v.name).join(', ')}): the next up attaches them again; down --volumes deletes them\n`,
      );
  });
}

export async function osStatus(o: StatusOpts): Promise<void> {
  const { stack, inputs } = inputsOf(o);
  const entry = Object.values(stack.services).find((s) => s.entry)?.ports[0]?.container ?? 80;
  await withCloud(inputs.cloud, async (os) => {
    const s = await ost.status(os, ost.stackId(inputs.prefix, inputs.stack), entry);
    if (o.json) return void process.stdout.write(`${JSON.stringify(s, null, 2)}\n`);
    if (s.servers.length === 0) return void process.stdout.write(`${s.stack}: nothing deployed (berth up --target openstack)\n`);
    process.stdout.write(`${s.stack} (${s.layout ?? '?'} layout)${s.url ? `  ${s.url}  ${s.ready ? 'ready' : 'NOT answering /readyz'}` : ''}\n`);
    for (const v of s.servers) {
      const addrs = Object.entries(v.addresses)
        .map(([n, a]) => `${n.replace(`${s.stack}-`, '')}=${a.join(',')}`)
        .join(' ');
      process.stdout.write(
        `  ${v.tier.padEnd(4)} ${v.name.padEnd(24)} ${v.status.padEnd(7)} ${addrs}${v.floatingIp ? ` floating=${v.floatingIp}` : ''}${v.fault ? `  fault: ${v.fault}` : ''}\n`,
      );
      for (const c of v.containers) process.stdout.write(`         container ${c.name}: ${c.state}\n`);
    }
    for (const lb of s.loadBalancers) {
      process.stdout.write(`  lb   ${lb.name.padEnd(24)} ${lb.provisioning.padEnd(7)} vip=${lb.vip} ${lb.operating}\n`);
      for (const m of lb.members) process.stdout.write(`         member ${m.name} ${m.address}:${m.port}: ${m.operating}\n`);
    }
  });
}

export async function osLogs(tier: string, o: LogsOpts): Promise<void> {
  const { inputs } = inputsOf(o);
  await withCloud(inputs.cloud, (os) => ost.consoleLog(os, ost.stackId(inputs.prefix, inputs.stack), tier, Boolean(o.follow), (s) => process.stdout.write(s)));
}

export function registerOpenStackCommands(program: Command): void {
  // Both are the openstack target's only: a docker `up` diffs by itself, and a local engine needs no inventory.
  addOptions(program.command('plan').description('what `up --target openstack` would create, change, replace or delete (reads only)'), COMMANDS.plan)
    .option('-v, --verbose', 'also list what is kept')
    .action((o: PlanOpts) => osCli(() => osPlan(o)));

  addOptions(
    program.command('inventory').description("Ansible dynamic inventory of the stack's servers on openstack (ansible-inventory -i)"),
    COMMANDS.inventory,
  )
    .option('--list', 'every group and host (what Ansible asks first)')
    .option('--host <name>', "one host's variables")
    .action((o: InventoryOpts) =>
      osCli(async () => {
        const { inputs } = inputsOf(o);
        const id = ost.stackId(inputs.prefix, inputs.stack);
        await withCloud(inputs.cloud, async (os) => {
          const servers = (await os.compute.servers.list({ tags: [ost.TAG.stack(id)] })).map(ost.observedServer);
          const inv = ost.inventory(id, servers, inputs.sshUser, o.sshKey === undefined ? undefined : ost.sshKeyPath(o.sshKey));
          process.stdout.write(`${JSON.stringify(o.host !== undefined ? (inv._meta.hostvars[o.host] ?? {}) : inv, null, 2)}\n`);
        });
      }),
    );
}
