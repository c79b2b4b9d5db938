// Octavia's client (os.loadBalancer) against a fake Octavia on 127.0.0.1: the v2 paths under an
// unversioned catalog URL, bodies in Octavia's wire names, members under their pool, the waits
// for provisioning_status ACTIVE (ERROR reported with the statuses), a delete retried while the
// load balancer is immutable, the cascade delete, and a cloud without Octavia. No cloud needed.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { LoadBalancerClient, OpenStackError, Session } from '../../src/deployer/openstack/index.js';
import { fakeCloud, fakeKeystone, FakeServer, json } from './fake-cloud.js';

let server: FakeServer;
let session: Session;
let lb: LoadBalancerClient;

async function start(withOctavia: boolean): Promise<void> {
  server = new FakeServer();
  await server.start();
  const base = server.url;
  fakeKeystone(server, {
    catalog: [
      { type: 'identity', endpoints: [{ interface: 'public', region_id: 'RegionOne', url: `${base}/v3` }] },
      { type: 'network', endpoints: [{ interface: 'public', region_id: 'RegionOne', url: `${base}/network` }] },
      // Octavia's catalog URL carries no version, as the sandbox's and most clouds' do.
      ...(withOctavia ? [{ type: 'load-balancer', endpoints: [{ interface: 'public', region_id: 'RegionOne', url: `${base}/lb` }] }] : []),
    ],
  });
  session = new Session(fakeCloud(base), { retry: { attempts: 3, baseDelayMs: 5 } });
  lb = new LoadBalancerClient(session);
}

const LB = (status: string, extra: object = {}) => ({
  loadbalancer: {
    id: 'lb1',
    name: 'repl-board-web-lb',
    provisioning_status: status,
    operating_status: 'OFFLINE',
    vip_address: '192.168.0.5',
    vip_port_id: 'vp1',
    vip_subnet_id: 's1',
    listeners: [],
    pools: [],
    ...extra,
  },
});

