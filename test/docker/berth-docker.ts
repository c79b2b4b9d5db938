// The docker commands of the berth CLI alone (same registration and error printing as
// src/cli/berth.ts), so this suite does not depend on the other command groups.
import { Command } from 'commander';
import { registerDockerCommands } from '../../src/cli/commands/docker.js';
import { CliError } from '../../src/cli/errors.js';

const program = new Command('berth').showHelpAfterError();
registerDockerCommands(program);
try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (!(err instanceof CliError)) throw err;
  process.stderr.write(`berth: ${err.message}\n${err.hint ? `hint: ${err.hint}\n` : ''}`);
  process.exit(err.exitCode);
}
