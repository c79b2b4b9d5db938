// The openstack target on the command line: `berth plan`, `berth inventory`, and what `up`,
// `down`, `status` and `logs` do with `--target openstack` (commands.ts of the docker target
// hands over to these). Progress on stderr, results (the URL, --json, the inventory) on stdout.
import { createInterface } from 'node:readline/promises';
import { Command, Option } from 'commander';
import { connect, type OpenStack } from '../../deployer/openstack/index.js';
import { LAYOUTS, type LayoutName } from '../../deployer/layouts/index.js';
import { loadStackFile } from '../../deployer/stack/load.js';
import { stderrProgress } from '../../deployer/targets/docker/progress.js';
import * as ost from '../../deployer/targets/openstack/index.js';
import { DiffConflict } from '../../deployer/targets/openstack/diff.js';
import { openstackBackupBefore, type LossFlags } from './data.js';
import { CliError, openStackCliError, stackOrTargetCliError, type OpenStackHints } from '../errors.js';

const list = (v: string, acc: string[]) => [...acc, v];

/** The settings of the openstack target (see docs/openstack.md); flags win over --os-config and the stack. */
export function openstackOptions(cmd: Command): Command {
  cmd
    .option('--cloud <name>', 'cloud in clouds.yaml (default: $OS_CLOUD, else the OS_* variables)')
    .option('--os-config <file>', 'YAML with the openstack settings (the keys of a stack\'s openstack: section)')
    .option('--prefix <name>', 'first part of every name (default: your user name)')
    .option('--flavor <name|tier=name>', 'flavor of every server, or of one tier; repeatable', list, [] as string[])
    .option('--image <name>', 'image with cloud-init (and Docker) the servers boot from')
    .option('--key-name <name>', 'key pair put on the servers')
    .option('--availability-zone <zone>', 'where the servers boot')
    .option('--external-network <name>', 'network of the router\'s gateway and the floating IP')
    .option('--ssh-cidr <cidr>', 'who may SSH to the servers (none: no SSH rule)')
    .option('--ssh-user <name>', 'login user of the image, for the inventory')
    .option('--network <key=cidr>', 'CIDR of dmz, app or dbs (192.168.0.0/24, 172.16.10.0/24, 172.16.20.0/24); repeatable', list, [] as string[])
    .option('--registry-ca <file>', 'CA certificate (PEM) of --registry, trusted by the servers\' Docker Engine')
    .addOption(new Option('--volume-size <GiB>', 'openstack: size of each volume the stack gives no size (default 1)').argParser(positiveInt))
    .addOption(new Option('--volume-type <name>', 'openstack: Cinder volume type of the volumes (default: the cloud\'s)'));
  return dataLossOptions(cmd);
}

/** --allow-data-loss and --yes on the commands that can lose data (up, down); each added once
 *  (the docker target may add the same flags to these commands). */
function dataLossOptions(cmd: Command): Command {
  if (!['up', 'down'].includes(cmd.name())) return cmd;
  const flags: [string, string][] = [
    ['--allow-data-loss', 'go on with steps that delete data (a server with data on its own disk, a deleted volume): for scripts'],
    ['--yes', 'answer yes to the question asked before a step that deletes data'],
  ];
  for (const [f, what] of flags) if (!cmd.options.some((x) => x.long === f)) cmd.addOption(new Option(f, what));
  return cmd;
}

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new CliError(`--volume-size ${v}: a whole number of GiB, at least 1`);
  return n;
}

const INPUT_FLAGS = ['project', 'cloud', 'osConfig', 'prefix', 'flavor', 'image', 'keyName', 'availabilityZone', 'externalNetwork', 'sshCidr', 'sshUser', 'network', 'registry', 'registryCa', 'repo', 'tag', 'volumeSize', 'volumeType'] as const;

export interface Flags {
  stack?: string;
  project?: string;
  cloud?: string;
  osConfig?: string;
  prefix?: string;
  flavor: string[];
  image?: string;
  keyName?: string;
  availabilityZone?: string;
  externalNetwork?: string;
  sshCidr?: string;
  sshUser?: string;
  network: string[];
  registry?: string;
  registryCa?: string;
  repo?: string;
  tag?: string;
  volumeSize?: number;
  volumeType?: string;
  allowDataLoss?: boolean;
  yes?: boolean;
}

