// The Docker Engine API over its unix socket (dockerode). Never the docker CLI.
import Docker from 'dockerode';
import { TargetError } from '../shared/errors.js';

export function socketPath(): string {
  const host = process.env.DOCKER_HOST;
  if (host?.startsWith('unix://')) return host.slice('unix://'.length);
  return '/var/run/docker.sock';
}

/** A client whose engine answered a ping; otherwise an error that says how to start one. */
export async function connectEngine(): Promise<Docker> {
  const path = socketPath();
  const docker = new Docker({ socketPath: path });
  try {
    await docker.ping();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EACCES') {
      throw new TargetError(`no permission to use the Docker Engine at ${path}`, 'run as root or as a member of the docker group');
    }
    throw new TargetError(
      `the Docker Engine is not running (nothing answers at ${path}${code ? `: ${code}` : ''})`,
      "start it: sudo bash scripts/docker-engine.sh start (or your system's docker service)",
    );
  }
  return docker;
}

/** HTTP status of a dockerode error, if it has one. */
export const statusOf = (err: unknown): number | undefined => (err as { statusCode?: number }).statusCode;

/** Runs a call whose 404 means "not there" and returns undefined in that case. */
export async function unlessMissing<T>(call: () => Promise<T>): Promise<T | undefined> {
  try {
    return await call();
  } catch (err) {
    if (statusOf(err) === 404) return undefined;
    throw err;
  }
}
