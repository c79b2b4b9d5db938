// `npm run bench`: load from a separate process against the board's tiers, each in its own
// process as in production (web → app → database), and against a bare node:http hello-world
// server as the machine's ceiling. See docs/bench.md.
//
//   npm run bench -- [--duration 10] [--connections 50] [--quick] [--rounds 1] [--engine sqlite|mysql|both]
//                    [--posts 1000,1000000] [--log-level info] [--cpu-prof DIR] [--json FILE] [--keep]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { DatabaseTarget } from '../src/board/dbs/url.js';
import { parseDatabaseUrl } from '../src/board/dbs/url.js';
import type { LoadResult } from './load.js';
import { cpuMicros, freePort, killAllNow, runLoad, startServer, type Server } from './procs.js';
import { createMysqlDatabase, seedMysql, seedSqlite, type MysqlBenchDatabase } from './seed.js';

const USAGE = `usage: npm run bench -- [options]
  --duration S        seconds of load per scenario (default 10)
  --connections N     concurrent connections (default 50)
  --quick             smoke run: 2 s per scenario
  --rounds N          measure every scenario N times, interleaved, and report medians (default 1)
  --engine E          sqlite (default), mysql, or both
  --posts LIST        posts seeded, comma-separated (default 1000,1000000)
  --log-level L       LOG_LEVEL of the tiers (default info: one JSON line per request, to a file)
  --mysql-url URL     server for --engine mysql; a fresh berth_test_bench_* database is made on it
                      (default $BENCH_MYSQL_URL, $TEST_MYSQL_URL, or mysql://berth:berth-test@127.0.0.1:3306/berth_test)
  --cpu-prof DIR      write V8 CPU profiles of the web and app tiers into DIR
  --json FILE         also write the results as JSON
  --keep              keep the temporary directory (databases, tier logs)`;

const TARGET_SHARE = 0.25;
const TARGET_P50_GROWTH = 1.3;

type Engine = DatabaseTarget['engine'];

interface Row {
  scenario: string;
  engine: Engine | '-';
  posts: number | null;
  route: 'hello' | 'GET /' | 'GET /api/v1/posts';
  result: LoadResult;
  /** CPU µs per response used by each server process during the measurement. */
  cpu: Record<string, number>;
}

