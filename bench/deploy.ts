// `npm run bench:deploy`: wall time of `berth up --target openstack` on the sandbox (or any cloud),
// to a board answering /readyz: single; tiered; tiered again with the same plan applied one step
// at a time, each server waited for before the next (as the original's playbooks do); `up` with
// nothing changed (and its mutating calls, which must be 0); `down`. See docs/openstack.md.
// Single and tiered also print their phases (when each server's began and ended), beside the
// floor: one bare instance of the same image with a trivial user-data, before and after the
// `up`s (bench/floor.ts), and the ratio up / floor; and three bare instances at once, the floor of
// tiered's three guests booting together. Then the data part (bench/deploy-data.ts): the
// no-op `up` with the volume, and dbs replaced with --posts posts beside an empty board's replace.
// With --replicas (or --replicas-only), on a cloud with Octavia, the replicas part
// (bench/deploy-replicas.ts): 2+2 replicas up and a rolling update under traffic, beside the same
// update with one server per tier. See docs/bench.md.
//
//   npm run bench:deploy -- [--cloud berth-demo] [--image debian-12-docker] [--flavor m1.tiny]
//                           [--registry 198.51.100.1:5000] [--registry-ca FILE] [--tag latest] [--quick] [--json FILE]
//                           [--posts 100000] [--key-name berth] [--ssh-key FILE] [--ssh-cidr CIDR] [--data-only]
//                           [--replicas] [--replicas-only]
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { connect, type OpenStack } from '../src/deployer/openstack/index.js';
import type { LayoutName } from '../src/deployer/layouts/plan.js';
import { loadStackFile } from '../src/deployer/stack/load.js';
import { silentProgress } from '../src/deployer/targets/shared/progress.js';
import { benchReplaceDbs } from './deploy-data.js';
import { benchReplicas } from './deploy-replicas.js';
import { down, PhaseClock, planStack, renderPhases, resolveInputs, stackId, up, type UpResult } from '../src/deployer/targets/openstack/index.js';
import { floor, floorReport, type Floor } from './floor.js';

const { values: a } = parseArgs({
  options: {
    cloud: { type: 'string', default: process.env.OS_CLOUD ?? 'berth-demo' },
    image: { type: 'string', default: 'debian-12-docker' },
    flavor: { type: 'string', default: 'm1.tiny' },
    registry: { type: 'string', default: '198.51.100.1:5000' },
    'registry-ca': { type: 'string', default: '/var/tmp/berth-openstack/registry-ca.crt' },
    tag: { type: 'string', default: 'latest' },
    // Leaves out the step-by-step tiered run (the longest): for a before/after of the phases.
    quick: { type: 'boolean', default: false },
    json: { type: 'string' },
    posts: { type: 'string', default: '100000' },
    'data-only': { type: 'boolean', default: false },
    replicas: { type: 'boolean', default: false },
    'replicas-only': { type: 'boolean', default: false },
    'key-name': { type: 'string', default: 'berth' },
    'ssh-key': { type: 'string', default: '/var/tmp/berth-openstack/state/ssh/berth_ed25519' },
    'ssh-cidr': { type: 'string', default: '198.51.100.0/24' },
  },
});

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
let mutations = 0;
const { stack } = loadStackFile();
const run = `bench${process.pid % 10000}`;
const results: { what: string; seconds: number; mutatingCalls: number }[] = [];

async function timed(what: string, fn: () => Promise<unknown>): Promise<void> {
  mutations = 0;
  const started = Date.now();
  await fn();
  const r = { what, seconds: (Date.now() - started) / 1000, mutatingCalls: mutations };
  results.push(r);
  process.stderr.write(`${what.padEnd(44)} ${r.seconds.toFixed(1).padStart(7)} s  ${String(r.mutatingCalls).padStart(4)} mutating calls\n`);
}

function inputs(prefix: string) {
  return resolveInputs(
    stack,
    { prefix, image: a.image, flavor: [a.flavor!], registry: a.registry, registryCa: a['registry-ca'], tag: a.tag, cloud: a.cloud },
    {},
  );
}

const ups: UpResult[] = [];
async function deploy(os: OpenStack, prefix: string, layout: LayoutName, sequential = false) {
  const i = inputs(prefix);
  const clock = new PhaseClock();
  const plan = await clock.step('read', () => planStack(os, stack, i, layout));
  ups.push(await up(os, plan, 'ready', silentProgress, 900_000, sequential, { clock }));
}

