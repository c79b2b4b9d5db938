// What the apply phases share: the client, the desired state, what was read, the resolved names,
// and the ids of what exists so far (read, or made by an earlier phase).
import type { OpenStack } from '../../openstack/index.js';
import type { Progress } from '../shared/progress.js';
import type { DesiredState } from './desired.js';
import type { Step } from './diff.js';
import { ownerDescription } from './names.js';
import type { Observed } from './observed.js';
import type { PhaseClock } from './phases.js';
import type { Resolved } from './preflight.js';
import type { LbIds } from './apply-load-balancers.js';

export interface ApplyContext {
  os: OpenStack;
  d: DesiredState;
  o: Observed;
  steps: Step[];
  r: Resolved;
  progress: Progress;
  /** One step at a time, each server waited for (ready) before the next: the original's playbooks (for the benchmark). */
  sequential?: boolean;
  /** Times the phases of this `up` (the report's phases). */
  clock?: PhaseClock;
  /** network key -> id, subnet (network key) -> id, group key -> id, port name -> id, volume name -> id. */
  ids: {
    network: Map<string, string>;
    subnet: Map<string, string>;
    group: Map<string, string>;
    port: Map<string, string>;
    volume: Map<string, string>;
    /** Replicated service -> its load balancer (id, VIP port, pool). */
    lb: Map<string, LbIds>;
    router?: string;
  };
}

export const stepsOf = (c: ApplyContext, kind: Step['kind'], ...verbs: Step['verb'][]) => c.steps.filter((s) => s.kind === kind && verbs.includes(s.verb));

/** Fields every Neutron resource berth creates carries: the description that marks it ours. */
export const ownedBody = (c: ApplyContext) => ({ description: ownerDescription(c.d.id) });

export const tagsFor = (c: ApplyContext, tier?: string) => (tier ? [...c.d.tags, `berth-tier=${tier}`] : c.d.tags);

/** Runs fn over items at once, or one after another in sequential mode. */
export async function each<T>(c: ApplyContext, items: T[], fn: (x: T) => Promise<unknown>): Promise<void> {
  if (!c.sequential) {
    await together(items.map(fn));
    return;
  }
  for (const x of items) await fn(x);
}

/**
 * Waits for every one of the work under way, then throws the first failure: unlike Promise.all,
 * nothing is still creating resources after `up` has said it failed (a re-run would race it).
 */
export async function together(work: Promise<unknown>[]): Promise<void> {
  const failed = (await Promise.allSettled(work)).find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}