function options() {
  const { values } = parseArgs({
    options: {
      duration: { type: 'string', default: '10' },
      connections: { type: 'string', default: '50' },
      quick: { type: 'boolean', default: false },
      rounds: { type: 'string', default: '1' },
      engine: { type: 'string', default: 'sqlite' },
      posts: { type: 'string', default: '1000,1000000' },
      'log-level': { type: 'string', default: 'info' },
      'mysql-url': { type: 'string' },
      'cpu-prof': { type: 'string' },
      json: { type: 'string' },
      keep: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const duration = values.quick ? 2 : Number(values.duration);
  const connections = Number(values.connections);
  const rounds = Number(values.rounds);
  const posts = values.posts.split(',').map((s) => Number(s.replace(/_/g, '')));
  const engines: Engine[] =
    values.engine === 'both' ? ['sqlite', 'mysql'] : values.engine === 'mysql' ? ['mysql'] : values.engine === 'sqlite' ? ['sqlite'] : [];
  const bad = (what: string) => {
    process.stderr.write(`bench: invalid ${what}\n${USAGE}\n`);
    process.exit(2);
  };
  if (!(duration > 0)) bad('--duration');
  if (!Number.isInteger(connections) || connections < 1) bad('--connections');
  if (!Number.isInteger(rounds) || rounds < 1) bad('--rounds');
  if (!posts.length || posts.some((n) => !Number.isInteger(n) || n < 0)) bad('--posts');
  if (!engines.length) bad('--engine');
  return {
    duration,
    connections,
    rounds,
    posts,
    engines,
    logLevel: values['log-level'],
    mysqlUrl: values['mysql-url'] ?? process.env.BENCH_MYSQL_URL ?? process.env.TEST_MYSQL_URL ?? 'mysql://berth:berth-test@127.0.0.1:3306/berth_test',
    cpuProf: values['cpu-prof'] ? path.resolve(values['cpu-prof']) : undefined,
    json: values.json,
    keep: values.keep,
  };
}

const opts = options();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bench-'));
const mysqlDbs = new Set<MysqlBenchDatabase>();
const servers = new Set<Server>();
const say = (line = '') => process.stdout.write(`${line}\n`);

async function cleanup(): Promise<void> {
  await Promise.allSettled([...servers].map((s) => s.stop()));
  killAllNow();
  await Promise.allSettled([...mysqlDbs].map((d) => d.drop()));
  if (opts.keep) say(`kept ${tmp}`);
  else fs.rmSync(tmp, { recursive: true, force: true });
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    process.stderr.write(`\nbench: ${signal}, stopping\n`);
    void cleanup().finally(() => process.exit(130));
  });
}
process.once('exit', () => {
  killAllNow();
  if (!opts.keep) fs.rmSync(tmp, { recursive: true, force: true });
});

async function measure(url: string, ...procs: Server[]): Promise<{ result: LoadResult; cpu: Record<string, number> }> {
  // A short warm-up (not counted) so that every server is measured after JIT compilation.
  await runLoad<LoadResult>({ url, connections: opts.connections, duration: 1 });
  const before = procs.map((p) => cpuMicros(p.child.pid));
  const result = await runLoad<LoadResult>({ url, connections: opts.connections, duration: opts.duration });
  const cpu: Record<string, number> = {};
  procs.forEach((p, i) => (cpu[p.name] = (cpuMicros(p.child.pid) - before[i]!) / Math.max(1, result.responses)));
  cpu.load = result.loadCpuUsPerReq;
  return { result, cpu };
}

async function started(s: Promise<Server>): Promise<Server> {
  const server = await s;
  servers.add(server);
  return server;
}

async function stop(...list: Server[]): Promise<void> {
  for (const s of list) {
    await s.stop();
    servers.delete(s);
  }
}

function profArgs(name: string): string[] {
  if (!opts.cpuProf) return [];
  // One directory per tier: tsx's loader thread writes a profile too (the larger file is the main thread).
  const dir = path.join(opts.cpuProf, name);
  fs.mkdirSync(dir, { recursive: true });
  return ['--cpu-prof', `--cpu-prof-dir=${dir}`];
}

async function startHello(): Promise<Server> {
  const port = await freePort();
  return started(
    startServer({
      name: 'hello',
      script: 'bench/hello.ts',
      env: { PORT: String(port) },
      url: `http://127.0.0.1:${port}/`,
      readyPath: '/',
      logFile: path.join(tmp, 'hello.log'),
    }),
  );
}

/** Seeds a fresh database with `count` posts and returns the app's DATABASE_URL for it. */
async function seed(engine: Engine, count: number): Promise<{ url: string; seconds: number }> {
  const t0 = performance.now();
  if (engine === 'sqlite') {
    const file = path.join(tmp, `board-${count}.sqlite`);
    await seedSqlite(file, count);
    return { url: `sqlite:${file}`, seconds: (performance.now() - t0) / 1000 };
  }
  const created = await createMysqlDatabase(opts.mysqlUrl);
  mysqlDbs.add(created);
  await seedMysql(created.url, parseDatabaseUrl(created.url), count);
  return { url: created.url, seconds: (performance.now() - t0) / 1000 };
}

interface Stack {
  engine: Engine;
  posts: number;
  app: Server;
  web: Server;
  seedSeconds: number;
}

/** A seeded database with its app and web tiers, each in its own process. */
async function startStack(engine: Engine, count: number): Promise<Stack> {
  process.stdout.write(`seeding ${engine} with ${count.toLocaleString('en')} posts... `);
  const db = await seed(engine, count);
  say(`${db.seconds.toFixed(1)} s`);
  const appPort = await freePort();
  const webPort = await freePort();
  const tag = `${engine}-${count}`;
  const app = await started(
    startServer({
      name: 'app',
      script: 'src/board/app/main.ts',
      env: { APP_PORT: String(appPort), HOST: '127.0.0.1', DATABASE_URL: db.url, LOG_LEVEL: opts.logLevel },
      url: `http://127.0.0.1:${appPort}/`,
      readyPath: '/readyz',
      logFile: path.join(tmp, `app-${tag}.log`),
      nodeArgs: profArgs(`app-${tag}`),
    }),
  );
  const web = await started(
    startServer({
      name: 'web',
      script: 'src/board/web/main.ts',
      env: { WEB_PORT: String(webPort), HOST: '127.0.0.1', REST_URL: `http://127.0.0.1:${appPort}`, LOG_LEVEL: opts.logLevel },
      url: `http://127.0.0.1:${webPort}/`,
      readyPath: '/readyz',
      logFile: path.join(tmp, `web-${tag}.log`),
      nodeArgs: profArgs(`web-${tag}`),
    }),
  );
  await checkPage(web.url, count);
  return { engine, posts: count, app, web, seedSeconds: db.seconds };
}

const median = (values: number[]) => {
  const v = values.filter(Number.isFinite).sort((x, y) => x - y);
  if (!v.length) return NaN;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
};

/** Several rounds of one scenario folded into one row: medians, and errors summed. */
function fold(runs: Row[]): Row {
  const first = runs[0]!;
  const m = (f: (r: LoadResult) => number) => median(runs.map((r) => f(r.result)));
  const sum = (f: (r: LoadResult) => number) => runs.reduce((n, r) => n + f(r.result), 0);
  const statusCodes: Record<string, number> = {};
  for (const r of runs) for (const [k, n] of Object.entries(r.result.statusCodes)) statusCodes[k] = (statusCodes[k] ?? 0) + n;
  const cpu: Record<string, number> = {};
  for (const k of Object.keys(first.cpu)) cpu[k] = median(runs.map((r) => r.cpu[k]!));
  return {
    ...first,
    cpu,
    result: {
      ...first.result,
      seconds: sum((r) => r.seconds),
      responses: sum((r) => r.responses),
      rps: m((r) => r.rps),
      p50: m((r) => r.p50),
      p99: m((r) => r.p99),
      non2xx: sum((r) => r.non2xx),
      socketErrors: sum((r) => r.socketErrors),
      timeouts: sum((r) => r.timeouts),
      statusCodes,
      loadCpuUsPerReq: m((r) => r.loadCpuUsPerReq),
    },
  };
}

/**
 * Every scenario once per round, in the same order, so that scenarios compared with each other
 * (1k against 1M posts, a tier against hello-world) are measured minutes apart at most.
 */
async function measureAll(hello: Server, stacks: Stack[]): Promise<Row[]> {
  const runs = new Map<string, Row[]>();
  const add = (row: Row) => {
    const key = `${row.route}|${row.engine}|${row.posts}`;
    runs.set(key, [...(runs.get(key) ?? []), row]);
  };
  for (let round = 1; round <= opts.rounds; round++) {
    const prefix = opts.rounds > 1 ? `round ${round}/${opts.rounds}: ` : '';
    add({ scenario: 'hello-world (node:http)', engine: '-', posts: null, route: 'hello', ...(await measure(hello.url, hello)) });
    say(`${prefix}hello-world ${fmt(runs.get('hello|-|null')!.at(-1)!.result.rps, 0)} req/s`);
    for (const route of ['GET /', 'GET /api/v1/posts'] as const) {
      for (const s of stacks) {
        const row =
          route === 'GET /'
            ? { scenario: `GET / (web→app→${s.engine})`, ...(await measure(s.web.url, s.web, s.app)) }
            : { scenario: `GET /api/v1/posts (app→${s.engine})`, ...(await measure(new URL('/api/v1/posts', s.app.url).href, s.app)) };
        add({ ...row, engine: s.engine, posts: s.posts, route });
        say(`${prefix}${route} ${s.engine} ${s.posts.toLocaleString('en')} posts: ${fmt(row.result.rps, 0)} req/s, p50 ${fmt(row.result.p50)} ms`);
      }
    }
  }
  return [...runs.values()].map(fold);
}

/** The page under load must be the real board page, not an error page. */
async function checkPage(url: string, count: number): Promise<void> {
  const res = await fetch(url);
  const html = await res.text();
  const rows = (html.match(/<tr>/g) ?? []).length;
  const expected = Math.min(count, 20);
  if (res.status !== 200 || (count > 0 && !html.includes('<table class="contents">')) || rows !== expected) {
    throw new Error(`GET / answered ${res.status} with ${rows} rows (expected 200 with ${expected})`);
  }
}

const fmt = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : '-');
const errorsOf = (r: LoadResult) => r.non2xx + r.socketErrors + r.timeouts;

