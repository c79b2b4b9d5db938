// berth build | up | down | status | logs | userdata: the stack on a container target. `--target`
// picks where it runs: docker (one Docker Engine) is implemented here; openstack hands over to
// ./openstack.ts, which also adds `plan` and `inventory`. The options of each command, and the
// targets each applies to, are in ../options.ts.
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { planLayout } from '../../deployer/layouts/index.js';
import { loadStackFile, type LoadedStack } from '../../deployer/stack/load.js';
import { entryService, startOrder } from '../../deployer/stack/graph.js';
import * as dk from '../../deployer/targets/docker/index.js';
import { DEFAULT_BIND } from '../../deployer/targets/shared/defaults.js';
import { readRegistryCa } from '../../deployer/targets/shared/registry-ca.js';
import { userdataSingle } from '../../deployer/userdata/single.js';
import { CliError, stackOrTargetCliError } from '../errors.js';
import {
  addOptions,
  checkTarget,
  COMMANDS,
  deploymentName,
  type BuildOpts,
  type DownOpts,
  type ImageOpts,
  type LogsOpts,
  type StackOpts,
  type StatusOpts,
  type UpOpts,
  type UserdataOpts,
} from '../options.js';
import { osCli, osDown, osLogs, osStatus, osUp } from './openstack.js';
import { dockerBackupBefore, guardDataLoss } from './data.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const OFFLINE_BASES = { NODE_BASE: 'berth-base/node:20', DEBIAN_BASE: 'berth-base/debian:bookworm' };

/** The stack, and the docker project it runs as: [<prefix>-]<name>. */
function loadStack(o: StackOpts): LoadedStack & { project: string } {
  const loaded = loadStackFile(o.stack ?? undefined);
  for (const w of loaded.warnings) process.stderr.write(`warning: ${w}\n`);
  const name = deploymentName(o, loaded.stack.name);
  return { ...loaded, project: dk.checkProjectName(o.prefix ? `${o.prefix}-${name}` : name) };
}

const naming = (o: ImageOpts): dk.ImageNaming => ({
  repo: o.repo ?? dk.DEFAULT_NAMING.repo,
  tag: o.tag ?? dk.DEFAULT_NAMING.tag,
  ...(o.registry ? { registry: o.registry } : {}),
});

/** Known failures become one line and a hint (the rest: see berth.ts). */
async function cli(fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    throw stackOrTargetCliError(err, 'docs/docker.md') ?? err;
  }
}

function parseArgs(list: string[]): Record<string, string> {
  return Object.fromEntries(
    list.map((kv) => {
      const i = kv.indexOf('=');
      if (i < 1) throw new CliError(`--build-arg ${kv}: expected NAME=VALUE`, undefined, 2);
      return [kv.slice(0, i), kv.slice(i + 1)];
    }),
  );
}

/** The command with its options from the table (../options.ts). */
const command = (program: Command, name: keyof typeof COMMANDS, description: string) =>
  addOptions(program.command(name).description(description), COMMANDS[name]);