/** Phases of the last `up` (see renderPhases), and its page's answer for the floor report. */
function lastPhases(what: string): { what: string; seconds: number; page?: number } {
  const r = ups.at(-1)!.phases;
  process.stderr.write(renderPhases(r));
  const page = r.steps.find((s) => s.name === 'page');
  return { what, seconds: r.seconds, ...(page ? { page: page.end } : {}) };
}
const floors: Floor[] = [];
const measured: { what: string; seconds: number; page?: number }[] = [];
const timedFloor = async (n: number, count = 1) => {
  const what = count === 1 ? 'bare instance' : `${count} bare instances at once`;
  await timed(`floor ${n}: ${what} to HTTP answer`, async () => floors.push(await floor(os, `${run}-floor${n}`, a.image!, a.flavor!, count)));
  process.stderr.write(`  ${JSON.stringify(floors.at(-1))}\n`); // at once: a run that fails later still shows it
};

const os = await connect({
  cloud: a.cloud,
  timeoutMs: 60_000,
  retry: { attempts: 6 },
  log: (e) => void (MUTATING.has(e.method) && e.attempt === 1 && mutations++),
});
// --data-only: only the data part (bench/deploy-data.ts), e.g. to measure it again on its own.
if (a['data-only'] || a['replicas-only']) {
  await (a['data-only'] ? dataPart(os) : replicasPart(os)).finally(() => os.close());
  if (a.json) writeFileSync(a.json, JSON.stringify(results, null, 2));
  process.exit(0);
}
try {
  await timedFloor(1);
  await timed('up single (to /readyz)', () => deploy(os, `${run}s`, 'single'));
  measured.push(lastPhases('up single'));
  await timed('down single', () => down(os, { stack: stackId(`${run}s`, stack.name) }, silentProgress, { volumes: true, allowDataLoss: true }));
  await timed('up tiered (to /readyz)', () => deploy(os, `${run}t`, 'tiered'));
  measured.push(lastPhases('up tiered'));
  await timed('up tiered, nothing changed', () => deploy(os, `${run}t`, 'tiered'));
  await timed('down tiered', () => down(os, { stack: stackId(`${run}t`, stack.name) }, silentProgress, { volumes: true, allowDataLoss: true }));
  if (!a.quick) {
    await timed('up tiered one step at a time (playbook-like)', () => deploy(os, `${run}q`, 'tiered', true));
    await timed('down tiered (after the step-by-step up)', () =>
      down(os, { stack: stackId(`${run}q`, stack.name) }, silentProgress, { volumes: true, allowDataLoss: true }),
    );
  }
  await timedFloor(2);
  await timedFloor(3, 3);
  process.stderr.write(floorReport(floors, measured));
  await dataPart(os);
  if (a.replicas) await replicasPart(os);
} finally {
  for (const p of ['s', 't', 'q'])
    await down(os, { stack: stackId(`${run}${p}`, stack.name) }, silentProgress, { volumes: true, allowDataLoss: true }).catch(() => 0);
  await os.close();
}
/** bench/deploy-data.ts on a stack of its own (`${run}d`), timed as the rest. */
async function dataPart(os: OpenStack): Promise<void> {
  await benchReplaceDbs(os, {
    stack,
    prefix: `${run}d`,
    flags: { image: a.image, flavor: [a.flavor!], registry: a.registry, registryCa: a['registry-ca'], cloud: a.cloud },
    keyName: a['key-name']!,
    sshKey: a['ssh-key']!,
    sshCidr: a['ssh-cidr']!,
    posts: Number(a.posts),
    timed: async (what, fn) => {
      await timed(what, fn);
      return results.at(-1)!;
    },
  });
}
/** bench/deploy-replicas.ts on stacks of their own (`${run}r`, `${run}o`), timed as the rest. */
async function replicasPart(os: OpenStack): Promise<void> {
  await benchReplicas(os, {
    stack,
    prefix: run,
    flags: { image: a.image, flavor: [a.flavor!], registry: a.registry, registryCa: a['registry-ca'], cloud: a.cloud, tag: a.tag },
    timed: async (what, fn) => {
      await timed(what, fn);
      return results.at(-1)!;
    },
  });
}
if (a.json) writeFileSync(a.json, JSON.stringify({ results, floors, phases: ups.map((u) => u.phases) }, null, 2));
