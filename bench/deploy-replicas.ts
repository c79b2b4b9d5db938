// bench:deploy's replicas part (issue 13; `npm run bench:deploy -- --replicas-only`, or after the
// rest with `--replicas`), on a cloud with Octavia, each on a stack of its own:
// - `up` of 2 web + 2 app replicas from nothing (two load balancers, their amphorae) and again with
//   nothing changed (its mutating calls: 0);
// - a rolling update of the replicas (web's and app's environment changed) under low-rate traffic
//   from the host to the stack's floating IP (GET / ~20/s, page posts with keys ~2/s): wall time,
//   failed requests (the goal is 0), seconds without an answer, posts stored once;
// - the same update of the tiered board with one server per tier, the same traffic: its downtime.
import type { OpenStack } from '../src/deployer/openstack/index.js';
import type { StackSpec } from '../src/deployer/stack/schema.js';
import { silentProgress } from '../src/deployer/targets/shared/progress.js';
import { down, planStack, resolveInputs, stackId, up, type InputFlags } from '../src/deployer/targets/openstack/index.js';
import { countOnBoard, downtime, getLoad, postLoad } from './board-traffic.js';

export interface ReplicasBenchOptions {
  stack: StackSpec;
  prefix: string;
  /** Inputs as the rest of the bench uses them (image, flavor, registry, cloud). */
  flags: InputFlags;
  /** Times fn as the rest of the bench does (wall time and mutating calls, one printed row). */
  timed: (what: string, fn: () => Promise<unknown>) => Promise<{ seconds: number; mutatingCalls: number }>;
}

const GET_RATE = 20;
const POST_RATE = 2;

/** The stack with web's and app's environment given BERTH_ROLL=value: a change that replaces them. */
const rolled = (stack: StackSpec, value: string): StackSpec => ({
  ...stack,
  services: Object.fromEntries(
    Object.entries(stack.services).map(([name, svc]) => [name, name === 'dbs' ? svc : { ...svc, environment: { ...svc.environment, BERTH_ROLL: value } }]),
  ),
});

export async function benchReplicas(os: OpenStack, o: ReplicasBenchOptions): Promise<void> {
  if (!(await os.loadBalancer.available())) {
    process.stderr.write('replicas: the cloud has no load-balancer service (Octavia): left out\n');
    return;
  }
  // Each part on its own: the one-server figure does not need the load balancers to have worked.
  const failed: string[] = [];
  for (const [suffix, replicas, what] of [
    ['r', ['web=2,app=2'], '2+2 replicas'],
    ['o', [], 'one server per tier'],
  ] as const)
    await benchOne(os, o, `${o.prefix}${suffix}`, [...replicas], what).catch((err: unknown) => {
      process.stderr.write(`!! ${what}: ${String(err)}\n`);
      failed.push(what);
    });
  if (failed.length) throw new Error(`the replicas bench failed for ${failed.join(' and ')} (above)`);
}

async function benchOne(os: OpenStack, o: ReplicasBenchOptions, prefix: string, replicas: string[], what: string): Promise<void> {
  const flags: InputFlags = { ...o.flags, prefix, replicas };
  const deploy = async (stack: StackSpec) => up(os, await planStack(os, stack, resolveInputs(stack, flags, {}), 'tiered'), 'ready', silentProgress, 1_500_000);
  const id = stackId(prefix, o.stack.name);
  try {
    let url = '';
    await o.timed(`up tiered, ${what} (to /readyz)`, async () => (url = (await deploy(o.stack)).url ?? ''));
    const noop = await o.timed(`up tiered, ${what}, nothing changed`, () => deploy(o.stack));
    if (noop.mutatingCalls !== 0) process.stderr.write(`!! the no-op up of ${what} made ${noop.mutatingCalls} mutating calls\n`);
    const label = `${prefix} bench post 🚢`;
    let traffic: [Awaited<ReturnType<typeof getLoad>>, Awaited<ReturnType<typeof postLoad>>] | undefined;
    await o.timed(`update web and app, ${what}, under traffic`, async () => {
      const update = deploy(rolled(o.stack, '2'));
      traffic = await Promise.all([getLoad(url, GET_RATE, 1800, update), postLoad(url, label, POST_RATE, 1800, update)]);
      await update;
    });
    const [gets, posts] = traffic!;
    const counts = await countOnBoard(url, label);
    const once = posts.stored.filter((t) => counts.get(t) === 1).length;
    const twice = [...counts.values()].filter((c) => c > 1).length;
    process.stderr.write(
      `  GET ${gets.ok} answered, ${gets.failed.length} failed; POST ${posts.ok} answered 303, ${posts.failed.length} failed; ` +
        `without an answer ${downtime([...gets.failed, ...posts.failed], GET_RATE).toFixed(1)} s; ` +
        `posts answered 303 (at once or on a retry with the same key) ${posts.stored.length}, on the board once ${once}, more than once ${twice}` +
        `${once === posts.stored.length && twice === 0 ? '' : '  !! POSTS LOST OR DOUBLED'}\n`,
    );
    for (const f of [...gets.failed, ...posts.failed].slice(0, 3)) process.stderr.write(`  e.g. ${new Date(f.at).toISOString()} ${f.why}\n`);
    await o.timed(`down tiered, ${what}`, () => down(os, { stack: id }, silentProgress, { volumes: true, allowDataLoss: true }));
  } finally {
    await down(os, { stack: id }, silentProgress, { volumes: true, allowDataLoss: true }).catch(() => undefined);
  }
}
