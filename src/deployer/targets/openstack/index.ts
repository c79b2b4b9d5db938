// The openstack target: the same layouts' plan the docker target carries out, on an OpenStack
// cloud, with the cloud as the only state.
export { resolveInputs, DEFAULTS, type InputFlags, type OpenStackInputs } from './inputs.js';
export { desiredState, stackData, type DesiredState } from './desired.js';
export { diff, mutating, diskDataOf, type Step } from './diff.js';
export { dataLosingSteps, guardDataLoss, DataLossError } from './data-loss.js';
export { planStack, up, entryUrl, deployedLayout, type StackPlan, type UpResult, type UpOptions, type WaitFor } from './up.js';
export { down, findDoomed, type Scope, type DownOptions, type DownResult } from './down.js';
export { status, consoleLog, type StackStatus } from './status.js';
export { inventory, sshKeyPath, sshOptions, type SshHop } from './inventory.js';
export { readStack, observedServer } from './read.js';
export { stackId, TAG, META } from './names.js';
export { renderSteps } from './render.js';
export { sshDbsChannel, sshArgsFor, remoteCommand, type SshSettings } from './ssh.js';
export { PhaseClock, renderPhases, type Phase, type PhaseReport, type ServerPhases } from './phases.js';
