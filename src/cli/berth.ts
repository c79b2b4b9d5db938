// berth: the command line. Each command group lives in ./commands and registers itself here.
import { Command } from 'commander';
import { registerBoardCommands } from './commands/board.js';
import { registerDockerCommands } from './commands/docker.js';
import { registerCloudCommands } from './commands/cloud.js';
import { registerOpenStackCommands } from './commands/openstack.js';
import { registerDataCommands } from './commands/data.js';
import { CliError } from './errors.js';

const program = new Command('berth')
  .description('Run the three-tier board and deploy it to Docker or OpenStack')
  .showHelpAfterError();

registerBoardCommands(program);
registerDockerCommands(program);
registerCloudCommands(program);
registerOpenStackCommands(program);
registerDataCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  // Known failures print one clear line (and a hint); anything else is a bug and keeps its stack.
  if (err instanceof CliError) {
    process.stderr.write(`berth: ${err.message}\n${err.hint ? `hint: ${err.hint}\n` : ''}`);
    process.exit(err.exitCode);
  }
  throw err;
}
