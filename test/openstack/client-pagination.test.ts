// Lists that follow every page, in each service's style, against a fake cloud on 127.0.0.1:
// Neutron's and Nova's `<key>_links` next links, Glance's top-level `next` (which keeps only one
// of repeated filters), filters with repeated keys sent again on every page, a next link whose
// host is the service's own idea of itself, an empty last page, a link that loops. No cloud
// needed; pagination.test.ts does the same against the sandbox.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { ComputeClient, ImageClient, NetworkClient, Session } from '../../src/deployer/openstack/index.js';
import { collect, paginate, queryOf } from '../../src/deployer/openstack/pagination.js';
import { fakeNovaVersion, FakeServer, startFakeCloud, stopFakeCloud, json, type Reply, type Seen } from './fake-cloud.js';

let server: FakeServer;
let session: Session;

beforeEach(async () => void ({ server, session } = await startFakeCloud()));
afterEach(() => stopFakeCloud({ server, session }));

const ids = (xs: { id: string }[]) => xs.map((x) => x.id);
/** Each page request's query, as [key, value] pairs in order. */
const pagesOf = (path: string) => server.calls('GET', path).map((s: Seen) => [...s.query.entries()]);

/** Pages of a list keyed by the `marker` each request carries ('' for the first). */
function byMarker(pages: Record<string, unknown>): Reply {
  return (req, res) => {
    const page = pages[req.query.get('marker') ?? ''];
    json(page ? 200 : 400, page ?? { NeutronError: { message: `fake: no page for marker ${req.query.get('marker')}` } })(req, res);
  };
}

