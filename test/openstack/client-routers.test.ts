// Attaching a subnet to a router when the first answer is lost: the client retries the PUT (a
// reset may come after Neutron did the work), and Neutron refuses the retry of an attach that took
// effect with a 400. Seen on the loaded sandbox as a failed `up`; against a fake cloud here.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { NetworkClient, OpenStackError, Session } from '../../src/deployer/openstack/index.js';
import { FakeServer, startFakeCloud, stopFakeCloud, json, reset } from './fake-cloud.js';

let server: FakeServer;
let session: Session;

beforeEach(async () => void ({ server, session } = await startFakeCloud()));
afterEach(() => stopFakeCloud({ server, session }));

const ATTACH = '/network/v2.0/routers/r1/add_router_interface';
const already = (subnet: string) =>
  json(400, { NeutronError: { type: 'BadRequest', message: `Bad router request: Router already has a port on subnet ${subnet}.`, detail: '' } });
const interfacePort = { id: 'p-if', network_id: 'n1', device_id: 'r1', fixed_ips: [{ subnet_id: 's1', ip_address: '192.168.0.1' }] };

describe('routers.addInterface', () => {
  it('a retry refused because the first attach took effect answers with the interface that is there', async () => {
    server.on('PUT', ATTACH, reset, already('s1'));
    server.on('GET', '/network/v2.0/ports', json(200, { ports: [interfacePort] }));
    const got = await new NetworkClient(session).routers.addInterface('r1', { subnet_id: 's1' });
    assert.deepEqual(got, { id: 'r1', port_id: 'p-if', subnet_id: 's1', subnet_ids: ['s1'], network_id: 'n1' });
    assert.equal(server.calls('PUT', ATTACH).length, 2, 'sent again after the reset');
    const [read] = server.calls('GET', '/network/v2.0/ports');
    assert.equal(read?.query.get('device_id'), 'r1');
    assert.equal(read?.query.get('device_owner'), 'network:router_interface');
  });

  it('the same 400 with no such interface on the router is the error it is', async () => {
    server.on('PUT', ATTACH, already('s1'));
    server.on('GET', '/network/v2.0/ports', json(200, { ports: [{ ...interfacePort, fixed_ips: [{ subnet_id: 's2', ip_address: '10.0.0.1' }] }] }));
    await assert.rejects(new NetworkClient(session).routers.addInterface('r1', { subnet_id: 's1' }), (err: unknown) => {
      assert.ok(err instanceof OpenStackError);
      assert.equal(err.status, 400);
      assert.match(err.message, /already has a port on subnet s1/);
      return true;
    });
  });

  it("another subnet's refusal is not taken for this one's success", async () => {
    server.on('PUT', ATTACH, already('s2'));
    server.on('GET', '/network/v2.0/ports', json(200, { ports: [interfacePort] }));
    await assert.rejects(new NetworkClient(session).routers.addInterface('r1', { subnet_id: 's1' }), /already has a port on subnet s2/);
    assert.equal(server.calls('GET', '/network/v2.0/ports').length, 0, 'nothing read for a refusal that is not about this subnet');
  });
});
