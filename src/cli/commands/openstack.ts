// The openstack target on the command line: `berth plan`, `berth inventory`, and what `up`,
// `down`, `status` and `logs` do with `--target openstack` (commands.ts of the docker target
// hands over to these). Progress on stderr, results (the URL, --json, the inventory) on stdout.
import { Command, Option } from 'commander';
import { connect, type OpenStack } from '../../deployer/openstack/index.js';
import { LAYOUTS, type LayoutName } from '../../deployer/layouts/index.js';
import { loadStackFile } from '../../deployer/stack/load.js';
import { stderrProgress } from '../../deployer/targets/docker/progress.js';
import * as ost from '../../deployer/targets/openstack/index.js';
import { DiffConflict } from '../../deployer/targets/openstack/diff.js';
import { CliError, openStackCliError, stackOrTargetCliError, type OpenStackHints } from '../errors.js';

const list = (v: string, acc: string[]) => [...acc, v];

/** The settings of the openstack target (see docs/openstack.md); flags win over --os-config and the stack. */
export function openstackOptions(cmd: Command): Command {
  return cmd
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
    .option('--registry-ca <file>', 'CA certificate (PEM) of --registry, trusted by the servers\' Docker Engine');
}

const INPUT_FLAGS = ['project', 'cloud', 'osConfig', 'prefix', 'flavor', 'image', 'keyName', 'availabilityZone', 'externalNetwork', 'sshCidr', 'sshUser', 'network', 'registry', 'registryCa', 'repo', 'tag'] as const;

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

export async function osUp(o: Flags & { layout: LayoutName; wait: ost.WaitFor; readyTimeout?: number }, cmd: Command): Promise<void> {
  const { stack, inputs } = inputsOf(o, cmd);
  await withCloud(inputs.cloud, async (os) => {
    const plan = await ost.planStack(os, stack, inputs, o.layout, stderrProgress);
    const changes = ost.mutating(plan.steps);
    process.stderr.write(`${plan.d.id} (${o.layout} layout) on ${os.cloud.name}:\n${ost.renderSteps(plan.steps)}`);
    const started = Date.now();
    const result = await ost.up(os, plan, o.wait, stderrProgress, (o.readyTimeout ?? 900) * 1000);
    process.stderr.write(changes.length ? `done in ${Math.round((Date.now() - started) / 1000)} s\n` : 'nothing changed\n');
    process.stdout.write(`${result.url ?? '(no floating IP)'}\n`);
  });
}

export async function osPlan(o: Flags & { layout: LayoutName; json?: boolean; verbose?: boolean }, cmd: Command): Promise<void> {
  const { stack, inputs } = inputsOf(o, cmd);
  await withCloud(inputs.cloud, async (os) => {
    const plan = await ost.planStack(os, stack, inputs, o.layout, stderrProgress);
    if (o.json) {
      // The steps only: the desired state holds user-data and the shared secrets.
      const steps = plan.steps.map(({ rule: _r, ...s }) => s);
      process.stdout.write(`${JSON.stringify({ stack: plan.d.id, layout: o.layout, cloud: os.cloud.name, changes: ost.mutating(plan.steps).length, steps }, null, 2)}\n`);
    } else process.stdout.write(`${plan.d.id} (${o.layout} layout) on ${os.cloud.name}:\n${ost.renderSteps(plan.steps, o.verbose)}`);
  });
}

export async function osDown(o: Flags & { all?: boolean }, cmd: Command): Promise<void> {
  const { inputs } = inputsOf(o, cmd);
  const scope: ost.Scope = o.all ? { prefix: inputs.prefix } : { stack: ost.stackId(inputs.prefix, inputs.stack) };
  await withCloud(inputs.cloud, async (os) => {
    const n = await ost.down(os, scope, stderrProgress);
    const what = 'stack' in scope ? scope.stack : `every stack of ${scope.prefix}`;
    process.stderr.write(n ? `removed ${n} resources of ${what}\n` : `nothing of ${what} to remove\n`);
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
