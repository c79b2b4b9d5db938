// Build contexts. `node` images get a prepared directory that holds only what the images ship:
// the board bundled by esbuild (one file per tier's entry point plus shared chunks, at the paths
// the compiled board had: dist/board/{app,web}/main.js), the few packages a bundle cannot hold
// (RUNTIME_MODULES, taken from a production-only `npm ci --omit=dev` that is redone only when
// the lockfile or Node changes) and images/. No registry or network is needed by the image build.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { TargetError } from '../shared/errors.js';
import type { Progress } from '../shared/progress.js';

/**
 * Packages left out of the bundle, with the files of each that run. better-sqlite3 is native: its
 * compiled addon (built for this Node and Debian 12's glibc) is found at run time by `bindings`,
 * relative to the package, so the package stays a package. Its other dependency, prebuild-install,
 * only runs at install time. Everything else (fastify, pino, mysql2, kysely, undici, zod) bundles:
 * pino needs no transport files, as the board logs to stdout with pino.destination.
 */
export const RUNTIME_MODULES: Record<string, string[]> = {
  'better-sqlite3': ['package.json', 'LICENSE', 'lib', 'build/Release/better_sqlite3.node'],
  bindings: ['package.json', 'LICENSE.md', 'bindings.js'],
  'file-uri-to-path': ['package.json', 'LICENSE', 'index.js'],
};

/** The board's entry points: bundle name (path in the image, without .js) -> source. */
const ENTRY_POINTS = { 'dist/board/app/main': 'src/board/app/main.ts', 'dist/board/web/main': 'src/board/web/main.ts' };

export function cacheDir(): string {
  return process.env.BERTH_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'berth');
}

function run(cmd: string, args: string[], cwd: string, what: string): void {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0) {
    const out = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n').slice(-25).join('\n');
    throw new TargetError(`${what} failed:\n${out}`, `run it by hand in ${cwd} to see the whole output`);
  }
}

/** A production-only node_modules in <ctx>/npm (not sent to the Engine), made once per lockfile. */
function productionModules(root: string, ctx: string, progress: Progress): string {
  const npmDir = join(ctx, 'npm');
  mkdirSync(npmDir, { recursive: true });
  const lock = readFileSync(join(root, 'package-lock.json'));
  const stamp = createHash('sha256').update(lock).update(process.version).update(process.arch).digest('hex');
  const stampFile = join(npmDir, '.modules-stamp');
  if (existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) {
    progress.detail('production node_modules: up to date');
    return join(npmDir, 'node_modules');
  }
  progress.detail('production node_modules: npm ci --omit=dev (once per lockfile)');
  rmSync(join(npmDir, 'node_modules'), { recursive: true, force: true });
  cpSync(join(root, 'package.json'), join(npmDir, 'package.json'));
  cpSync(join(root, 'package-lock.json'), join(npmDir, 'package-lock.json'));
  run('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund', '--loglevel=error'], npmDir, 'npm ci --omit=dev');
  writeFileSync(stampFile, stamp);
  return join(npmDir, 'node_modules');
}

/** <ctx>/node_modules: only RUNTIME_MODULES, only their files that run. */
function runtimeModules(from: string, ctx: string): void {
  const to = join(ctx, 'node_modules');
  rmSync(to, { recursive: true, force: true });
  for (const [name, files] of Object.entries(RUNTIME_MODULES)) {
    for (const file of files) {
      const src = join(from, name, file);
      if (!existsSync(src)) throw new TargetError(`${name}/${file} is missing from the production node_modules`, `rm -rf ${join(ctx, 'npm')} and build again`);
      cpSync(src, join(to, name, file), { recursive: true });
    }
  }
}

/** The board as ES modules for Node 20: everything but RUNTIME_MODULES inlined. */
async function bundle(root: string, ctx: string): Promise<void> {
  rmSync(join(ctx, 'dist'), { recursive: true, force: true });
  // Loaded here, not at the top: only `berth build` needs esbuild, not every command that imports the target.
  const { build } = await import('esbuild');
  const result = await build({
    absWorkingDir: root,
    entryPoints: Object.fromEntries(Object.entries(ENTRY_POINTS).map(([out, src]) => [out, join(root, src)])),
    outdir: ctx,
    bundle: true,
    splitting: true,
    chunkNames: 'dist/chunks/[name]-[hash]',
    format: 'esm',
    platform: 'node',
    target: 'node20',
    external: Object.keys(RUNTIME_MODULES),
    // Bundled CommonJS packages call require() for Node's own modules; an ES module has none.
    banner: { js: "import { createRequire as __berthCreateRequire } from 'node:module'; const require = __berthCreateRequire(import.meta.url);" },
    legalComments: 'linked',
    logLevel: 'silent',
  }).catch((err: unknown) => {
    throw new TargetError(
      `bundling the board (esbuild) failed: ${err instanceof Error ? err.message : String(err)}`,
      'npm run typecheck shows type errors; an import esbuild cannot resolve needs npm ci',
    );
  });
  const warnings = result.warnings.map((w) => w.text);
  if (warnings.length)
    throw new TargetError(`bundling the board (esbuild) warned: ${warnings.join('; ')}`, 'fix what it says: a bundle with warnings may fail at run time');
}

/** The node context's directory: not context/node, where berth before the bundle kept another layout. */
export function nodeContextDir(): string {
  return join(cacheDir(), 'context', 'node-bundle');
}

/** Prepares nodeContextDir() and returns its path. */
export async function prepareNodeContext(root: string, progress: Progress): Promise<string> {
  const ctx = nodeContextDir();
  mkdirSync(ctx, { recursive: true });
  progress.step('preparing the build context');
  runtimeModules(productionModules(root, ctx, progress), ctx);
  progress.detail('bundling the board (esbuild)');
  await bundle(root, ctx);
  // The bundle is ES modules in .js files: the image's package.json says so, and nothing else.
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name: string; version: string; license?: string };
  writeFileSync(
    join(ctx, 'package.json'),
    `${JSON.stringify({ name: pkg.name, version: pkg.version, license: pkg.license, private: true, type: 'module' }, null, 2)}\n`,
  );
  rmSync(join(ctx, 'images'), { recursive: true, force: true });
  cpSync(join(root, 'images'), join(ctx, 'images'), { recursive: true });
  cpSync(join(root, '.dockerignore'), join(ctx, '.dockerignore'));
  return ctx;
}
