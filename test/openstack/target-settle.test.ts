// After an interrupted `up`, the next one reads the cloud until the reads stop changing (creates
// the cloud was still carrying out appear meanwhile); a cloud with no sign of an interrupted run
// is read exactly once. A scripted reader and a fake clock: this is the waiting logic only (the
// real race is in target-faults.test.ts).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { emptyObserved, type Observed, type ObservedPort } from '../../src/deployer/targets/openstack/observed.js';
import { interruptedSigns, settledRead, SETTLE } from '../../src/deployer/targets/openstack/settle.js';

const port = (id: string, o: Partial<ObservedPort> = {}): ObservedPort => ({
  id,
  name: id,
  owned: true,
  tagged: true,
  networkId: 'n',
  ips: [],
  mac: '',
  groupIds: [],
  deviceId: 'server-1',
  deviceOwner: 'compute:nova',
  ...o,
});
const server = (id: string, status = 'ACTIVE') => ({ id, name: id, status, metadata: {}, tags: [], addresses: [] });
const state = (x: Partial<Observed>): Observed => ({ ...emptyObserved(), ...x });

/** A reader that returns the scripted states in turn (the last one from then on), on a fake clock. */
function scripted(states: Observed[]) {
  let t = 0;
  let reads = 0;
  const waits: string[] = [];
  return {
    read: async () => states[Math.min(reads++, states.length - 1)]!,
    deps: { now: () => t, sleep: async (ms: number) => void (t += ms), onWait: (m: string) => void waits.push(m) },
    get reads() {
      return reads;
    },
    get elapsed() {
      return t;
    },
    waits,
  };
}

const whole = state({ ports: [port('p1')], servers: [server('server-1')] });

describe('reading the cloud after an interrupted up', () => {
  it('reads once when nothing shows an interrupted run', async () => {
    const s = scripted([whole]);
    assert.equal(await settledRead(s.read, SETTLE, s.deps), whole);
    assert.equal(s.reads, 1);
    assert.deepEqual(s.waits, []);
  });

  it('sees an untagged resource, an unbound port and a building server as signs', () => {
    assert.deepEqual(interruptedSigns(whole), []);
    assert.deepEqual(interruptedSigns(state({ ports: [port('p1', { tagged: false })], servers: [server('server-1')] })), ['1 untagged']);
    assert.deepEqual(interruptedSigns(state({ ports: [port('p1', { deviceId: '' })] })), ['1 unbound port(s)']);
    assert.deepEqual(interruptedSigns(state({ ports: [port('p1')], servers: [server('server-1', 'BUILD')] })), ['1 building']);
    assert.deepEqual(interruptedSigns(state({ ports: [port('x', { owned: false, tagged: false, deviceId: '' })] })), [], 'what is not ours is no sign');
  });

  it('waits for what the cloud was still making, then until nothing changed for a while', async () => {
    const unbound = state({ ports: [port('p1', { deviceId: '' })] });
    const booted = state({ ports: [port('p1', { deviceId: '' })], servers: [server('server-1', 'BUILD')] });
    const s = scripted([unbound, unbound, booted]);
    const o = await settledRead(s.read, SETTLE, s.deps);
    assert.deepEqual(
      o.servers.map((x) => x.id),
      ['server-1'],
      'the late server is in what the diff sees',
    );
    assert.match(s.waits.join(), /an earlier run was interrupted \(1 unbound port\(s\)\)/);
    // It appeared at the third read (4 s); quiet for 4 s more: read at 6 and 8 s.
    assert.equal(s.elapsed, 8000);
    assert.equal(s.reads, 5);
  });

  it('counts a resource being tagged as a change: it waits until the tagging is over too', async () => {
    const untagged = state({ ports: [port('p1', { tagged: false })], servers: [server('server-1')] });
    const tagged = state({ ports: [port('p1')], servers: [server('server-1')] });
    const s = scripted([untagged, untagged, tagged]);
    const o = await settledRead(s.read, SETTLE, s.deps);
    assert.equal(o.ports[0]!.tagged, true, 'the diff sees the port tagged');
    assert.match(s.waits.join(), /\(1 untagged\)/);
    // Tagged at the third read (4 s); quiet for 4 s more: read at 6 and 8 s.
    assert.equal(s.elapsed, 8000);
    assert.equal(s.reads, 5);
  });

  it('waits at least the minimum even when the first reads agree, and a status change is no change', async () => {
    const s = scripted([state({ servers: [server('a', 'BUILD')] }), state({ servers: [server('a', 'ACTIVE')] })]);
    await settledRead(s.read, SETTLE, s.deps);
    assert.equal(s.elapsed, SETTLE.minMs);
  });

  it('waits for a volume still being attached (its status unchanged for long) until it is in use, then diffs', async () => {
    const vol = (status: string, serverIds: string[]) => ({ id: 'v1', name: 'v', owned: true, status, size: 1, serverIds });
    const attaching = state({ ports: [port('p1')], servers: [server('server-1')], volumes: [vol('attaching', [])] });
    const attached = state({ ports: [port('p1')], servers: [server('server-1')], volumes: [vol('in-use', ['server-1'])] });
    // Nova takes 40 s for the attach (a busy host): ten reads with nothing changed, then in use.
    const s = scripted([...Array<Observed>(20).fill(attaching), attached]);
    const o = await settledRead(s.read, SETTLE, s.deps);
    assert.deepEqual(o.volumes![0]!.serverIds, ['server-1'], 'the diff sees the attachment made');
    assert.match(s.waits.join(), /1 volume\(s\) being made or attached/);
    // In use at the 21st read (40 s); quiet for 4 s more.
    assert.equal(s.elapsed, 44_000);
  });

  it('gives up waiting after the maximum and goes on with the last read', async () => {
    let n = 0;
    const s = scripted([]);
    const o = await settledRead(async () => state({ ports: Array.from({ length: ++n }, (_, i) => port(`p${i}`, { tagged: false })) }), SETTLE, s.deps);
    assert.equal(s.elapsed, SETTLE.maxMs);
    assert.equal(o.ports.length, n);
  });
});
