// The docker target's DbsChannel (deployer/data): scripts run as root in the project's running
// dbs container through the Engine's exec API. A restore's input goes in first as a file through
// the archive API (a root-only file in the container's /tmp, removed after), so the exec needs no
// stdin stream. Nothing passes through a command line of this host.
import { randomBytes } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import type Docker from 'dockerode';
import { pack } from 'tar-stream';
import { TextSink, type DbsChannel, type RunOptions, type RunResult } from '../../data/channel.js';
import { TargetError } from '../shared/errors.js';
import { containerName } from './names.js';
import { findService } from './status.js';
import { setTimeout as sleep } from 'node:timers/promises';

/** The running container of service in project, as a channel. */
export async function dockerDbsChannel(docker: Docker, project: string, service: string): Promise<DbsChannel> {
  const id = await findService(docker, project, service);
  const info = id ? await docker.getContainer(id).inspect() : undefined;
  if (!info?.State.Running) {
    throw new TargetError(
      `${containerName(project, service)} is not running${info ? '' : ' (no such container)'}`,
      `start the stack first: berth up${project ? ` --project ${project}` : ''}`,
    );
  }
  const container = docker.getContainer(info.Id);
  const where = `container ${info.Name.replace(/^\//, '')}`;
  return { where, run: (script, o) => run(docker, container, script, o ?? {}) };
}

async function run(docker: Docker, container: Docker.Container, script: string, o: RunOptions): Promise<RunResult> {
  let path: string | undefined;
  if (o.input) {
    path = `/tmp/berth-input-${randomBytes(6).toString('hex')}`;
    await putFile(container, o.input, path);
    script = `rc=0; (${script}) < ${path} || rc=$?; rm -f ${path}; exit $rc`;
  }
  const exec = await container.exec({ Cmd: ['sh', '-c', script], User: 'root', AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({ hijack: true, stdin: false });
  const out = new TextSink();
  const err = new TextSink();
  docker.modem.demuxStream(stream, o.output ?? out, err);
  await new Promise<void>((resolve, reject) => stream.on('end', resolve).on('error', reject));
  return { code: await exitCode(exec), stdout: out.text(), stderr: err.text() };
}

async function exitCode(exec: Docker.Exec): Promise<number> {
  for (;;) {
    const s = await exec.inspect();
    if (!s.Running) return s.ExitCode ?? -1;
    await sleep(50);
  }
}

/** Copies a local file to path in the container (root-only), streamed through a tar entry. */
async function putFile(container: Docker.Container, local: string, path: string): Promise<void> {
  const archive = pack();
  const name = path.split('/').pop()!;
  const entry = archive.entry({ name, type: 'file', size: statSync(local).size, mode: 0o600, uid: 0, gid: 0 });
  createReadStream(local).pipe(entry);
  entry.on('finish', () => archive.finalize());
  await container.putArchive(archive as unknown as NodeJS.ReadableStream, { path: path.slice(0, path.lastIndexOf('/')) || '/' });
}
