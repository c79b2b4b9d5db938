// `berth build`: builds and tags the images of every service that has a `build` section, through
// the Engine API's build endpoint (legacy builder: no BuildKit needed), and pushes them when a
// registry is given.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type Docker from 'dockerode';
import type { StackSpec } from '../../stack/schema.js';
import { prepareNodeContext } from './context.js';
import { TargetError } from '../shared/errors.js';
import { imageRef, type ImageNaming } from '../shared/images.js';
import type { Progress } from '../shared/progress.js';

export interface BuildOptions {
  root: string;
  naming: ImageNaming;
  /** Build arguments for every image (only those a Dockerfile declares are passed to it). */
  buildArgs: Record<string, string>;
  services?: string[];
  push?: boolean;
}

export interface BuiltImage {
  service: string;
  ref: string;
  id: string;
  seconds: number;
  bytes: number;
  /** The image's layers (diff ids, bottom first): images with the same ones are pulled once. */
  layers: string[];
}

interface BuildEvent {
  stream?: string;
  error?: string;
  aux?: { ID?: string };
}

export async function buildImages(docker: Docker, stack: StackSpec, opts: BuildOptions, progress: Progress): Promise<BuiltImage[]> {
  const wanted = Object.entries(stack.services).filter(([svc, s]) => s.build && (!opts.services || opts.services.includes(svc)));
  if (wanted.length === 0) throw new TargetError('nothing to build: no service of the stack has a build section');
  const nodeCtx = wanted.some(([, s]) => s.build!.context === 'node') ? await prepareNodeContext(opts.root, progress) : undefined;
  const built: BuiltImage[] = [];
  for (const [svc, spec] of wanted) {
    const ref = imageRef(stack, svc, opts.naming);
    const ctx = spec.build!.context === 'node' ? nodeCtx! : opts.root;
    const dockerfile = spec.build!.dockerfile;
    const src =
      spec.build!.context === 'node'
        ? ['package.json', 'node_modules', 'dist', 'images', '.dockerignore']
        : [dockerfile.replace(/\/[^/]+$/, ''), '.dockerignore'];
    const args = { ...declaredArgs(join(opts.root, dockerfile), opts), ...spec.build!.args };
    progress.step(`building ${ref} (${dockerfile}${spec.build!.target ? `, target ${spec.build!.target}` : ''})`);
    const started = Date.now();
    const target = spec.build!.target;
    const stream = await docker.buildImage(
      { context: ctx, src },
      { t: ref, dockerfile, buildargs: args, rm: true, forcerm: true, ...(target ? { target } : {}) },
    );
    const id = await followBuild(docker, stream, ref, progress);
    const info = await docker.getImage(ref).inspect();
    built.push({ service: svc, ref, id, seconds: (Date.now() - started) / 1000, bytes: info.Size, layers: info.RootFS.Layers ?? [] });
    if (opts.push) await pushImage(docker, ref, progress);
  }
  return built;
}

/** Build args the Dockerfile declares with ARG: the common ones plus version labels. */
function declaredArgs(dockerfile: string, opts: BuildOptions): Record<string, string> {
  const declared = new Set([...readFileSync(dockerfile, 'utf8').matchAll(/^ARG\s+([A-Za-z_][A-Za-z0-9_]*)/gm)].map((m) => m[1]!));
  const all: Record<string, string> = { VERSION: opts.naming.tag, REVISION: gitRevision(opts.root), SOURCE: sourceUrl(opts.root), ...opts.buildArgs };
  return Object.fromEntries(Object.entries(all).filter(([k]) => declared.has(k)));
}

function gitRevision(root: string): string {
  const r = spawnSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : 'unknown';
}

function sourceUrl(root: string): string {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { repository?: string | { url?: string } };
  const fromPkg = typeof pkg.repository === 'string' ? pkg.repository : pkg.repository?.url;
  if (fromPkg) return fromPkg;
  const r = spawnSync('git', ['remote', 'get-url', 'origin'], { cwd: root, encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() ? r.stdout.trim() : 'unknown';
}

function followBuild(docker: Docker, stream: NodeJS.ReadableStream, ref: string, progress: Progress): Promise<string> {
  const log: string[] = [];
  return new Promise((resolve, reject) => {
    docker.modem.followProgress(
      stream,
      (err: Error | null, events: BuildEvent[]) => {
        const failed = err?.message ?? events.find((e) => e.error)?.error;
        if (failed) {
          reject(
            new TargetError(
              `building ${ref} failed: ${failed}\n${log.slice(-20).join('\n')}`,
              'fix the Dockerfile or the base image (offline: bash scripts/base-images.sh, then --offline-bases)',
            ),
          );
          return;
        }
        const id = events
          .map((e) => e.aux?.ID)
          .filter(Boolean)
          .pop();
        resolve(id ?? ref);
      },
      (e: BuildEvent) => {
        const line = e.stream?.trimEnd();
        if (!line) return;
        log.push(line);
        if (/^Step \d+\/\d+/.test(line)) progress.detail(line);
      },
    );
  });
}

async function pushImage(docker: Docker, ref: string, progress: Progress): Promise<void> {
  progress.step(`pushing ${ref}`);
  // The Engine refuses a push without an X-Registry-Auth header, even for a registry that needs
  // no login: an empty auth config is sent (dockerode sends none for no authconfig).
  const stream = await docker.getImage(ref).push({ authconfig: {} });
  await new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(stream, (err: Error | null, events: BuildEvent[]) => {
      const failed = err?.message ?? events.find((e) => e.error)?.error;
      if (failed) reject(new TargetError(`pushing ${ref} failed: ${failed}`, 'check that the registry is reachable and that you are logged in to it'));
      else resolve();
    });
  });
}
