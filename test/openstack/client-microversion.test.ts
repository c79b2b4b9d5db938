// Nova's microversion negotiation against a fake Nova on 127.0.0.1: the newest version both sides
// speak is chosen from the endpoint's version document and sent on every compute call; a Nova
// too old for berth is refused at connect with the range it offers. No cloud needed.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { CLIENT_MAX_MICROVERSION, cmp, ComputeClient, connect, OpenStackError, Session } from '../../src/deployer/openstack/index.js';
import { fakeCloud, fakeNovaVersion, FakeServer, startFakeCloud, stopFakeCloud, json } from './fake-cloud.js';

let server: FakeServer;
let session: Session;

beforeEach(async () => void ({ server, session } = await startFakeCloud()));
afterEach(() => stopFakeCloud({ server, session }));

const tooOld = (range: string) => (e: unknown) => {
  assert.ok(e instanceof OpenStackError, String(e));
  assert.equal(e.osMessage, `compute API microversions ${range}; berth needs at least 2.52`);
  return true;
};

describe('Nova microversion', () => {
  it('a newer Nova (Zed, 2.93): berth sends its own newest, 2.90, on every compute call', async () => {
    fakeNovaVersion(server, '2.93');
    server.on('GET', '/compute/v2.1/flavors/detail', json(200, { flavors: [] }));
    const compute = await ComputeClient.connect(session);
    assert.deepEqual(compute.microversion, { min: '2.1', max: '2.93', chosen: CLIENT_MAX_MICROVERSION });
    assert.equal(CLIENT_MAX_MICROVERSION, '2.90');
    await compute.flavors.list();
    const h = server.calls('GET', '/compute/v2.1/flavors/detail')[0]!.headers;
    assert.equal(h['openstack-api-version'], 'compute 2.90');
    assert.equal(h['x-openstack-nova-api-version'], '2.90');
  });

  it('an older Nova that has what berth needs (2.60): its own newest', async () => {
    fakeNovaVersion(server, '2.60', '2.1');
    assert.deepEqual((await ComputeClient.connect(session)).microversion, { min: '2.1', max: '2.60', chosen: '2.60' });
  });

  it('a Nova older than 2.52 (no tags at boot): refused at connect, with the range it offers', async () => {
    fakeNovaVersion(server, '2.38', '2.1');
    await assert.rejects(connect({ config: fakeCloud(server.url), retry: { attempts: 1 } }), tooOld('2.1-2.38'));
  });

  it('a compute endpoint without microversions (v2.0 only) is refused the same way', async () => {
    server.on('GET', /^\/compute\/v2\.1\/?$/, json(200, { version: { id: 'v2.0', status: 'SUPPORTED', version: '', min_version: '' } }));
    await assert.rejects(ComputeClient.connect(session), tooOld('2.0-2.0'));
  });

  it('a catalog URL with the project id: the version document one level up is read', async () => {
    const base = server.url;
    await session.close();
    session = new Session(fakeCloud(base, { endpointOverrides: { compute: `${base}/compute/v2.1/p1` } }));
    fakeNovaVersion(server, '2.93');
    // Some proxies answer nothing useful (or 404) under the project's path.
    server.on('GET', '/compute/v2.1/p1/', json(404, { itemNotFound: { code: 404, message: 'Not found' } }));
    assert.equal((await ComputeClient.connect(session)).microversion.chosen, '2.90');
    assert.deepEqual(
      server.seen.filter((s) => s.method === 'GET').map((s) => s.path),
      ['/compute/v2.1/p1/', '/compute/v2.1/'],
    );
  });

  it('compares versions by number: 2.9 < 2.10 < 2.90', () => {
    assert.ok(cmp('2.9', '2.10') < 0);
    assert.ok(cmp('2.10', '2.90') < 0);
    assert.equal(cmp('2.52', '2.52'), 0);
    assert.ok(cmp('3.1', '2.99') > 0);
  });
});
