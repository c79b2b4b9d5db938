// berth build | up | down | status | logs | userdata: the stack on a container target. `--target`
// picks where it runs: docker (one Docker Engine) is implemented here; openstack hands over to
// ./openstack.ts, which also adds `plan` and `inventory`.
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, Option } from 'commander';
import { LAYOUTS, planLayout, type LayoutName } from '../../deployer/layouts/index.js';
import { loadStackFile, type LoadedStack } from '../../deployer/stack/load.js';
import { entryService, startOrder } from '../../deployer/stack/graph.js';
import * as dk from '../../deployer/targets/docker/index.js';
import { userdataSingle } from '../../deployer/userdata/single.js';
import { CliError, stackOrTargetCliError } from '../errors.js';
import { openstackOptions, osCli, osDown, osLogs, osStatus, osUp } from './openstack.js';
import { dockerBackupBefore, guardDataLoss, lossOptions, type LossFlags } from './data.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const OFFLINE_BASES = { NODE_BASE: 'berth-base/node:20', DEBIAN_BASE: 'berth-base/debian:bookworm' };

interface Common {
  stack?: string;
  project?: string;
  target: string;
  repo: string;
  tag: string;
  registry?: string;
}

const common = (cmd: Command) =>
  cmd
    .option('--stack <file>', 'stack spec (berth YAML or docker-compose file)', undefined)
    .option('--project <name>', 'name of this deployment (default: the stack name)')
    .addOption(new Option('--target <target>', 'where the stack runs').choices(['docker', 'openstack']).default('docker'))
    .option('--repo <repo>', 'image repository prefix, as in myuser/web:ver1.0', dk.DEFAULT_NAMING.repo)
    .option('--tag <tag>', 'image tag', dk.DEFAULT_NAMING.tag)
    .option('--registry <host[:port]>', 'registry the images live in (build pushes there)');

function loadStack(o: Common): LoadedStack & { project: string } {
  const loaded = loadStackFile(o.stack ?? undefined);
  for (const w of loaded.warnings) process.stderr.write(`warning: ${w}\n`);
  return { ...loaded, project: dk.checkProjectName(o.project ?? loaded.stack.name) };
}

const naming = (o: Common): dk.ImageNaming => ({ repo: o.repo, tag: o.tag, ...(o.registry ? { registry: o.registry } : {}) });

/** Known failures become one line and a hint; the rest stay bugs with a stack trace. */
async function cli(fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    const known = stackOrTargetCliError(err, 'docs/docker.md');
    if (known) throw known;
    if (err instanceof Error && /project name/.test(err.message)) throw new CliError(err.message);
    throw err;
  }
}

function parseArgs(list: string[]): Record<string, string> {
  return Object.fromEntries(list.map((kv) => {
    const i = kv.indexOf('=');
    if (i < 1) throw new CliError(`--build-arg ${kv}: expected NAME=VALUE`);
    return [kv.slice(0, i), kv.slice(i + 1)];
  }));
}

