// Octavia (v2): load balancers, listeners, pools, members and health monitors, each in the same
// resource shape as the other services. Octavia changes a load balancer asynchronously: a create,
// update or delete answers at once with PENDING_*, and the load balancer takes no other change
// until it is ACTIVE again (a 409 "immutable" meanwhile). So every change is followed by a wait
// for provisioning_status ACTIVE; ERROR stops the wait with what the cloud says of it.
import { setTimeout as sleep } from 'node:timers/promises';
import { OpenStackError } from '../errors.js';
import { enc, ignore404, Resource, type DeleteOptions, type ResourceSpec } from '../resource.js';
import type { Session } from '../session.js';
import type * as T from './types.js';

export interface LbWaitOptions {
  timeoutMs?: number;
  /** First pause between two reads (it grows to 3 s). */
  intervalMs?: number;
}

/** Octavia's 409 while the load balancer is PENDING_* ("... is immutable and cannot be updated"). */
const IMMUTABLE = (e: OpenStackError) => /immutable|PENDING_/i.test(`${e.osMessage}`);

/** A resource of Octavia: the common calls, and waits on its provisioning_status. */
export class LbResource<Item extends T.LbCommon, C, U = Partial<C>> extends Resource<Item, C, U> {
  constructor(session: Session, spec: Omit<ResourceSpec, 'service'>) {
    super(session, { service: 'load-balancer', nameFilter: true, deleteConflict: IMMUTABLE, ...spec });
  }

  /** Polls until provisioning_status is ACTIVE; ERROR fails at once with the resource's statuses. */
  async waitActive(id: string, o: LbWaitOptions = {}): Promise<Item> {
    return poll(
      () => this.get(id),
      (x) => x.provisioning_status === 'ACTIVE',
      (x) => (x.provisioning_status === 'ERROR' ? lbError(this.spec.path, x, `went to ERROR`) : undefined),
      (x) => lbError(this.spec.path, x, `not ACTIVE after ${o.timeoutMs ?? DEFAULT_TIMEOUT} ms (${x.provisioning_status})`),
      o,
    );
  }

  /** Polls until the resource is gone (404 or DELETED). */
  async waitForDeleted(id: string, o: LbWaitOptions = {}): Promise<void> {
    await poll(
      () => this.getIfExists(id),
      (x) => !x || x.provisioning_status === 'DELETED',
      (x) => (x && x.provisioning_status === 'ERROR' ? lbError(this.spec.path, x, 'went to ERROR while being deleted') : undefined),
      (x) => lbError(this.spec.path, x!, `still there after ${o.timeoutMs ?? DEFAULT_TIMEOUT} ms (${x?.provisioning_status})`),
      o,
    );
  }
}

export class LoadBalancers extends LbResource<T.LoadBalancer, T.LoadBalancerCreate, { name?: string; description?: string; tags?: string[] }> {
  /** Deletes; `cascade` takes its listeners, pools, members and monitors with it (one call). */
  async deleteCascade(id: string, o: DeleteOptions = {}): Promise<void> {
    await ignore404(
      this.session.request('load-balancer', 'DELETE', this.itemPath(id), { query: { cascade: 'true' }, retryConflict: IMMUTABLE }),
      o.ignoreMissing,
    );
  }

  /** The status tree: each listener, pool, monitor and member with its operating status. */
  async statusTree(id: string): Promise<T.StatusTree> {
    return ((await this.call('GET', `${this.itemPath(id)}/status`)) as { statuses: T.StatusTree }).statuses;
  }
}

export class LoadBalancerClient {
  readonly loadBalancers: LoadBalancers;
  readonly listeners: LbResource<T.Listener, T.ListenerCreate, Partial<Pick<T.ListenerCreate, 'name' | 'default_pool_id'>>>;
  readonly pools: LbResource<T.Pool, T.PoolCreate, Partial<Pick<T.PoolCreate, 'name' | 'lb_algorithm'>>>;
  readonly healthMonitors: LbResource<T.HealthMonitor, T.HealthMonitorCreate, Partial<Omit<T.HealthMonitorCreate, 'pool_id' | 'type'>>>;

  constructor(private readonly session: Session) {
    this.loadBalancers = new LoadBalancers(session, { path: '/lbaas/loadbalancers', key: 'loadbalancer', plural: 'loadbalancers' });
    this.listeners = new LbResource(session, { path: '/lbaas/listeners', key: 'listener', plural: 'listeners' });
    this.pools = new LbResource(session, { path: '/lbaas/pools', key: 'pool', plural: 'pools' });
    this.healthMonitors = new LbResource(session, { path: '/lbaas/healthmonitors', key: 'healthmonitor', plural: 'healthmonitors' });
  }

  /** A pool's members (a collection under the pool: /lbaas/pools/{pool_id}/members). */
  members(poolId: string): LbResource<T.Member, T.MemberCreate, T.MemberUpdate> {
    return new LbResource(this.session, { path: `/lbaas/pools/${enc(poolId)}/members`, key: 'member', plural: 'members' });
  }

  /**
   * The project's load-balancer quotas, under the names quotaNeeds uses (-1: unlimited). Octavia
   * gives no usage here: count it with the lists (loadBalancerFree in targets/openstack/preflight.ts).
   */
  async quotas(projectId: string): Promise<T.LbQuotas> {
    const res = await this.session.request<{ quota: Record<string, number | undefined> }>('load-balancer', 'GET', `/lbaas/quotas/${enc(projectId)}`);
    const q = res.body.quota;
    // Octavia answers in both spellings (load_balancer / loadbalancer, health_monitor / healthmonitor).
    const of = (...keys: string[]) => keys.map((k) => q[k]).find((v) => typeof v === 'number') ?? -1;
    return {
      load_balancer: of('load_balancer', 'loadbalancer'),
      listener: of('listener'),
      pool: of('pool'),
      health_monitor: of('health_monitor', 'healthmonitor'),
      member: of('member'),
    };
  }

  /** Whether the cloud offers load balancers at all (a load-balancer service in the catalog). */
  available(): Promise<boolean> {
    return this.session.hasService('load-balancer');
  }
}

const DEFAULT_TIMEOUT = 600_000;

async function poll<X>(
  read: () => Promise<X>,
  done: (x: X) => boolean,
  failed: (x: X) => Error | undefined,
  late: (x: X) => Error,
  o: LbWaitOptions,
): Promise<X> {
  const deadline = Date.now() + (o.timeoutMs ?? DEFAULT_TIMEOUT);
  for (let delay = o.intervalMs ?? 1000; ; delay = Math.min(delay * 1.5, 3000)) {
    const x = await read();
    if (done(x)) return x;
    const err = failed(x);
    if (err) throw err;
    if (Date.now() + delay > deadline) throw late(x);
    await sleep(delay);
  }
}

function lbError(path: string, x: T.LbCommon, what: string): OpenStackError {
  const kind = path.split('/').at(-1)!.replace(/s$/, '');
  const reason = `provisioning_status ${x.provisioning_status}, operating_status ${x.operating_status}`;
  return new OpenStackError({
    service: 'load-balancer',
    method: 'GET',
    path: `${path}/${x.id}`,
    status: 200,
    osMessage: `${kind} ${x.name || x.id} ${what} (${reason})`,
    osType: 'LoadBalancerError',
  });
}

export type * from './types.js';