export function registerDockerCommands(program: Command): void {
  command(program, 'build', "build and tag the stack's images (--push: and push them to --registry)")
    .option('--push', 'push the images to the registry given with --registry')
    .option('--offline-bases', 'use the base images made by scripts/base-images.sh (no registry needed)')
    .option('--build-arg <NAME=VALUE>', 'build argument (NODE_BASE, DEBIAN_BASE, ...); repeatable', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--service <name>', 'build only this service; repeatable', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .action((o: BuildOpts) =>
      cli(async () => {
        if (o.push && !o.registry) throw new CliError('--push needs --registry HOST[:PORT][/NAMESPACE]: where to push to', undefined, 2);
        const buildArgs = { ...(o.offlineBases ? OFFLINE_BASES : {}), ...parseArgs(o.buildArg) };
        const { stack } = loadStack(o);
        const docker = await dk.connectEngine();
        const built = await dk.buildImages(
          docker,
          stack,
          { root: ROOT, naming: naming(o), buildArgs, push: Boolean(o.push), ...(o.service.length ? { services: o.service } : {}) },
          dk.stderrProgress,
        );
        for (const b of built) {
          // web and app differ only in settings: saying so tells that a host pulls their layers once.
          const same = built.find((o) => o !== b && o.layers.length > 0 && o.layers.join() === b.layers.join());
          process.stdout.write(
            `${b.ref}  ${(b.bytes / 1e6).toFixed(0)} MB  built in ${b.seconds.toFixed(0)} s${same ? `  (the same layers as ${same.ref})` : ''}\n`,
          );
        }
      }),
    );

  command(program, 'up', 'start the stack (again: only what changed is recreated)').action((o: UpOpts, cmd: Command) => {
    checkTarget(cmd, o.target);
    return o.target === 'openstack' ? osCli(() => osUp(o)) : cli(() => dockerUp(o));
  });

  command(program, 'down', 'remove what up created (--volumes: the data too)').action((o: DownOpts, cmd: Command) => {
    checkTarget(cmd, o.target);
    return o.target === 'openstack'
      ? osCli(() => osDown(o))
      : cli(async () => {
          const { project } = loadStack(o);
          const docker = await dk.connectEngine();
          await guardDataLoss(
            await dk.downLosses(docker, project, Boolean(o.volumes)),
            o,
            Boolean(o.volumes),
            (f) => dockerBackupBefore(docker, project, 'dbs', f),
            project,
          );
          const n = await dk.down(docker, project, Boolean(o.volumes), dk.stderrProgress);
          process.stderr.write(n ? `removed ${n} objects of ${project}\n` : `nothing of ${project} to remove\n`);
        });
  });

  command(program, 'status', 'containers or servers, health and URL of the stack').action((o: StatusOpts, cmd: Command) => {
    checkTarget(cmd, o.target);
    return o.target === 'openstack' ? osCli(() => osStatus(o)) : cli(() => dockerStatus(o));
  });

  command(program, 'logs', "log of one service (openstack: its server's console)")
    .argument('<service>')
    .action((service: string, o: LogsOpts, cmd: Command) => {
      checkTarget(cmd, o.target);
      return o.target === 'openstack'
        ? osCli(() => osLogs(service, o))
        : cli(async () => {
            const { project } = loadStack(o);
            const docker = await dk.connectEngine();
            const id = await dk.findService(docker, project, service);
            if (!id) throw new CliError(`no container for service ${service} in ${project}`, 'see what runs: berth status');
            await dk.streamLogs(docker, id, Boolean(o.follow), o.tail);
          });
    });

  command(program, 'userdata', 'the first-boot script of a VM that runs the stack like the original').action((o: UserdataOpts) =>
    cli(async () => {
      const { stack, project } = loadStack(o);
      const registryCa = o.registryCa ? readRegistryCa(o.registry, o.registryCa) : undefined;
      const opts = { project, naming: naming(o), ...(o.port ? { port: o.port } : {}), bind: o.bind ?? DEFAULT_BIND.vm };
      process.stdout.write(userdataSingle(stack, opts, registryCa ? { registryCa } : {}));
    }),
  );
}

async function dockerUp(o: UpOpts): Promise<void> {
  const { stack, project } = loadStack(o);
  const docker = await dk.connectEngine();
  const secrets = await dk.projectSecrets(docker, project, stack, dk.imageRef(stack, startOrder(stack)[0]!, naming(o)));
  const plan = planLayout(o.layout ?? 'single', stack, {
    imageOf: (svc) => dk.imageRef(stack, svc, naming(o)),
    secrets,
    links: Boolean(o.links),
    publish: { ...(o.port ? { port: o.port } : {}), hostIp: o.bind ?? DEFAULT_BIND.docker },
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
}

async function dockerStatus(o: StatusOpts): Promise<void> {
  const { stack, project } = loadStack(o);
  const s = await dk.status(await dk.connectEngine(), project, entryService(stack));
  if (o.json) return void process.stdout.write(`${JSON.stringify(s, null, 2)}\n`);
  if (s.services.length === 0) return void process.stdout.write(`${project}: not running (start it: berth up)\n`);
  process.stdout.write(`${project} (${s.layout ?? '?'} layout)${s.url ? `  ${s.url}` : ''}\n`);
  for (const c of s.services)
    process.stdout.write(`  ${c.service.padEnd(8)} ${c.state.padEnd(9)} ${c.health.padEnd(10)} ${c.container}  ${c.ports.join(' ')}\n`);
}
