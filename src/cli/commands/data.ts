// berth backup [FILE] | restore FILE: the board's database out to a local file (with FILE.sha256)
// and back into a running deployment, on either target (deployer/data). docker: through the
// Engine's exec API; openstack: SSH to the dbs server with the key pair's private key (--ssh-key),
// through web as the jump host. Progress on stderr; backup prints the file's path on stdout.
import type { Command } from 'commander';
import type { OpenStack } from '../../deployer/openstack/index.js';
import type Docker from 'dockerode';
import { backup, restore, type DbsChannel } from '../../deployer/data/index.js';
import * as dk from '../../deployer/targets/docker/index.js';
import * as ost from '../../deployer/targets/openstack/index.js';
import { loadStackFile } from '../../deployer/stack/load.js';
import { CliError, stackOrTargetCliError } from '../errors.js';
import { addOptions, checkTarget, COMMANDS, deploymentName, type DataLossOpts, type DataOpts } from '../options.js';
import { inputsOf, osCli, withCloud } from './openstack.js';

/** Runs fn with the channel to the dbs container of the deployment the flags name. */
async function withChannel<T>(o: DataOpts, fn: (ch: DbsChannel) => Promise<T>): Promise<T> {
  if (o.target === 'openstack') {
    const { stack, inputs } = inputsOf(o);
    const key = o.sshKey === undefined ? undefined : ost.sshKeyPath(o.sshKey);
    return withCloud(inputs.cloud, async (os) =>
      fn(await ost.sshDbsChannel(os, ost.stackId(inputs.prefix, inputs.stack), stack.name, o.service, { user: inputs.sshUser, ...(key ? { key } : {}) })),
    );
  }
  const loaded = loadStackFile(o.stack ?? undefined);
  const name = deploymentName(o, loaded.stack.name);
  const project = dk.checkProjectName(o.prefix ? `${o.prefix}-${name}` : name);
  const docker: Docker = await dk.connectEngine();
  return fn(await dk.dockerDbsChannel(docker, project, o.service));
}

/** Known failures are one line and a hint, on both targets. */
async function dataCli(o: DataOpts, cmd: Command, fn: () => Promise<void>): Promise<void> {
  checkTarget(cmd, o.target);
  if (o.target === 'openstack') return osCli(fn);
  try {
    await fn();
  } catch (err) {
    throw stackOrTargetCliError(err, 'docs/docker.md') ?? err;
  }
}

const stamp = () => new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

export function registerDataCommands(program: Command): void {
  addOptions(
    program
      .command('backup')
      .description("a consistent dump of the board's database (mariadb-dump in the dbs container) to FILE, with FILE.sha256")
      .argument('[file]', 'where to write (default: <name>-<UTC time>.sql)'),
    COMMANDS.backup,
  )
    .option('--force', 'replace FILE if it exists')
    .action((file: string | undefined, o: DataOpts, cmd: Command) =>
      dataCli(o, cmd, async () => {
        const out = file ?? `${deploymentName(o, loadStackFile(o.stack ?? undefined).stack.name)}-${stamp()}.sql`;
        const r = await withChannel(o, (ch) => backup(ch, out, { force: Boolean(o.force) }, dk.stderrProgress));
        process.stderr.write(`backed up ${r.posts} posts: ${mb(r.bytes)}, sha256 ${r.sha256} (in ${r.checksumFile}), ${r.seconds.toFixed(1)} s\n`);
        process.stdout.write(`${r.file}\n`);
      }),
    );

  addOptions(
    program
      .command('restore')
      .description('load a backup into a running deployment (checksum checked first; refuses a board with posts unless --force)')
      .argument('<file>', 'a file written by berth backup (FILE.sha256 beside it)'),
    COMMANDS.restore,
  )
    .option('--force', 'replace the posts the board holds (take a backup of them first)')
    .action((file: string, o: DataOpts, cmd: Command) =>
      dataCli(o, cmd, async () => {
        if (!file) throw new CliError('restore needs a FILE');
        const r = await withChannel(o, (ch) => restore(ch, file, { force: Boolean(o.force) }, dk.stderrProgress));
        process.stderr.write(`restored ${r.posts} posts${r.before ? ` (replaced ${r.before})` : ''} in ${r.seconds.toFixed(1)} s\n`);
      }),
    );
}

async function askYes(question: string): Promise<boolean> {
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^(y|yes)$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

/**
 * Before a step that loses data: says what would be lost, then stops unless the user agrees
 * (--allow-data-loss, or "yes" on a terminal). `asked` is true when the command itself named the
 * loss (down --volumes). With --backup-before, a backup of the database is taken first.
 */
export async function guardDataLoss(
  losses: string[],
  o: DataLossOpts,
  asked: boolean,
  takeBackup: (file: string) => Promise<void>,
  project: string,
): Promise<void> {
  if (losses.length === 0) return;
  process.stderr.write(`${asked ? 'this deletes data' : 'this would lose data'}:\n${losses.map((l) => `  - ${l}\n`).join('')}`);
  if (!asked && !o.allowDataLoss && !o.yes) {
    const tty = process.stdin.isTTY && process.stderr.isTTY;
    if (!tty || !(await askYes('Go on and lose it? Type yes: '))) {
      throw new CliError(
        'stopped before losing data: nothing was changed',
        'to go on anyway: --allow-data-loss (or --yes); --backup-before [FILE] takes a backup first (berth restore brings it back)',
      );
    }
  }
  if (o.backupBefore !== undefined && o.backupBefore !== false) {
    const file = typeof o.backupBefore === 'string' ? o.backupBefore : `${project}-${stamp()}.sql`;
    await takeBackup(file);
  }
}

/** The docker target's backup for --backup-before: the project's running dbs, if any. */
export async function dockerBackupBefore(docker: Docker, project: string, service: string, file: string): Promise<void> {
  const ch = await dk.dockerDbsChannel(docker, project, service).catch(() => undefined);
  if (!ch)
    throw new CliError(
      `--backup-before: ${service} of ${project} is not running, so no backup can be taken (nothing was changed)`,
      'start it (berth up) or leave out --backup-before',
    );
  const r = await backup(ch, file, {}, dk.stderrProgress);
  process.stderr.write(`backed up ${r.posts} posts to ${r.file} (sha256 in ${r.checksumFile}) before going on\n`);
}

/** The openstack target's --backup-before: a backup over SSH (the stack's dbs server) before the step. */
export async function openstackBackupBefore(os: OpenStack, id: string, project: string, o: DataLossOpts & { sshKey?: string; sshUser: string }): Promise<void> {
  if (o.backupBefore === undefined || o.backupBefore === false) return;
  const file = typeof o.backupBefore === 'string' ? o.backupBefore : `${project}-${stamp()}.sql`;
  const key = o.sshKey === undefined ? undefined : ost.sshKeyPath(o.sshKey);
  const ch = await ost.sshDbsChannel(os, id, project, 'dbs', { user: o.sshUser, ...(key ? { key } : {}) });
  const r = await backup(ch, file, {}, dk.stderrProgress);
  process.stderr.write(`backed up ${r.posts} posts to ${r.file} (sha256 in ${r.checksumFile}) before going on\n`);
}