function table(headers: string[], rows: string[][], right: boolean[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (right[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

async function main(): Promise<number> {
  const cpus = os.cpus();
  say('berth board benchmark (informational: targets print PASS/FAIL; the exit status is non-zero only on errors or a failed server)');
  say(
    `machine: ${cpus.length} × ${cpus[0]?.model.trim() ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}`,
  );
  say(
    `load: autocannon (own process), ${opts.connections} connections, ${opts.duration} s per scenario after a 1 s warm-up` +
      (opts.rounds > 1 ? `, ${opts.rounds} interleaved rounds (medians shown)` : '') +
      '; ' +
      `web, app and hello-world each in their own process on 127.0.0.1`,
  );
  say(
    `tiers: LOG_LEVEL=${opts.logLevel}` +
      (opts.logLevel === 'info' ? ' (the default: one JSON log line per request, written to a file, as in production)' : ''),
  );
  say();

  const hello = await startHello();
  const stacks: Stack[] = [];
  for (const engine of opts.engines) for (const count of opts.posts) stacks.push(await startStack(engine, count));
  const seedTimes = new Map(stacks.map((s) => [`${s.engine}:${s.posts}`, s.seedSeconds]));
  say();
  const rows = await measureAll(hello, stacks);
  await stop(hello, ...stacks.flatMap((s) => [s.web, s.app]));

  const ceiling = rows[0]!.result;
  say();
  say(
    table(
      ['scenario', 'posts', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'CPU µs per request'],
      rows.map((r) => [
        r.scenario,
        r.posts === null ? '-' : r.posts.toLocaleString('en'),
        fmt(r.result.rps, 0),
        fmt(r.result.p50),
        fmt(r.result.p99),
        String(errorsOf(r.result)),
        Object.entries(r.cpu)
          .map(([k, us]) => `${k} ${fmt(us, 0)}`)
          .join(', '),
      ]),
      [false, true, true, true, true, true, false],
    ),
  );

  const checks: string[][] = [];
  for (const r of rows.filter((x) => x.route === 'GET /')) {
    const share = r.result.rps / ceiling.rps;
    checks.push([
      `GET / req/s ÷ hello-world req/s (${r.engine}, ${r.posts!.toLocaleString('en')} posts)`,
      `${fmt(share * 100, 1)} %`,
      `≥ ${TARGET_SHARE * 100} %`,
      share >= TARGET_SHARE ? 'PASS' : 'FAIL',
    ]);
  }
  const small = Math.min(...opts.posts);
  const large = Math.max(...opts.posts);
  if (small !== large) {
    for (const engine of opts.engines) {
      for (const route of ['GET /', 'GET /api/v1/posts'] as const) {
        const a = rows.find((r) => r.engine === engine && r.route === route && r.posts === small)!;
        const b = rows.find((r) => r.engine === engine && r.route === route && r.posts === large)!;
        const growth = b.result.p50 / a.result.p50;
        checks.push([
          `p50 ${route} at ${large.toLocaleString('en')} ÷ at ${small.toLocaleString('en')} posts (${engine})`,
          `${fmt(growth)}×`,
          `≤ ${TARGET_P50_GROWTH}×`,
          growth <= TARGET_P50_GROWTH ? 'PASS' : 'FAIL',
        ]);
      }
    }
  }
  const totalErrors = rows.reduce((n, r) => n + errorsOf(r.result), 0);
  checks.push(['errors (non-2xx + socket errors + timeouts), all scenarios', String(totalErrors), '= 0', totalErrors === 0 ? 'PASS' : 'FAIL']);
  say();
  say(table(['target', 'measured', 'target', 'result'], checks, [false, true, false, false]));
  say();
  for (const [key, seconds] of seedTimes) {
    const [engine, count] = key.split(':');
    say(
      `seed time, ${engine}, ${Number(count).toLocaleString('en')} posts: ${fmt(seconds, 1)} s${Number(count) >= 1_000_000 ? (seconds < 60 ? ' (PASS, < 60 s)' : ' (FAIL, ≥ 60 s)') : ''}`,
    );
  }
  for (const r of rows.filter((x) => errorsOf(x.result) > 0)) {
    say(
      `errors in ${r.scenario} (${r.posts ?? '-'} posts): status codes ${JSON.stringify(r.result.statusCodes)}, socket errors ${r.result.socketErrors}, timeouts ${r.result.timeouts}`,
    );
  }
  if (opts.cpuProf) say(`CPU profiles of the tiers: ${opts.cpuProf}`);
  if (opts.json) {
    fs.writeFileSync(
      opts.json,
      `${JSON.stringify({ options: opts, machine: { cpus: cpus.length, model: cpus[0]?.model, node: process.version }, rows, seedTimes: Object.fromEntries(seedTimes), checks }, null, 2)}\n`,
    );
  }
  return totalErrors > 0 ? 1 : 0;
}

let status = 1;
try {
  status = await main();
} catch (err) {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
  status = 1;
} finally {
  await cleanup();
}
process.exit(status);
