// `npm run bench:backup`: berth backup and restore of a board with --posts posts (100,000) on the
// docker target, beside a plain `mariadb-dump` of the same table and its plain load in the same
// run: wall time and file size. Needs a Docker Engine and the board's images (berth build).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { backup, restore } from '../src/deployer/data/index.js';
import { connectEngine, dockerDbsChannel, silentProgress } from '../src/deployer/targets/docker/index.js';
import { loadSql, seedSql } from '../test/helpers/board-data.js';

const { values: a } = parseArgs({ options: { posts: { type: 'string', default: '100000' }, port: { type: 'string', default: '18999' } } });
const posts = Number(a.posts);
const project = `bench-backup-${process.pid % 10000}`;
const dir = mkdtempSync(join(tmpdir(), 'berth-bench-backup-'));
const berth = (args: string[]) => {
  const r = spawnSync(process.execPath, ['bin/berth.js', ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`berth ${args.join(' ')}: ${r.stderr}`);
};
const timed = async <T>(fn: () => Promise<T> | T): Promise<[T, number]> => {
  const t = process.hrtime.bigint();
  const v = await fn();
  return [v, Number(process.hrtime.bigint() - t) / 1e9];
};
const MB = (f: string) => (statSync(f).size / 1e6).toFixed(1);

try {
  berth(['up', '--project', project, '--port', a.port!]);
  const docker = await connectEngine();
  const ch = await dockerDbsChannel(docker, project, 'dbs');
  seedSql(join(dir, 'seed.sql'), posts);
  await loadSql(ch, join(dir, 'seed.sql'));
  const rows: string[][] = [];
  // The plain tools, as an operator would run them by hand: the one table, no checks.
  const plain = join(dir, 'plain.sql');
  const [, dumpS] = await timed(() => spawnSync('sh', ['-c', `docker exec ${project}-dbs mariadb-dump --single-transaction sample_bbs contents > ${plain}`]));
  rows.push(['plain mariadb-dump (contents only)', dumpS.toFixed(2), MB(plain)]);
  const file = join(dir, 'berth.sql');
  const [, backupS] = await timed(() => backup(ch, file, {}, silentProgress));
  rows.push(['berth backup (all tables, checksum)', backupS.toFixed(2), MB(file)]);
  const [, loadS] = await timed(() => spawnSync('sh', ['-c', `docker exec -i ${project}-dbs mariadb sample_bbs < ${plain}`]));
  rows.push(['plain mariadb < dump', loadS.toFixed(2), MB(plain)]);
  const [r, restoreS] = await timed(() => restore(ch, file, { force: true }, silentProgress));
  rows.push([`berth restore --force (${r.posts} posts, checksum, staging + swap)`, restoreS.toFixed(2), MB(file)]);
  process.stdout.write(`${posts} posts, docker target\n| step | seconds | MB |\n|---|---:|---:|\n${rows.map((x) => `| ${x.join(' | ')} |`).join('\n')}\n`);
} finally {
  spawnSync(process.execPath, ['bin/berth.js', 'down', '--project', project, '--volumes'], { encoding: 'utf8' });
  rmSync(dir, { recursive: true, force: true });
}