describe("paging in each service's style", () => {
  it("Neutron: ports_links next, our repeated filters and joined tags on every page, the link's host ignored", async () => {
    const link = (marker: string) => [
      { rel: 'next', href: `http://neutron.internal:9696/v2.0/ports?fixed_ips=ip_address%3D10.0.0.1&limit=2&marker=${marker}` },
      { rel: 'previous', href: 'http://neutron.internal:9696/v2.0/ports?page_reverse=True' },
    ];
    server.on(
      'GET',
      '/network/v2.0/ports',
      byMarker({
        '': { ports: [{ id: 'p1' }, { id: 'p2' }], ports_links: link('p2') },
        p2: { ports: [{ id: 'p3' }, { id: 'p4' }], ports_links: link('p4') },
        p4: { ports: [{ id: 'p5' }] },
      }),
    );
    const net = new NetworkClient(session);
    const ports = await net.ports.list({ fixed_ips: ['ip_address=10.0.0.1', 'ip_address=10.0.0.2'], tags: ['berth', 'stack=board'] }, { pageSize: 2 });
    assert.deepEqual(ids(ports), ['p1', 'p2', 'p3', 'p4', 'p5']);
    const pages = pagesOf('/network/v2.0/ports');
    assert.equal(pages.length, 3);
    for (const [n, q] of pages.entries()) {
      const get = (k: string) => q.filter(([key]) => key === k).map(([, v]) => v);
      assert.deepEqual(get('fixed_ips'), ['ip_address=10.0.0.1', 'ip_address=10.0.0.2'], `page ${n + 1}: both fixed_ips filters`);
      assert.deepEqual(get('tags'), ['berth,stack=board'], `page ${n + 1}: the tags, joined`);
      assert.deepEqual(get('limit'), ['2']);
      assert.deepEqual(get('marker'), [['', 'p2', 'p4'][n]].filter(Boolean));
    }
  });

  it('Nova: servers_links next through /servers/detail, the marker from the link; an empty last page ends it', async () => {
    fakeNovaVersion(server);
    const next = (m: string) => ({ servers_links: [{ rel: 'next', href: `http://nova.internal:8774/v2.1/servers/detail?limit=1&marker=${m}` }] });
    server.on(
      'GET',
      '/compute/v2.1/servers/detail',
      byMarker({
        '': { servers: [{ id: 's1', name: 'a' }], ...next('s1') },
        s1: { servers: [{ id: 's2', name: 'b' }], ...next('s2') },
        s2: { servers: [], ...next('s2-again') },
      }),
    );
    const compute = await ComputeClient.connect(session);
    assert.deepEqual(ids(await compute.servers.list({}, { pageSize: 1 })), ['s1', 's2']);
    assert.deepEqual(
      pagesOf('/compute/v2.1/servers/detail').map((q) => Object.fromEntries(q)),
      [{ limit: '1' }, { limit: '1', marker: 's1' }, { limit: '1', marker: 's2' }],
    );
  });

  it('Nova key pairs: each entry unwrapped from { keypair }, every page followed', async () => {
    fakeNovaVersion(server);
    server.on(
      'GET',
      '/compute/v2.1/os-keypairs',
      byMarker({
        '': { keypairs: [{ keypair: { name: 'k1' } }], keypairs_links: [{ rel: 'next', href: '/v2.1/os-keypairs?limit=1&marker=k1' }] },
        k1: { keypairs: [{ keypair: { name: 'k2' } }] },
      }),
    );
    const compute = await ComputeClient.connect(session);
    assert.deepEqual(
      (await compute.keypairs.list({}, { pageSize: 1 })).map((k) => k.name),
      ['k1', 'k2'],
    );
  });

  it('Glance: the top-level next keeps one of tag=a&tag=b, so both are sent again on every page', async () => {
    server.on(
      'GET',
      '/image/v2/images',
      byMarker({
        '': { images: [{ id: 'i1' }, { id: 'i2' }], next: '/v2/images?limit=2&marker=i2&tag=berth', first: '/v2/images' },
        i2: { images: [{ id: 'i3' }, { id: 'i4' }], next: '/v2/images?limit=2&marker=i4&tag=berth' },
        i4: { images: [{ id: 'i5' }], first: '/v2/images' },
      }),
    );
    const image = new ImageClient(session);
    assert.deepEqual(ids(await image.images.list({ tag: ['berth', 'board'] }, { pageSize: 2 })), ['i1', 'i2', 'i3', 'i4', 'i5']);
    const pages = pagesOf('/image/v2/images');
    assert.equal(pages.length, 3);
    for (const q of pages)
      assert.deepEqual(
        q.filter(([k]) => k === 'tag').map(([, v]) => v),
        ['berth', 'board'],
      );
  });

  it('what the link adds is kept (a sort key, the limit the service chose); our own first marker is not sent again', async () => {
    server.on(
      'GET',
      '/network/v2.0/networks',
      byMarker({
        m0: { networks: [{ id: 'n1' }], networks_links: [{ rel: 'next', href: 'http://x/v2.0/networks?limit=3&marker=n1&sort_key=name&sort_dir=asc' }] },
        n1: { networks: [{ id: 'n2' }] },
      }),
    );
    const it = paginate<{ id: string }>(session, 'network', '/networks', 'networks', { query: { marker: 'm0', shared: false } });
    assert.deepEqual(ids(await collect(it)), ['n1', 'n2']);
    assert.deepEqual(
      pagesOf('/network/v2.0/networks').map((q) => Object.fromEntries(q)),
      [
        { marker: 'm0', shared: 'false' },
        { limit: '3', marker: 'n1', sort_key: 'name', sort_dir: 'asc', shared: 'false' },
      ],
    );
  });

  it('a next link that comes back again ends the list instead of looping', { timeout: 10_000 }, async () => {
    server.on('GET', '/network/v2.0/subnets', json(200, { subnets: [{ id: 'x' }], subnets_links: [{ rel: 'next', href: '/v2.0/subnets?marker=x' }] }));
    const net = new NetworkClient(session);
    assert.deepEqual(ids(await net.subnets.list()), ['x', 'x']);
    assert.equal(server.calls('GET', '/network/v2.0/subnets').length, 2);
  });

  it('items come as pages arrive: iterate stops reading pages when the caller stops', async () => {
    server.on(
      'GET',
      '/network/v2.0/networks',
      byMarker({
        '': { networks: [{ id: 'n1' }], networks_links: [{ rel: 'next', href: '/v2.0/networks?marker=n1' }] },
        n1: { networks: [{ id: 'n2' }] },
      }),
    );
    const net = new NetworkClient(session);
    for await (const n of net.networks.iterate()) {
      assert.equal(n.id, 'n1');
      break;
    }
    assert.equal(server.calls('GET', '/network/v2.0/networks').length, 1);
  });

  it("a link's query: a key given more than once becomes an array", () => {
    assert.deepEqual(queryOf('/v2/images?tag=a&tag=b&limit=2&marker=m'), { tag: ['a', 'b'], limit: '2', marker: 'm' });
    assert.deepEqual(queryOf('http://h:9696/v2.0/ports'), {});
  });
});
