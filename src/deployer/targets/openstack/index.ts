// The openstack target: the same layouts' plan the docker target carries out, on an OpenStack
// cloud, with the cloud as the only state.
export { resolveInputs, type InputFlags, type OpenStackInputs } from './inputs.js';
export { desiredState, type DesiredState } from './desired.js';
export { diff, mutating, type Step } from './diff.js';
export { planStack, up, entryUrl, type StackPlan, type UpResult, type WaitFor } from './up.js';
export { down, findDoomed, type Scope } from './down.js';
export { status, consoleLog, type StackStatus } from './status.js';
export { inventory, sshKeyPath, sshOptions, type SshHop } from './inventory.js';
export { readStack, observedServer } from './read.js';
export { stackId, TAG, META } from './names.js';
export { renderSteps } from './render.js';
export { sshDbsChannel, sshArgsFor, remoteCommand, type SshSettings } from './ssh.js';
