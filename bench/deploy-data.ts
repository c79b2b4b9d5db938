// bench:deploy's data part (bench/deploy.ts calls it): the board on a Cinder volume, tiered, on a
// stack of its own (the key pair and the host's CIDR, so its dbs is reached over SSH):
// - `up` with nothing changed, the volume kept and attached: wall time and mutating calls (0);
// - dbs replaced (its environment changed) with an empty board: the baseline;
// - the same with --posts posts (100,000) loaded: wall time, posts before and after (all kept).
import { copyFileSync, chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OpenStack } from '../src/deployer/openstack/index.js';
import { postCount } from '../src/deployer/data/index.js';
import type { StackSpec } from '../src/deployer/stack/schema.js';
import { silentProgress } from '../src/deployer/targets/shared/progress.js';
import { down, planStack, resolveInputs, sshDbsChannel, stackId, up, type InputFlags } from '../src/deployer/targets/openstack/index.js';
import { loadSql, seedSql } from '../test/helpers/board-data.js';

export interface DataBenchOptions {
  stack: StackSpec;
  prefix: string;
  /** Inputs as the rest of the bench uses them (image, flavor, registry, cloud). */
  flags: InputFlags;
  keyName: string;
  /** The key pair's private key (copied: ssh wants a file only its user reads). */
  sshKey: string;
  sshCidr: string;
  posts: number;
  /** Times fn as the rest of the bench does (wall time and mutating calls, one printed row). */
  timed: (what: string, fn: () => Promise<unknown>) => Promise<{ seconds: number; mutatingCalls: number }>;
}

/** The stack with dbs's environment given TZ=value: a change that replaces the dbs server. */
const dbsWithTz = (stack: StackSpec, value: string): StackSpec => ({
  ...stack,
  services: { ...stack.services, dbs: { ...stack.services.dbs!, environment: { ...stack.services.dbs!.environment, TZ: value } } },
});

export async function benchReplaceDbs(os: OpenStack, o: DataBenchOptions): Promise<{ postsBefore: number; postsAfter: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'berth-bench-data-'));
  const key = join(dir, 'id');
  copyFileSync(o.sshKey, key);
  chmodSync(key, 0o600);
  const flags: InputFlags = { ...o.flags, prefix: o.prefix, keyName: o.keyName, sshCidr: o.sshCidr };
  // A cloud API that gave no answer in time (a loaded sandbox) fails the up; it is run once more,
  // as berth's hint says, and said so beside the figure (its time then includes both runs).
  const deploy = async (stack: StackSpec) => {
    const once = async () => up(os, await planStack(os, stack, resolveInputs(stack, flags, {}), 'tiered'), 'ready', silentProgress, 900_000);
    await once().catch(async (err: Error) => {
      if (!/no answer within/.test(err.message)) throw err;
      process.stderr.write(`(a cloud API did not answer in time: ${err.message}; up run once more)\n`);
      await once();
    });
  };
  const id = stackId(o.prefix, o.stack.name);
  const dbs = () => sshDbsChannel(os, id, o.stack.name, 'dbs', { user: 'debian', key });
  try {
    await o.timed('up tiered with a volume (to /readyz)', () => deploy(o.stack));
    const noop = await o.timed('up tiered with a volume, nothing changed', () => deploy(o.stack));
    if (noop.mutatingCalls !== 0) process.stderr.write(`!! the no-op up with a volume made ${noop.mutatingCalls} mutating calls\n`);
    await o.timed('replace dbs, empty board (baseline)', () => deploy(dbsWithTz(o.stack, 'UTC')));
    seedSql(join(dir, 'seed.sql'), o.posts);
    const load = Date.now();
    await loadSql(await dbs(), join(dir, 'seed.sql'));
    const postsBefore = await postCount(await dbs());
    process.stderr.write(`(loaded ${postsBefore} posts over SSH in ${((Date.now() - load) / 1000).toFixed(1)} s)\n`);
    await o.timed(`replace dbs with ${postsBefore} posts`, () => deploy(dbsWithTz(o.stack, 'Etc/UTC')));
    const postsAfter = await postCount(await dbs());
    process.stderr.write(`posts kept through the replace: ${postsAfter} of ${postsBefore}${postsAfter === postsBefore ? '' : '  !! LOST POSTS'}\n`);
    await o.timed('down tiered --volumes', () => down(os, { stack: id }, silentProgress, { volumes: true, allowDataLoss: true }));
    return { postsBefore, postsAfter };
  } finally {
    await down(os, { stack: id }, silentProgress, { volumes: true, allowDataLoss: true }).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}
