// Nothing deletes data unless the user said so in that command: `up` and `down` stop before a
// step that loses data (a server with data on its own disk replaced or deleted, a volume deleted),
// print what would be lost and how to go on. `dataLosingSteps` is what other parts call too
// (a backup taken before such a step: `--backup-before`).
import { TargetError } from '../shared/errors.js';
import { dataLosingSteps, type Step } from './diff.js';

export { dataLosingSteps };

/** Stops before a step that deletes data, unless the user said so in this command. */
export function guardDataLoss(steps: Step[], allow: boolean, command: string): void {
  const losing = dataLosingSteps(steps);
  if (!losing.length || allow) return;
  throw new DataLossError(losing, command);
}

export class DataLossError extends TargetError {
  constructor(
    readonly steps: Step[],
    command: string,
  ) {
    super(
      `${command} stopped before deleting data; nothing was changed. It would lose:\n${steps.map((s) => `  ${s.kind} ${s.name}: ${s.loses}`).join('\n')}`,
      `to go on anyway: the same command with --allow-data-loss (or --yes); to keep the data, run it on a cloud with block storage (volumes), or take a copy first`,
    );
    this.name = 'DataLossError';
  }
}