/** The stack and the resolved inputs; --repo/--tag count only when given (their defaults are docker's). */
export function inputsOf(o: Flags, cmd: Command) {
  const loaded = loadStackFile(o.stack ?? undefined);
  for (const w of loaded.warnings) process.stderr.write(`warning: ${w}\n`);
  const given = (k: 'repo' | 'tag') => (cmd.getOptionValueSource(k) === 'cli' ? o[k] : undefined);
  const flags: Record<string, unknown> = { ...o, repo: given('repo'), tag: given('tag') };
  const clean = Object.fromEntries(INPUT_FLAGS.map((k) => [k, flags[k]]).filter(([, v]) => v !== undefined)) as ost.InputFlags;
  return { stack: loaded.stack, inputs: ost.resolveInputs(loaded.stack, clean) };
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
  forbidden: 'the project\'s role may not allow this; berth cloud check shows the roles',
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

/** --layout when given; else undefined: the stack keeps the layout it is deployed in. */
const layoutGiven = (o: { layout?: LayoutName }, cmd: Command): LayoutName | undefined => (cmd.getOptionValueSource('layout') === 'cli' ? o.layout : undefined);

/** What `plan` and `up` say beside the steps: where the layout came from, where the data lives. */
function planNotes(plan: ost.StackPlan): string {
  const notes = [];
  if (plan.layoutFrom === 'deployed') notes.push(`layout ${plan.d.layout}: as deployed (its berth-layout tag); --layout changes it`);
  if (plan.d.data.length && !plan.storage.available) notes.push(`no block storage (${plan.storage.why}): ${plan.d.data.map((x) => x.key).join(', ')} stay on the servers' own disks and are lost when a server is replaced or deleted`);
  return notes.map((n) => `note: ${n}\n`).join('');
}

/**
 * Runs fn; when it stops before losing data, asks on a terminal (type yes) and runs it again
 * allowed. In a script (no terminal) the stop stands: --allow-data-loss goes on.
 */
async function withDataLossQuestion<T>(o: { allowDataLoss?: boolean; yes?: boolean }, fn: (allow: boolean) => Promise<T>): Promise<T> {
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

export async function osUp(o: Flags & LossFlags & { layout: LayoutName; wait: ost.WaitFor; readyTimeout?: number; sshKey?: string }, cmd: Command): Promise<void> {
  const { stack, inputs } = inputsOf(o, cmd);
  await withCloud(inputs.cloud, async (os) => {
    const plan = await ost.planStack(os, stack, inputs, layoutGiven(o, cmd), stderrProgress);
    const changes = ost.mutating(plan.steps);
    process.stderr.write(`${plan.d.id} (${plan.d.layout} layout) on ${os.cloud.name}:\n${ost.renderSteps(plan.steps)}${planNotes(plan)}`);
    const started = Date.now();
    // --backup-before: once the user has allowed the loss (flag or answer), before the step.
    const losing = ost.dataLosingSteps(plan.steps).length > 0;
    const result = await withDataLossQuestion(o, async (allowDataLoss) => {
      if (allowDataLoss && losing) await openstackBackupBefore(os, plan.d.id, stack.name, { ...o, sshUser: inputs.sshUser });
      return ost.up(os, plan, o.wait, stderrProgress, (o.readyTimeout ?? 900) * 1000, false, { allowDataLoss });
    });
    process.stderr.write(changes.length ? `done in ${Math.round((Date.now() - started) / 1000)} s\n` : 'nothing changed\n');
    process.stdout.write(`${result.url ?? '(no floating IP)'}\n`);
  });
}

export async function osPlan(o: Flags & { layout: LayoutName; json?: boolean; verbose?: boolean }, cmd: Command): Promise<void> {
  const { stack, inputs } = inputsOf(o, cmd);
  await withCloud(inputs.cloud, async (os) => {
    const plan = await ost.planStack(os, stack, inputs, layoutGiven(o, cmd), stderrProgress);
    if (o.json) {
      // The steps only: the desired state holds user-data and the shared secrets.
      const steps = plan.steps.map(({ rule: _r, ...s }) => s);
      const storage = { blockStorage: plan.storage.available, ...(plan.storage.why ? { why: plan.storage.why } : {}) };
      process.stdout.write(`${JSON.stringify({ stack: plan.d.id, layout: plan.d.layout, layoutFrom: plan.layoutFrom, cloud: os.cloud.name, storage, changes: ost.mutating(plan.steps).length, losesData: ost.dataLosingSteps(plan.steps).length, steps }, null, 2)}\n`);
    } else process.stdout.write(`${plan.d.id} (${plan.d.layout} layout) on ${os.cloud.name}:\n${ost.renderSteps(plan.steps, o.verbose)}${planNotes(plan)}`);
  });
}

export async function osDown(o: Flags & LossFlags & { all?: boolean; volumes?: boolean; sshKey?: string }, cmd: Command): Promise<void> {
  const { stack, inputs } = inputsOf(o, cmd);
  const scope: ost.Scope = o.all ? { prefix: inputs.prefix } : { stack: ost.stackId(inputs.prefix, inputs.stack) };
  const data = ost.stackData(stack);
  await withCloud(inputs.cloud, async (os) => {
    // --backup-before: a copy of the stack's database before down removes anything (one stack only).
    if (o.backupBefore !== undefined && 'stack' in scope) await openstackBackupBefore(os, scope.stack, stack.name, { ...o, sshUser: inputs.sshUser });
    if (o.backupBefore !== undefined && !('stack' in scope)) throw new CliError('--backup-before takes one stack\'s backup: not with --all');
    const r = await withDataLossQuestion(o, (allowDataLoss) => ost.down(os, scope, stderrProgress, { volumes: Boolean(o.volumes), allowDataLoss, data }));
    const what = 'stack' in scope ? scope.stack : `every stack of ${scope.prefix}`;
    process.stderr.write(r.removed ? `removed ${r.removed} resources of ${what}\n` : `nothing of ${what} to remove\n`);
    if (r.keptVolumes.length) process.stderr.write(`kept ${r.keptVolumes.length} volume${r.keptVolumes.length > 1 ? 's' : ''} with the data (${r.keptVolumes.map((v) => v.name).join(', ')}): the next up attaches them again; down --volumes deletes them\n`);
  });
}

export async function osStatus(o: Flags & { json?: boolean }, cmd: Command): Promise<void> {
  const { stack, inputs } = inputsOf(o, cmd);
  const entry = Object.values(stack.services).find((s) => s.entry)?.ports[0]?.container ?? 80;
  await withCloud(inputs.cloud, async (os) => {
    const s = await ost.status(os, ost.stackId(inputs.prefix, inputs.stack), entry);
    if (o.json) return void process.stdout.write(`${JSON.stringify(s, null, 2)}\n`);
    if (s.servers.length === 0) return void process.stdout.write(`${s.stack}: nothing deployed (berth up --target openstack)\n`);
    process.stdout.write(`${s.stack} (${s.layout ?? '?'} layout)${s.url ? `  ${s.url}  ${s.ready ? 'ready' : 'NOT answering /readyz'}` : ''}\n`);
    for (const v of s.servers) {
      const addrs = Object.entries(v.addresses).map(([n, a]) => `${n.replace(`${s.stack}-`, '')}=${a.join(',')}`).join(' ');
      process.stdout.write(`  ${v.tier.padEnd(4)} ${v.name.padEnd(24)} ${v.status.padEnd(7)} ${addrs}${v.floatingIp ? ` floating=${v.floatingIp}` : ''}${v.fault ? `  fault: ${v.fault}` : ''}\n`);
      for (const c of v.containers) process.stdout.write(`         container ${c.name}: ${c.state}\n`);
    }
  });
}

export async function osLogs(tier: string, o: Flags & { follow?: boolean }, cmd: Command): Promise<void> {
  const { inputs } = inputsOf(o, cmd);
  await withCloud(inputs.cloud, (os) => ost.consoleLog(os, ost.stackId(inputs.prefix, inputs.stack), tier, Boolean(o.follow), (s) => process.stdout.write(s)));
}

const stackOptions = (cmd: Command) =>
  openstackOptions(cmd
    .option('--stack <file>', 'stack spec (berth YAML or docker-compose file)')
    .option('--project <name>', 'the stack\'s part of every name (default: the stack name)')
    .option('--repo <repo>', 'image repository prefix (default berth)')
    .option('--tag <tag>', 'image tag (default latest)')
    .option('--registry <host[:port]>', 'registry the servers pull the images from'));

export function registerOpenStackCommands(program: Command): void {
  stackOptions(program.command('plan').description('what `up --target openstack` would create, change, replace or delete (reads only)'))
    .addOption(new Option('--target <target>', 'where the stack runs').choices(['openstack']).default('openstack'))
    .addOption(new Option('--layout <layout>', 'single: one VM; tiered: one VM per tier on three networks').choices(LAYOUTS).default('single'))
    .option('--json', 'machine-readable output')
    .option('-v, --verbose', 'also list what is kept')
    .action((o, cmd: Command) => osCli(() => osPlan(o, cmd)));

  stackOptions(program.command('inventory').description('Ansible dynamic inventory of the stack\'s servers (ansible-inventory -i)'))
    .addOption(new Option('--target <target>', 'where the stack runs').choices(['openstack']).default('openstack'))
    .option('--list', 'every group and host (what Ansible asks first)')
    .option('--host <name>', 'one host\'s variables')
    .option('--ssh-key <file>', 'private key of --key-name\'s pair: set as each host\'s key and carried through the jump host')
    .action((o: Flags & { list?: boolean; host?: string; sshKey?: string }, cmd: Command) => osCli(async () => {
      const { inputs } = inputsOf(o, cmd);
      const id = ost.stackId(inputs.prefix, inputs.stack);
      await withCloud(inputs.cloud, async (os) => {
        const servers = (await os.compute.servers.list({ tags: [ost.TAG.stack(id)] })).map(ost.observedServer);
        const inv = ost.inventory(id, servers, inputs.sshUser, o.sshKey === undefined ? undefined : ost.sshKeyPath(o.sshKey));
        process.stdout.write(`${JSON.stringify(o.host !== undefined ? (inv._meta.hostvars[o.host] ?? {}) : inv, null, 2)}\n`);
      });
    }));
}
