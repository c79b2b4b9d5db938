// Files in volumes without a shell or a bind mount: a helper container is created (never started)
// with the volumes mounted, and files go in and out through the Engine API's archive calls, which
// carry each file's owner and mode. Nothing passes through an environment, a command line or a log.
import type Docker from 'dockerode';
import { extract, pack } from 'tar-stream';
import { statusOf } from './engine.js';
import { TargetError } from '../shared/errors.js';
import { missingImage } from './images.js';
import { LABEL, projectLabels } from './names.js';

export interface TarFile {
  name: string;
  data: string;
  mode: number;
  uid: number;
  gid: number;
}

export interface Owner {
  uid: number;
  gid: number;
}

/** Runs fn with a created, never started container of image that has the volumes mounted. */
export async function withVolumes<T>(
  docker: Docker,
  project: string,
  image: string,
  mounts: { volume: string; path: string }[],
  fn: (helper: Docker.Container) => Promise<T>,
): Promise<T> {
  let helper: Docker.Container;
  try {
    helper = await docker.createContainer({
      Image: image,
      // Never started; an entrypoint is still needed for images without one.
      Entrypoint: ['/nonexistent'],
      Labels: projectLabels(project, { [LABEL.role]: 'helper' }),
      HostConfig: { NetworkMode: 'none', Mounts: mounts.map((m) => ({ Type: 'volume' as const, Source: m.volume, Target: m.path })) },
    });
  } catch (err) {
    if (statusOf(err) === 404) throw missingImage(image);
    throw err;
  }
  try {
    return await fn(helper);
  } finally {
    // v: the image may declare VOLUMEs (dbs: /var/lib/mysql), which made anonymous volumes; named ones
    // are never removed this way.
    await helper.remove({ force: true, v: true });
  }
}

/** Regular files under path in the helper (by base name); none when path is missing. */
export async function readFiles(helper: Docker.Container, path: string): Promise<Map<string, TarEntry>> {
  let stream: NodeJS.ReadableStream;
  try {
    stream = await helper.getArchive({ path });
  } catch (err) {
    if (statusOf(err) === 404) return new Map();
    throw err;
  }
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c as Buffer));
  return untar(Buffer.concat(chunks));
}

export async function writeFiles(helper: Docker.Container, dir: string, files: TarFile[]): Promise<void> {
  await helper.putArchive(await tar(files), { path: dir });
}

/** The uid and gid an image's USER ("name", "uid", "name:group", "uid:gid"; empty = root) runs as. */
export async function ownerOf(helper: Docker.Container, user: string): Promise<Owner> {
  if (!user) return { uid: 0, gid: 0 };
  const [u = '', g] = user.split(':');
  const table = async (file: string) => {
    const text = (await readFiles(helper, file)).values().next().value?.data.toString('utf8') ?? '';
    return text.split('\n').map((l) => l.split(':'));
  };
  const entry = /^\d+$/.test(u) ? undefined : (await table('/etc/passwd')).find((f) => f[0] === u);
  if (!/^\d+$/.test(u) && !entry) throw new TargetError(`the image's user ${u} is not in its /etc/passwd`);
  const uid = entry ? Number(entry[2]) : Number(u);
  let gid = entry ? Number(entry[3]) : 0;
  if (g !== undefined) {
    const group = /^\d+$/.test(g) ? undefined : (await table('/etc/group')).find((f) => f[0] === g);
    if (!/^\d+$/.test(g) && !group) throw new TargetError(`the image's group ${g} is not in its /etc/group`);
    gid = group ? Number(group[2]) : Number(g);
  }
  return { uid, gid };
}

/** An archive of regular files (base names only: the archive call names the directory). */
export async function tar(files: TarFile[]): Promise<Buffer> {
  const archive = pack();
  for (const f of files) {
    if (f.name.includes('/')) throw new Error(`tar: a base name is needed, not ${f.name}`);
    archive.entry({ name: f.name, type: 'file', mode: f.mode, uid: f.uid, gid: f.gid }, f.data);
  }
  archive.finalize();
  const chunks: Buffer[] = [];
  for await (const c of archive) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export interface TarEntry {
  data: Buffer;
  mode: number;
  uid: number;
  gid: number;
}

/** The regular files of an archive by base name; directories, links and the rest are skipped. */
export async function untar(buf: Buffer): Promise<Map<string, TarEntry>> {
  const files = new Map<string, TarEntry>();
  const reader = extract();
  reader.end(buf);
  for await (const entry of reader) {
    const chunks: Buffer[] = [];
    for await (const c of entry) chunks.push(c as Buffer);
    const h = entry.header;
    if (h.type === 'file' || h.type === 'contiguous-file') {
      files.set(h.name.split('/').filter(Boolean).pop() ?? '', { data: Buffer.concat(chunks), mode: (h.mode ?? 0) & 0o7777, uid: h.uid ?? 0, gid: h.gid ?? 0 });
    }
  }
  return files;
}
