// Every option of the stack commands, in one table: its flags, help, help group, and the targets it
// applies to. A command lists the options it uses (COMMANDS below); an option given on the command
// line for a target it does not apply to is refused with one line (checkTarget). To add an option:
// a row in OPTIONS, its name in the commands that use it, its field in the commands' option types.
import { Command, InvalidArgumentError, Option } from 'commander';
import { LAYOUTS, type LayoutName } from '../deployer/layouts/index.js';
import { DEFAULT_NAMING } from '../deployer/targets/shared/images.js';
import { DEFAULT_BIND } from '../deployer/targets/shared/defaults.js';
import { DEFAULTS as OS_DEFAULTS, type WaitFor } from '../deployer/targets/openstack/index.js';
import { CliError } from './errors.js';

export const TARGETS = ['docker', 'openstack'] as const;
export type Target = (typeof TARGETS)[number];

/** Help headings, in the order help shows them (options of no group come last, under "Options:"). */
const GROUP = {
  stack: 'Stack:',
  images: 'Images:',
  data: 'Data (steps that delete posts):',
  docker: 'Docker target:',
  openstack: 'OpenStack target:',
} as const;

interface OptionDef {
  flags: string;
  help: string;
  group?: keyof typeof GROUP;
  /** The targets it applies to; left out: every target (and commands without --target). */
  targets?: readonly Target[];
  default?: unknown;
  choices?: readonly string[];
  parse?: (value: string, previous: never) => unknown;
  hidden?: boolean;
}

const list = (v: string, acc: string[] = []) => [...acc, v];

