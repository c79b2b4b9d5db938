// The docker target: a stack on one Docker Engine, through its API.
export { buildImages, type BuiltImage } from './build.js';
export { connectEngine } from './engine.js';
export { TargetError } from '../shared/errors.js';
export { DEFAULT_NAMING, imageRef, type ImageNaming } from '../shared/images.js';
export { down } from './down.js';
export { checkProjectName, LABEL } from './names.js';
export { stderrProgress, silentProgress, type Progress } from '../shared/progress.js';
export { projectSecrets } from './secrets.js';
export { findService, status, streamLogs, type StackStatus } from './status.js';
export { up, entryUrl } from './up.js';
export { dockerDbsChannel } from './dbs-exec.js';
export { downLosses, lostMounts, upLosses } from './data-loss.js';