describe('os.loadBalancer on a cloud with Octavia', () => {
  beforeEach(() => start(true));
  afterEach(async () => {
    await session.close();
    await server.stop();
  });

  it("reads the project's quotas at /v2/lbaas/quotas/{project}, in either of Octavia's spellings, unset as unlimited", async () => {
    server.on('GET', '/lb/v2/lbaas/quotas/p1', json(200, { quota: { load_balancer: 3, listener: -1, pool: 7, healthmonitor: 4, member: 50 } }));
    assert.deepEqual(await lb.quotas('p1'), { load_balancer: 3, listener: -1, pool: 7, health_monitor: 4, member: 50 });
    server.on('GET', '/lb/v2/lbaas/quotas/p2', json(200, { quota: { loadbalancer: 1, health_monitor: 2 } }));
    assert.deepEqual(await lb.quotas('p2'), { load_balancer: 1, listener: -1, pool: -1, health_monitor: 2, member: -1 });
  });

  it('creates a load balancer at /v2/lbaas/loadbalancers and waits until it is ACTIVE', async () => {
    server.on('POST', '/lb/v2/lbaas/loadbalancers', json(201, LB('PENDING_CREATE')));
    server.on('GET', '/lb/v2/lbaas/loadbalancers/lb1', json(200, LB('PENDING_CREATE')), json(200, LB('PENDING_CREATE')), json(200, LB('ACTIVE')));
    const made = await lb.loadBalancers.create({ name: 'repl-board-web-lb', vip_subnet_id: 's1', tags: ['berth'] });
    assert.equal(made.provisioning_status, 'PENDING_CREATE');
    assert.deepEqual(JSON.parse(server.calls('POST', '/lb/v2/lbaas/loadbalancers')[0]!.body), {
      loadbalancer: { name: 'repl-board-web-lb', vip_subnet_id: 's1', tags: ['berth'] },
    });
    const active = await lb.loadBalancers.waitActive('lb1', { intervalMs: 5 });
    assert.equal(active.vip_address, '192.168.0.5');
    assert.equal(server.calls('GET', '/lb/v2/lbaas/loadbalancers/lb1').length, 3, 'read until ACTIVE, not beyond');
  });

  it('a load balancer in ERROR stops the wait at once, with its name and statuses', async () => {
    server.on('GET', '/lb/v2/lbaas/loadbalancers/lb1', json(200, LB('PENDING_CREATE')), json(200, LB('ERROR', { operating_status: 'ERROR' })));
    await assert.rejects(lb.loadBalancers.waitActive('lb1', { intervalMs: 5 }), (e: unknown) => {
      assert.ok(e instanceof OpenStackError);
      assert.equal(e.osMessage, 'loadbalancer repl-board-web-lb went to ERROR (provisioning_status ERROR, operating_status ERROR)');
      return true;
    });
    assert.equal(server.calls('GET', '/lb/v2/lbaas/loadbalancers/lb1').length, 2);
  });

  it('a wait that runs out says how far it got', async () => {
    server.on('GET', '/lb/v2/lbaas/loadbalancers/lb1', json(200, LB('PENDING_UPDATE')));
    await assert.rejects(lb.loadBalancers.waitActive('lb1', { intervalMs: 5, timeoutMs: 30 }), /not ACTIVE after 30 ms \(PENDING_UPDATE\)/);
  });

  it('members live under their pool; a weight change is a PUT of { member }', async () => {
    const member = {
      id: 'm1',
      name: 'repl-board-web-2',
      address: '192.168.0.11',
      protocol_port: 80,
      weight: 1,
      provisioning_status: 'ACTIVE',
      operating_status: 'ONLINE',
    };
    server.on('GET', '/lb/v2/lbaas/pools/p1/members', json(200, { members: [member] }));
    server.on('PUT', '/lb/v2/lbaas/pools/p1/members/m1', json(200, { member: { ...member, weight: 0, provisioning_status: 'PENDING_UPDATE' } }));
    const members = lb.members('p1');
    assert.deepEqual(
      (await members.list()).map((m) => [m.name, m.operating_status]),
      [['repl-board-web-2', 'ONLINE']],
    );
    const drained = await members.update('m1', { weight: 0 });
    assert.equal(drained.weight, 0);
    assert.deepEqual(JSON.parse(server.calls('PUT', '/lb/v2/lbaas/pools/p1/members/m1')[0]!.body), { member: { weight: 0 } });
  });

  it('a delete refused while the load balancer is immutable (409) is retried; the cascade delete says cascade', async () => {
    const immutable = json(409, { faultcode: 'Client', faultstring: 'Load Balancer lb1 is immutable and cannot be updated.', debuginfo: null });
    server.on('DELETE', '/lb/v2/lbaas/pools/p1/members/m1', immutable, json(204));
    await lb.members('p1').delete('m1');
    assert.equal(server.calls('DELETE', '/lb/v2/lbaas/pools/p1/members/m1').length, 2);
    server.on('DELETE', '/lb/v2/lbaas/loadbalancers/lb1', json(204));
    await lb.loadBalancers.deleteCascade('lb1');
    assert.equal(server.calls('DELETE', '/lb/v2/lbaas/loadbalancers/lb1')[0]!.query.get('cascade'), 'true');
  });

  it("Octavia's own error body (faultstring) is the error's message; a missing one counts as deleted when asked", async () => {
    server.on(
      'POST',
      '/lb/v2/lbaas/listeners',
      json(400, { faultcode: 'Client', faultstring: 'Invalid input for field/attribute protocol_port.', debuginfo: null }),
    );
    await assert.rejects(lb.listeners.create({ name: 'l', loadbalancer_id: 'lb1', protocol: 'HTTP', protocol_port: 0 }), (e: unknown) => {
      assert.ok(e instanceof OpenStackError);
      assert.equal(e.status, 400);
      assert.equal(e.osMessage, 'Invalid input for field/attribute protocol_port.');
      return true;
    });
    server.on('DELETE', '/lb/v2/lbaas/healthmonitors/h1', json(404, { faultcode: 'Client', faultstring: 'Health Monitor h1 not found.' }));
    await lb.healthMonitors.delete('h1', { ignoreMissing: true });
    await assert.rejects(lb.healthMonitors.delete('h1'), /Health Monitor h1 not found/);
  });

  it('lists follow loadbalancers_links; find asks by exact name; waitForDeleted ends at 404', async () => {
    const page = (ids: string[], next?: string) =>
      json(200, {
        loadbalancers: ids.map((id) => LB('ACTIVE', { id, name: `n-${id}` }).loadbalancer),
        loadbalancers_links: next ? [{ rel: 'next', href: next }] : [],
      });
    server.on('GET', '/lb/v2/lbaas/loadbalancers', (req, res) =>
      (req.query.get('marker') === 'b'
        ? page(['c'])
        : req.query.get('name')
          ? page(['b'])
          : page(['a', 'b'], 'http://elsewhere/v2/lbaas/loadbalancers?marker=b'))(req, res),
    );
    assert.deepEqual(
      (await lb.loadBalancers.list({ tags: ['berth'] })).map((x) => x.id),
      ['a', 'b', 'c'],
    );
    assert.equal((await lb.loadBalancers.find('n-b'))?.id, 'b');
    assert.equal(server.calls('GET', '/lb/v2/lbaas/loadbalancers').at(-1)!.query.get('name'), 'n-b');
    server.on('GET', '/lb/v2/lbaas/loadbalancers/lb1', json(200, LB('PENDING_DELETE')), json(404, { faultcode: 'Client', faultstring: 'not found' }));
    await lb.loadBalancers.waitForDeleted('lb1', { intervalMs: 5 });
  });

  it("the status tree gives each member's operating status", async () => {
    const tree = {
      statuses: {
        loadbalancer: {
          id: 'lb1',
          name: 'x',
          provisioning_status: 'ACTIVE',
          operating_status: 'DEGRADED',
          listeners: [
            {
              id: 'l1',
              name: 'l',
              provisioning_status: 'ACTIVE',
              operating_status: 'DEGRADED',
              pools: [
                {
                  id: 'p1',
                  name: 'p',
                  provisioning_status: 'ACTIVE',
                  operating_status: 'DEGRADED',
                  members: [
                    { id: 'm1', name: 'w1', address: '192.168.0.10', protocol_port: 80, provisioning_status: 'ACTIVE', operating_status: 'ONLINE' },
                    { id: 'm2', name: 'w2', address: '192.168.0.11', protocol_port: 80, provisioning_status: 'ACTIVE', operating_status: 'ERROR' },
                  ],
                },
              ],
            },
          ],
        },
      },
    };
    server.on('GET', '/lb/v2/lbaas/loadbalancers/lb1/status', json(200, tree));
    const t = await lb.loadBalancers.statusTree('lb1');
    assert.deepEqual(
      t.loadbalancer.listeners![0]!.pools![0]!.members!.map((m) => `${m.name}=${m.operating_status}`),
      ['w1=ONLINE', 'w2=ERROR'],
    );
  });
});

describe('os.loadBalancer on a cloud without Octavia', () => {
  beforeEach(() => start(false));
  afterEach(async () => {
    await session.close();
    await server.stop();
  });

  it('says it is not available, and a call fails naming what the catalog has', async () => {
    assert.equal(await lb.available(), false);
    await assert.rejects(lb.loadBalancers.list(), /the catalog has no "load-balancer" service/);
  });
});
