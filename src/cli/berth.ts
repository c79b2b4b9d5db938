// berth: the command line. Each command group lives in ./commands and registers itself here; the
// options of the stack commands are one table (./options.ts). Every failure ends as one line
// (and a hint) on stderr: exit status 2 for a command line to fix, 1 for anything else.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { registerBoardCommands } from './commands/board.js';
import { registerDockerCommands } from './commands/docker.js';
import { registerCloudCommands } from './commands/cloud.js';
import { registerOpenStackCommands } from './commands/openstack.js';
import { registerDataCommands } from './commands/data.js';
import { CliError } from './errors.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');

/** package.json's version, and the git revision of the checkout when there is one. */
function version(): string {
  const { version: v } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  const git = spawnSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: ROOT, encoding: 'utf8' });
  return git.status === 0 && git.stdout.trim() ? `${v} (${git.stdout.trim()})` : v;
}

function fail(message: string, hint: string | undefined, code: number): never {
  process.stderr.write(`berth: ${message.trimEnd()}\n${hint ? `hint: ${hint}\n` : ''}`);
  process.exit(code);
}

/** What no code path turned into a CliError is a bug: still one line, the stack with BERTH_DEBUG=1. */
function unexpected(err: unknown): never {
  if (process.env.BERTH_DEBUG) process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  const what = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  fail(`unexpected error: ${what.split('\n')[0]}`, 'this is a bug in berth: please report it (BERTH_DEBUG=1 shows where it happened)', 1);
}

const program = new Command('berth')
  .description('Run the three-tier board, and deploy it to Docker or OpenStack')
  .option('-V, --version', 'print the version (and the git revision)')
  .on('option:version', () => {
    process.stdout.write(`berth ${version()}\n`);
    process.exit(0);
  })
  // Set before the commands are added, so they inherit both.
  .exitOverride()
  .configureOutput({ outputError: (s, write) => write(s.replace(/^error: /, 'berth: ')) })
  .showHelpAfterError('hint: add --help to see the options');

program.commandsGroup('Run the board on this machine:');
registerBoardCommands(program);
program.commandsGroup('Deploy the stack (--target docker, the default, or openstack):');
registerDockerCommands(program);
program.commandsGroup('OpenStack only:');
registerCloudCommands(program);
registerOpenStackCommands(program);
registerDataCommands(program);
program.commandsGroup('Help:').helpCommand(true);
program.addHelpText(
  'after',
  `
Names: a deployment is called --name (default: the stack's name, board), after --prefix when one is
given (on openstack your user name by default): containers, networks, volumes, servers, ports and
groups are all named <prefix>-<name>-<part>.

Examples:
  berth serve                                  the board here, on SQLite (http://127.0.0.1:8080/)
  berth build --offline-bases && berth up      the board on the local Docker Engine
  berth cloud check                            is the cloud of $OS_CLOUD ready for berth?
  berth up --target openstack --layout tiered  one VM per tier, on three networks
  berth down --target openstack                remove it again
Each command's options: berth COMMAND --help (docs/docker.md, docs/openstack.md).`,
);

process.on('unhandledRejection', unexpected);
process.on('uncaughtException', unexpected);
try {
  await program.parseAsync(process.argv);
} catch (err) {
  // commander already printed its message (help, or a usage error: exit status 2).
  if (err instanceof CommanderError) process.exit(err.exitCode === 0 || err.code === 'commander.help' ? err.exitCode : 2);
  if (err instanceof CliError) fail(err.message, err.hint, err.exitCode);
  unexpected(err);
}