/** An integer in [min, max], or a usage error naming the range. */
export const int = (min: number, max: number) => (v: string) => {
  const n = Number(v);
  if (!/^\d+$/.test(v.trim()) || n < min || n > max) throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}`);
  return n;
};

export const OPTIONS = {
  // Stack and names: one story for both targets. A deployment is named <prefix>-<name> (just
  // <name> without a prefix); every container, network, volume, server, port or group of it
  // starts with that.
  stack: { flags: '--stack <file>', help: 'the stack spec: berth YAML or a docker-compose file (default: stacks/board.yaml)', group: 'stack' },
  name: { flags: '--name <name>', help: "the deployment's name (default: the stack's name, board)", group: 'stack' },
  project: { flags: '--project <name>', help: 'old spelling of --name', hidden: true },
  prefix: {
    flags: '--prefix <prefix>',
    help: 'put before the name in all it makes: <prefix>-<name>-web (default: none on docker; on openstack your user name, as each student had one)',
    group: 'stack',
  },
  target: { flags: '--target <target>', help: 'where the stack runs', group: 'stack', choices: TARGETS, default: 'docker' },
  layout: {
    flags: '--layout <layout>',
    help: 'single: one host like the original; tiered: one per tier on three networks (default: single; on openstack a deployed stack keeps its layout)',
    group: 'stack',
    choices: LAYOUTS,
  },

  repo: { flags: '--repo <repo>', help: `image repository prefix, as in myuser/web:ver1.0 (default: ${DEFAULT_NAMING.repo})`, group: 'images' },
  tag: { flags: '--tag <tag>', help: `image tag (default: ${DEFAULT_NAMING.tag})`, group: 'images' },
  registry: { flags: '--registry <host[:port]>', help: 'registry the images are pulled from (build: pushed to)', group: 'images' },
  registryCa: {
    flags: '--registry-ca <file>',
    help: "CA certificate (PEM) of --registry, trusted by the servers' Docker Engine",
    group: 'images',
    targets: ['openstack'],
  },

  links: { flags: '--links', help: 'wire with legacy links exactly like the original (single layout)', group: 'docker', targets: ['docker'] },
  port: {
    flags: '--port <port>',
    help: "host port of the entry service (default: the stack's, 8080)",
    group: 'docker',
    targets: ['docker'],
    parse: int(1, 65535),
  },
  bind: {
    flags: '--bind <address>',
    help: `host address the entry port is published on (default: ${DEFAULT_BIND.docker})`,
    group: 'docker',
    targets: ['docker'],
  },
  subnetPrefix: {
    flags: '--subnet-prefix <a.b>',
    help: "first two octets of the tiered layout's subnets",
    group: 'docker',
    targets: ['docker'],
    default: '172.30',
  },
  tail: { flags: '--tail <n>', help: 'only the last n lines', group: 'docker', targets: ['docker'], parse: int(0, 1e9) },

  cloud: { flags: '--cloud <name>', help: 'cloud in clouds.yaml (default: $OS_CLOUD, else the OS_* variables)', group: 'openstack', targets: ['openstack'] },
  osConfig: {
    flags: '--os-config <file>',
    help: "YAML with the openstack settings (the keys of a stack's openstack: section)",
    group: 'openstack',
    targets: ['openstack'],
  },
  flavor: {
    flags: '--flavor <name|tier=name>',
    help: `flavor of every server, or of one tier (default: ${OS_DEFAULTS.flavor}); repeatable`,
    group: 'openstack',
    targets: ['openstack'],
    parse: list,
  },
  image: {
    flags: '--image <name>',
    help: `image with cloud-init (and Docker) the servers boot from (default: ${OS_DEFAULTS.image})`,
    group: 'openstack',
    targets: ['openstack'],
  },
  keyName: { flags: '--key-name <name>', help: 'key pair put on the servers (default: none)', group: 'openstack', targets: ['openstack'] },
  availabilityZone: { flags: '--availability-zone <zone>', help: 'where the servers boot', group: 'openstack', targets: ['openstack'] },
  externalNetwork: {
    flags: '--external-network <name>',
    help: "network of the router's gateway and the floating IP",
    group: 'openstack',
    targets: ['openstack'],
  },
  sshCidr: {
    flags: '--ssh-cidr <cidr>',
    help: 'who may SSH to the servers, e.g. 203.0.113.7/32 (default: no one); repeatable',
    group: 'openstack',
    targets: ['openstack'],
    parse: list,
  },
  sshUser: { flags: '--ssh-user <name>', help: `login user of the image (default: ${OS_DEFAULTS.sshUser})`, group: 'openstack', targets: ['openstack'] },
  network: {
    flags: '--network <key=cidr>',
    help: 'CIDR of dmz, app or dbs (192.168.0.0/24, 172.16.10.0/24, 172.16.20.0/24); repeatable',
    group: 'openstack',
    targets: ['openstack'],
    parse: list,
  },
  wait: {
    flags: '--wait <what>',
    help: 'wait until the board answers /readyz, or only until the servers are ACTIVE',
    group: 'openstack',
    targets: ['openstack'],
    choices: ['ready', 'active'],
    default: 'ready',
  },
  readyTimeout: {
    flags: '--ready-timeout <seconds>',
    help: 'how long to wait for /readyz',
    group: 'openstack',
    targets: ['openstack'],
    parse: int(1, 86_400),
    default: 900,
  },
  volumeSize: {
    flags: '--volume-size <GiB>',
    help: 'size of each Cinder volume the stack gives no size (default: 1)',
    group: 'openstack',
    targets: ['openstack'],
    parse: int(1, 16_384),
  },
  replicas: {
    flags: '--replicas <service=n,...>',
    help: 'servers per service behind a load balancer (Octavia), e.g. web=2,app=2 (tiered layout; dbs stays 1); repeatable',
    group: 'openstack',
    targets: ['openstack'],
    parse: list,
  },
  dropLoadBalancers: {
    flags: '--drop-load-balancers',
    help: 'a service scaled back to one server loses its load balancer (default: it keeps it; moving the floating IP off the VIP cuts open connections)',
    group: 'openstack',
    targets: ['openstack'],
  },
  volumeType: { flags: '--volume-type <name>', help: "Cinder volume type of the volumes (default: the cloud's)", group: 'openstack', targets: ['openstack'] },
  all: { flags: '--all', help: "every stack of the prefix (the original's per-student cleanup)", group: 'openstack', targets: ['openstack'] },

  volumes: { flags: '--volumes', help: 'also remove the data (volumes) and the generated secrets' },
  allowDataLoss: {
    flags: '--allow-data-loss',
    help: 'go on with steps that delete data (a server with data on its own disk, a deleted volume): for scripts',
    group: 'data',
  },
  yes: { flags: '--yes', help: 'answer yes to the question asked before a step that deletes data', group: 'data' },
  backupBefore: { flags: '--backup-before [file]', help: 'take a backup (berth backup) before a step that loses data', group: 'data' },
  sshKey: {
    flags: '--ssh-key <file>',
    help: "private key of the servers' key pair, for SSH through the web server (inventory, backup, restore; default: ssh's own)",
    group: 'openstack',
    targets: ['openstack'],
  },
  service: { flags: '--service <name>', help: 'the service that runs MariaDB', default: 'dbs' },
  follow: { flags: '-f, --follow', help: 'keep following' },
  json: { flags: '--json', help: 'machine-readable output' },
  verbose: {
    flags: '-v, --verbose',
    help: "also show when each phase of each server began and ended (berth's API work, ACTIVE, console, NICs, pulls, containers, page)",
    group: 'openstack',
    targets: ['openstack'],
  },
} as const satisfies Record<string, OptionDef>;

export type OptionName = keyof typeof OPTIONS;

/** The same option with some of its definition changed for one command. */
type Use = OptionName | [OptionName, Partial<OptionDef>];

/** The definition each option was added with (a command may change an option's, e.g. its targets). */
const ADDED = new WeakMap<Option, OptionDef>();

/** Adds the options to cmd, in the order given, each under its group's heading. */
export function addOptions(cmd: Command, uses: readonly Use[]): Command {
  for (const use of uses) {
    const [name, over] = typeof use === 'string' ? [use, {}] : use;
    const d: OptionDef = { ...OPTIONS[name], ...over };
    const opt = new Option(d.flags, d.help);
    if (d.group) opt.helpGroup(GROUP[d.group]);
    if (d.choices) opt.choices(d.choices);
    if (d.parse) opt.argParser(d.parse as (v: string, p: unknown) => unknown);
    if (d.default !== undefined) opt.default(d.default);
    if (d.hidden) opt.hideHelp();
    ADDED.set(opt, d);
    cmd.addOption(opt);
  }
  // -h last, under its own heading, rather than as a lone "Options:" between the groups.
  cmd.addHelpOption(new Option('-h, --help', 'display help for command').helpGroup('Help:'));
  return cmd;
}

/** Refuses an option given on the command line that does not apply to the target (exit status 2). */
export function checkTarget(cmd: Command, target: Target): void {
  for (const opt of cmd.options) {
    const def = ADDED.get(opt) ?? (OPTIONS as Record<string, OptionDef>)[opt.attributeName()];
    if (!def?.targets || def.targets.includes(target) || cmd.getOptionValueSource(opt.attributeName()) !== 'cli') continue;
    throw new CliError(`${opt.long} does not apply to --target ${target} (only to ${def.targets.join(', ')})`, `see berth ${cmd.name()} --help`, 2);
  }
}

// The option values each group of options gives (commander's camelCase names).
export interface StackOpts {
  stack?: string;
  name?: string;
  project?: string;
  prefix?: string;
}
export interface TargetOpts {
  target: Target;
}
export interface ImageOpts {
  repo?: string;
  tag?: string;
  registry?: string;
  registryCa?: string;
}
export interface CloudOpts {
  cloud?: string;
  osConfig?: string;
}
export interface ServerOpts {
  flavor?: string[];
  image?: string;
  keyName?: string;
  availabilityZone?: string;
  externalNetwork?: string;
  sshCidr?: string[];
  network?: string[];
}
export interface VolumeOpts {
  volumeSize?: number;
  volumeType?: string;
  replicas?: string[];
  dropLoadBalancers?: boolean;
}
export interface DataLossOpts {
  allowDataLoss?: boolean;
  yes?: boolean;
  backupBefore?: boolean | string;
  sshKey?: string;
}
export interface DockerPublishOpts {
  links?: boolean;
  port?: number;
  bind?: string;
  subnetPrefix: string;
}

export type BuildOpts = StackOpts & ImageOpts & { push?: boolean; offlineBases?: boolean; buildArg: string[]; service: string[] };
export type UpOpts = StackOpts &
  TargetOpts &
  ImageOpts &
  DockerPublishOpts &
  CloudOpts &
  ServerOpts &
  VolumeOpts &
  DataLossOpts & { layout?: LayoutName; wait: WaitFor; readyTimeout: number; verbose?: boolean; json?: boolean };
export type PlanOpts = StackOpts & ImageOpts & CloudOpts & ServerOpts & VolumeOpts & { layout?: LayoutName; json?: boolean; verbose?: boolean };
export type DownOpts = StackOpts & TargetOpts & CloudOpts & DataLossOpts & { volumes?: boolean; all?: boolean };
export type StatusOpts = StackOpts & TargetOpts & CloudOpts & { json?: boolean };
export type LogsOpts = StackOpts & TargetOpts & CloudOpts & { follow?: boolean; tail?: number };
export type InventoryOpts = StackOpts & CloudOpts & { sshUser?: string; list?: boolean; host?: string; sshKey?: string };
export type DataOpts = StackOpts & TargetOpts & CloudOpts & { sshUser?: string; sshKey?: string; service: string; force?: boolean };
export type UserdataOpts = StackOpts & ImageOpts & { layout: 'single'; port?: number; bind?: string };

const NAMES: Use[] = ['stack', 'name', 'project', 'prefix'];
const IMAGES: Use[] = ['repo', 'tag', 'registry', 'registryCa'];
const CLOUD: Use[] = ['cloud', 'osConfig'];
/** plan and inventory are the openstack target's only: --target is accepted (old scripts) but not shown. */
const OPENSTACK_ONLY: Use = ['target', { choices: ['openstack'], default: 'openstack', hidden: true }];
const SERVERS: Use[] = ['flavor', 'image', 'keyName', 'availabilityZone', 'externalNetwork', 'sshCidr', 'network'];

/** The options of each command, in help order. */
export const COMMANDS = {
  build: [...NAMES, 'repo', 'tag', ['registry', { help: 'registry to push to with --push (HOST[:PORT][/NAMESPACE])' }]],
  up: [
    ...NAMES,
    'target',
    'layout',
    ...IMAGES,
    'links',
    'port',
    'bind',
    'subnetPrefix',
    ...CLOUD,
    ...SERVERS,
    'volumeSize',
    'volumeType',
    'replicas',
    'dropLoadBalancers',
    'wait',
    'readyTimeout',
    'allowDataLoss',
    'yes',
    'backupBefore',
    'sshKey',
    'verbose',
    ['json', { help: 'the result as JSON on stdout: URL, changes, seconds, and the phases of each server booted', targets: ['openstack'], group: 'openstack' }],
  ],
  plan: [...NAMES, OPENSTACK_ONLY, 'layout', ...IMAGES, ...CLOUD, ...SERVERS, 'volumeSize', 'volumeType', 'replicas', 'dropLoadBalancers', 'json'],
  down: [...NAMES, 'target', 'volumes', ...CLOUD, 'all', 'allowDataLoss', 'yes', 'backupBefore', 'sshKey'],
  backup: [...NAMES, 'target', 'service', ...CLOUD, 'sshUser', 'sshKey'],
  restore: [...NAMES, 'target', 'service', ...CLOUD, 'sshUser', 'sshKey'],
  status: [...NAMES, 'target', ...CLOUD, 'json'],
  logs: [...NAMES, 'target', 'follow', 'tail', ...CLOUD],
  inventory: [...NAMES, OPENSTACK_ONLY, ...CLOUD, 'sshUser', 'sshKey'],
  userdata: [
    ...NAMES,
    ['layout', { help: 'only single is a one-VM layout', choices: ['single'], default: 'single' }],
    ...IMAGES.map((n): Use => [n as OptionName, { targets: undefined }]),
    ['port', { group: undefined, targets: undefined, help: 'host port of the entry service (default: 80, as the original)' }],
    ['bind', { group: undefined, targets: undefined, help: `host address the entry port is published on (default: ${DEFAULT_BIND.vm}, all of the VM's)` }],
  ],
} satisfies Record<string, Use[]>;

/** The deployment's name from --name (or its old spelling --project), else the stack's. */
export const deploymentName = (o: StackOpts, stackName: string) => o.name ?? o.project ?? stackName;
