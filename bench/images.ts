// `npm run bench:images`: the board's images before and after issue 15, measured in the same run:
// bytes on disk, and bytes a pull moves (`docker save | gzip`: layers shared between the images of
// one host counted once), per image and per host of the two layouts (single: one VM pulls all
// three; tiered: each VM pulls its own). "After" is what `berth build` makes now (--repo/--tag,
// default berth/*:latest: build them first). "Before" is built here from the Dockerfiles at
// --before (default: the last revision with the unbundled images) the way berth built them then
// (the whole production node_modules and the board compiled by tsc), on the same base images
// (--offline-bases: berth-base/*), tagged bench-before-<pid>/*, and removed at the end.
//   npm run bench:images -- [--repo berth --tag latest] [--before REV] [--offline-bases]
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { nodeContextDir } from '../src/deployer/targets/docker/context.js';

const { values: a } = parseArgs({
  options: {
    repo: { type: 'string', default: 'berth' },
    tag: { type: 'string', default: 'latest' },
    before: { type: 'string', default: 'e8068ab' },
    'offline-bases': { type: 'boolean', default: false },
  },
});
const ROOT = process.cwd();
const SERVICES = ['web', 'app', 'dbs'] as const;
const beforeRepo = `bench-before-${process.pid}`;
const bases = a['offline-bases'] ? ['--build-arg', 'NODE_BASE=berth-base/node:20', '--build-arg', 'DEBIAN_BASE=berth-base/debian:bookworm'] : [];

function sh(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 26, cwd: opts.cwd ?? ROOT, env: { ...process.env, ...opts.env } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${(r.stderr || r.stdout).trim().split('\n').slice(-5).join('\n')}`);
  return r.stdout;
}

/** The images as `berth build` made them at --before, in a context made the way it made it. */
function buildBefore(dir: string): void {
  const ctx = join(dir, 'ctx');
  mkdirSync(join(ctx, 'images', 'node'), { recursive: true });
  mkdirSync(join(ctx, 'images', 'dbs'), { recursive: true });
  for (const f of [
    'images/node/Dockerfile',
    'images/node/entrypoint.sh',
    'images/node/healthcheck.mjs',
    'images/dbs/Dockerfile',
    'images/dbs/entrypoint.sh',
    'images/dbs/healthcheck.sh',
    'images/dbs/berth.cnf',
  ]) {
    writeFileSync(join(ctx, f), sh('git', ['show', `${a.before}:${f}`]), { mode: f.endsWith('.sh') ? 0o755 : 0o644 });
  }
  cpSync(join(ROOT, 'package.json'), join(ctx, 'package.json'));
  // The whole production node_modules (berth build keeps it, made by npm ci --omit=dev).
  cpSync(join(nodeContextDir(), 'npm', 'node_modules'), join(ctx, 'node_modules'), { recursive: true });
  const tsconfig = join(dir, 'tsconfig.board.json');
  writeFileSync(
    tsconfig,
    JSON.stringify({
      extends: join(ROOT, 'tsconfig.json'),
      compilerOptions: { rootDir: join(ROOT, 'src'), outDir: join(ctx, 'dist'), sourceMap: false },
      include: [join(ROOT, 'src', 'board'), join(ROOT, 'src', 'shared')],
    }),
  );
  sh(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', tsconfig]);
  const env = { DOCKER_BUILDKIT: '0' };
  for (const svc of SERVICES) {
    const file = svc === 'dbs' ? 'images/dbs/Dockerfile' : 'images/node/Dockerfile';
    const target = svc === 'dbs' ? [] : ['--target', svc];
    sh('docker', ['build', '-q', ...bases, ...target, '-f', join(ctx, file), '-t', `${beforeRepo}/${svc}:x`, ctx], { env });
  }
}

const mb = (n: number) => (n / 1e6).toFixed(0);
/** [sum of the images' sizes, bytes of `docker save` of the set (layers once), gzip -6 of that]. */
function measure(images: string[]): [number, number, number] {
  const disk = images.map((i) => Number(sh('docker', ['image', 'inspect', '-f', '{{.Size}}', i]).trim())).reduce((x, y) => x + y, 0);
  const r = spawnSync('bash', ['-c', 'set -o pipefail; docker save "$@" | tee >(wc -c >&2) | gzip -6 | wc -c', 'bash', ...images], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`docker save ${images.join(' ')}: ${r.stderr}`);
  return [disk, Number(r.stderr.trim()), Number(r.stdout.trim())];
}

const dir = mkdtempSync(join(tmpdir(), 'berth-bench-images-'));
try {
  const t0 = Date.now();
  buildBefore(dir);
  process.stdout.write(`before (${a.before}) built in ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
  const sets: [string, string[]][] = [
    ...SERVICES.map((s): [string, string[]] => [`${s} (tiered: its VM pulls it)`, [s]]),
    ['single VM: web + app + dbs', [...SERVICES]],
    ['web + app (shared layers)', ['web', 'app']],
  ];
  const rows = sets.map(([label, svcs]) => {
    const before = measure(svcs.map((s) => `${beforeRepo}/${s}:x`));
    const after = measure(svcs.map((s) => `${a.repo}/${s}:${a.tag}`));
    return `| ${label} | ${mb(before[0])} | ${mb(after[0])} | ${mb(before[1])} | ${mb(after[1])} | ${mb(before[2])} | ${mb(after[2])} |`;
  });
  process.stdout.write(
    `images: before = ${a.before}, after = ${a.repo}/*:${a.tag}; MB = 10^6 bytes\n` +
      '| image(s) | size before | size after | layers once, before | after | gzipped, before | after |\n|---|---:|---:|---:|---:|---:|---:|\n' +
      `${rows.join('\n')}\n`,
  );
} finally {
  for (const svc of SERVICES) spawnSync('docker', ['rmi', `${beforeRepo}/${svc}:x`], { stdio: 'ignore' });
  rmSync(dir, { recursive: true, force: true });
}
