// Build contexts. `node` images get a prepared directory: the compiled board (tsc into it), a
// production-only node_modules (`npm ci --omit=dev`, redone only when the lockfile or Node
// changes) and images/. No registry or network is needed by the image build itself.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { TargetError } from '../shared/errors.js';
import type { Progress } from '../shared/progress.js';

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

function productionModules(root: string, ctx: string, progress: Progress): void {
  const lock = readFileSync(join(root, 'package-lock.json'));
  const stamp = createHash('sha256').update(lock).update(process.version).update(process.arch).digest('hex');
  const stampFile = join(ctx, '.modules-stamp');
  if (existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) {
    progress.detail('production node_modules: up to date');
    return;
  }
  progress.detail('production node_modules: npm ci --omit=dev (once per lockfile)');
  rmSync(join(ctx, 'node_modules'), { recursive: true, force: true });
  cpSync(join(root, 'package.json'), join(ctx, 'package.json'));
  cpSync(join(root, 'package-lock.json'), join(ctx, 'package-lock.json'));
  run('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund', '--loglevel=error'], ctx, 'npm ci --omit=dev');
  writeFileSync(stampFile, stamp);
}

/** Prepares <cache>/context/node and returns its path. */
export function prepareNodeContext(root: string, progress: Progress): string {
  const ctx = join(cacheDir(), 'context', 'node');
  mkdirSync(ctx, { recursive: true });
  progress.step('preparing the build context');
  productionModules(root, ctx, progress);
  progress.detail('compiling the board (tsc)');
  rmSync(join(ctx, 'dist'), { recursive: true, force: true });
  // Only the board's code goes into the images (not the CLI or the deployer).
  const tsconfig = join(ctx, 'tsconfig.board.json');
  writeFileSync(
    tsconfig,
    JSON.stringify({
      extends: join(root, 'tsconfig.json'),
      compilerOptions: { rootDir: join(root, 'src'), outDir: join(ctx, 'dist'), sourceMap: false },
      include: [join(root, 'src', 'board')],
    }),
  );
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  run(process.execPath, [tsc, '-p', tsconfig], root, 'compiling the board (tsc)');
  cpSync(join(root, 'package.json'), join(ctx, 'package.json'));
  rmSync(join(ctx, 'images'), { recursive: true, force: true });
  cpSync(join(root, 'images'), join(ctx, 'images'), { recursive: true });
  cpSync(join(root, '.dockerignore'), join(ctx, '.dockerignore'));
  return ctx;
}