export function registerDockerCommands(program: Command): void {
  common(program.command('build').description('build and tag the stack\'s images (--push: and push them to --registry)'))
    .option('--push', 'push the images to the registry given with --registry')
    .option('--offline-bases', 'use the base images made by scripts/base-images.sh (no registry needed)')
    .option('--build-arg <NAME=VALUE>', 'build argument (NODE_BASE, DEBIAN_BASE, ...); repeatable', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--service <name>', 'build only this service; repeatable', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .action((o: Common & { push?: boolean; offlineBases?: boolean; buildArg: string[]; service: string[] }) => cli(async () => {
      if (o.push && !o.registry) throw new CliError('--push needs --registry HOST[:PORT][/NAMESPACE]: where to push to');
      const { stack } = loadStack(o);
      const docker = await dk.connectEngine();
      const buildArgs = { ...(o.offlineBases ? OFFLINE_BASES : {}), ...parseArgs(o.buildArg) };
      const built = await dk.buildImages(docker, stack, { root: ROOT, naming: naming(o), buildArgs, push: Boolean(o.push), ...(o.service.length ? { services: o.service } : {}) }, dk.stderrProgress);
      for (const b of built) process.stdout.write(`${b.ref}  ${(b.bytes / 1e6).toFixed(0)} MB  built in ${b.seconds.toFixed(0)} s\n`);
    }));

  lossOptions(openstackOptions(common(program.command('up').description('start the stack (again: only what changed is recreated)')))
    .addOption(new Option('--layout <layout>', 'single: one host like the original; tiered: the cloud\'s three networks').choices(LAYOUTS).default('single'))
    .option('--links', 'wire with legacy links exactly like the original (single layout)')
    .option('--port <port>', 'host port for the entry service', (v) => Number(v))
    .option('--bind <address>', 'host address to publish on', '127.0.0.1')
    .option('--subnet-prefix <a.b>', 'first two octets of the tiered layout\'s subnets', '172.30')
    .addOption(new Option('--wait <what>', 'openstack: wait until the board answers /readyz, or only until the servers are ACTIVE').choices(['ready', 'active']).default('ready'))
    .option('--ready-timeout <seconds>', 'openstack: how long to wait for /readyz', (v) => Number(v), 900))
    .action((o: Common & LossFlags & { layout: LayoutName; links?: boolean; port?: number; bind: string; subnetPrefix: string }, cmd: Command) => o.target === 'openstack' ? osCli(() => osUp(o as never, cmd)) : cli(async () => {
      const { stack, project } = loadStack(o);
      const docker = await dk.connectEngine();
      const secrets = await dk.projectSecrets(docker, project, stack, dk.imageRef(stack, startOrder(stack)[0]!, naming(o)));
      const plan = planLayout(o.layout, stack, {
        imageOf: (svc) => dk.imageRef(stack, svc, naming(o)),
        secrets,
        links: Boolean(o.links),
        publish: { ...(o.port ? { port: o.port } : {}), hostIp: o.bind },
        tieredPrefix: o.subnetPrefix,
      });
      await guardDataLoss(await dk.upLosses(docker, project, plan), o, false, (f) => dockerBackupBefore(docker, project, 'dbs', f), project);
      const result = await dk.up(docker, project, plan, secrets, dk.stderrProgress);
      const report = [
        ...(result.changed.length ? [`changed: ${result.changed.join(', ')}`] : []),
        ...(result.started.length ? [`started (was stopped): ${result.started.join(', ')}`] : []),
      ];
      process.stderr.write(`${report.length ? report.join('\n') : 'nothing changed'}\n`);
      process.stdout.write(`${result.url ?? '(no published port)'}\n`);
    }));

  lossOptions(openstackOptions(common(program.command('down').description('remove what up created (containers, networks; --volumes: data too)')))
    .option('--volumes', 'also remove data volumes and the generated secrets')
    .option('--all', 'openstack: every stack of the prefix (the original\'s per-student cleanup)'))
    .action((o: Common & LossFlags & { volumes?: boolean }, cmd: Command) => o.target === 'openstack' ? osCli(() => osDown(o as never, cmd)) : cli(async () => {
      const { project } = loadStack(o);
      const docker = await dk.connectEngine();
      await guardDataLoss(await dk.downLosses(docker, project, Boolean(o.volumes)), o, Boolean(o.volumes), (f) => dockerBackupBefore(docker, project, 'dbs', f), project);
      const n = await dk.down(docker, project, Boolean(o.volumes), dk.stderrProgress);
      process.stderr.write(n ? `removed ${n} objects of ${project}\n` : `nothing of ${project} to remove\n`);
    }));

  openstackOptions(common(program.command('status').description('containers, health and URL of the stack')))
    .option('--json', 'machine-readable output')
    .action((o: Common & { json?: boolean }, cmd: Command) => o.target === 'openstack' ? osCli(() => osStatus(o as never, cmd)) : cli(async () => {
      const { stack, project } = loadStack(o);
      const s = await dk.status(await dk.connectEngine(), project, entryService(stack));
      if (o.json) return void process.stdout.write(`${JSON.stringify(s, null, 2)}\n`);
      if (s.services.length === 0) return void process.stdout.write(`${project}: not running (start it: berth up)\n`);
      process.stdout.write(`${project} (${s.layout ?? '?'} layout)${s.url ? `  ${s.url}` : ''}\n`);
      for (const c of s.services) process.stdout.write(`  ${c.service.padEnd(8)} ${c.state.padEnd(9)} ${c.health.padEnd(10)} ${c.container}  ${c.ports.join(' ')}\n`);
    }));

  openstackOptions(common(program.command('logs').description('log of one service').argument('<service>')))
    .option('-f, --follow', 'keep following')
    .option('--tail <n>', 'only the last n lines', (v) => Number(v))
    .action((service: string, o: Common & { follow?: boolean; tail?: number }, cmd: Command) => o.target === 'openstack' ? osCli(() => osLogs(service, o as never, cmd)) : cli(async () => {
      const { project } = loadStack(o);
      const docker = await dk.connectEngine();
      const id = await dk.findService(docker, project, service);
      if (!id) throw new CliError(`no container for service ${service} in ${project}`, 'see what runs: berth status');
      await dk.streamLogs(docker, id, Boolean(o.follow), o.tail);
    }));

  common(program.command('userdata').description('the first-boot script of a VM that runs the stack like the original'))
    .addOption(new Option('--layout <layout>', 'only single is a one-VM layout').choices(['single']).default('single'))
    .option('--port <port>', 'host port for the entry service', (v) => Number(v))
    .option('--bind <address>', 'host address to publish on (default: all, as the original)')
    .action((o: Common & { port?: number; bind?: string }) => cli(async () => {
      const { stack, project } = loadStack(o);
      process.stdout.write(userdataSingle(stack, { project, naming: naming(o), ...(o.port ? { port: o.port } : {}), ...(o.bind ? { bind: o.bind } : {}) }));
    }));
}
