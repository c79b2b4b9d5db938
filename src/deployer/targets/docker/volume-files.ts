// Files in volumes without a shell or a bind mount: a helper container is created (never started)
// with the volumes mounted, and files go in and out through the Engine API's archive calls, which
// carry each file's owner and mode. Nothing passes through an environment, a command line or a log.
import type Docker from 'dockerode';
import { statusOf } from './engine.js';
import { TargetError } from './errors.js';
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
    await helper.remove({ force: true, v: false });
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
  await helper.putArchive(tar(files), { path: dir });
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

// A minimal ustar archive: regular files only, which is all the archive calls above need.
const BLOCK = 512;

function header(f: TarFile, size: number): Buffer {
  const h = Buffer.alloc(BLOCK);
  const put = (text: string, at: number, len: number) => h.write(text, at, len, 'utf8');
  const octal = (n: number, len: number) => n.toString(8).padStart(len - 1, '0');
  put(f.name, 0, 100);
  put(octal(f.mode, 8), 100, 7);
  put(octal(f.uid, 8), 108, 7);
  put(octal(f.gid, 8), 116, 7);
  put(octal(size, 12), 124, 11);
  put(octal(Math.floor(Date.now() / 1000), 12), 136, 11);
  put('        ', 148, 8); // the checksum counts its own field as spaces
  put('0', 156, 1);
  put('ustar\u000000', 257, 8);
  const sum = h.reduce((a, b) => a + b, 0);
  put(`${octal(sum, 7)}\u0000 `, 148, 8);
  return h;
}

export function tar(files: TarFile[]): Buffer {
  const parts: Buffer[] = [];
  for (const f of files) {
    if (f.name.length > 100 || f.name.includes('/')) throw new Error(`tar: unsupported file name ${f.name}`);
    const data = Buffer.from(f.data, 'utf8');
    parts.push(header(f, data.length), data, Buffer.alloc((BLOCK - (data.length % BLOCK)) % BLOCK));
  }
  parts.push(Buffer.alloc(2 * BLOCK));
  return Buffer.concat(parts);
}

export interface TarEntry {
  data: Buffer;
  mode: number;
  uid: number;
  gid: number;
}

export function untar(buf: Buffer): Map<string, TarEntry> {
  const files = new Map<string, TarEntry>();
  for (let at = 0; at + BLOCK <= buf.length; ) {
    const h = buf.subarray(at, at + BLOCK);
    if (h.every((b) => b === 0)) break;
    const field = (from: number, len: number) => h.subarray(from, from + len).toString('utf8').replace(/\0.*$/s, '');
    const num = (from: number, len: number) => parseInt(field(from, len).trim() || '0', 8);
    const size = num(124, 12);
    const type = field(156, 1);
    // Regular files; directories, links and pax headers ('x', 'g') are skipped.
    if (type === '0' || type === '') {
      const data = Buffer.from(buf.subarray(at + BLOCK, at + BLOCK + size));
      files.set(field(0, 100).split('/').filter(Boolean).pop() ?? '', { data, mode: num(100, 8) & 0o7777, uid: num(108, 8), gid: num(116, 8) });
    }
    at += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
  }
  return files;
}
