// An error the user can act on: printed as one line plus an optional hint, without a stack trace;
// and the mapping of the deployer's known failures to it, shared by the commands.
import { OpenStackConfigError, OpenStackError } from '../deployer/openstack/index.js';
import { StackError } from '../deployer/stack/load.js';
import { TargetError } from '../deployer/targets/shared/errors.js';

export class CliError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** A stack file to fix or a target's failure (with its hint) as a CliError; undefined for anything else. */
export function stackOrTargetCliError(err: unknown, docs: string): CliError | undefined {
  if (err instanceof TargetError) return new CliError(err.message, err.hint);
  if (err instanceof StackError) return new CliError(err.message, `fix the stack file (see ${docs})`);
  return undefined;
}

/** The hint of an OpenStackError by its HTTP status (each command words its own). */
export interface OpenStackHints {
  /** 401 */
  unauthorized: string;
  /** No response (refused, reset, timeout). */
  unreachable: string;
  /** 403 */
  forbidden?: string;
  /** Any other status. */
  other?: string;
}

/** An OpenStack configuration problem or API error as a CliError; undefined for anything else. */
export function openStackCliError(err: unknown, hints: OpenStackHints): CliError | undefined {
  if (err instanceof OpenStackConfigError) return new CliError(err.message, err.hint);
  if (err instanceof OpenStackError) {
    const hint = err.status === 401 ? hints.unauthorized : err.status === undefined ? hints.unreachable : err.status === 403 ? hints.forbidden : hints.other;
    return new CliError(err.message, hint);
  }
  return undefined;
}
