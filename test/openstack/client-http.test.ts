// The OpenStack client's retry rules (docs/openstack.md, src/deployer/openstack/http.ts) against a
// real HTTP server on 127.0.0.1 that answers as scripted: what is retried, what never is (a POST
// that may have happened), how long it waits, and the error a caller gets. No cloud needed; the
// sandbox's faults.test.ts is the acceptance test of the same rules.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { HttpClient, parseRetryAfter, type CallOptions, type RequestLog } from '../../src/deployer/openstack/http.js';
import { OpenStackError } from '../../src/deployer/openstack/index.js';
import { FakeServer, hang, json, novaError, reset, type Reply } from './fake-cloud.js';

let server: FakeServer;
let http: HttpClient;
let log: RequestLog[];
const FAST = { attempts: 4, baseDelayMs: 5, maxDelayMs: 20, maxRetryAfterMs: 5000 };

beforeEach(async () => {
  server = new FakeServer();
  await server.start();
  log = [];
  http = new HttpClient({ retry: FAST, timeoutMs: 5000, log: (e) => log.push(e) });
});
afterEach(async () => {
  await http.close();
  await server.stop();
});

const call = (method: CallOptions['method'], path = '/compute/v2.1/servers', o: Partial<CallOptions> = {}) =>
  http.call({
    service: 'compute',
    method,
    url: `${server.url}${path}`,
    ...(method === 'POST' || method === 'PUT' ? { json: { server: { name: 'x' } } } : {}),
    ...o,
  });
const ok = json(200, { servers: [] });
const attempts = (method = 'GET', path = '/compute/v2.1/servers') => server.calls(method, path).length;

/** Asserts an OpenStackError of this status (undefined: no answer) and returns it. */
async function fails(p: Promise<unknown>, status: number | undefined): Promise<OpenStackError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(err instanceof OpenStackError, `expected an OpenStackError, got ${String(err)}`);
  assert.equal(err.status, status, err.message);
  return err;
}

describe('retries: 429 and 503 (refused, not done) for any method', () => {
  it('429 with Retry-After: waits that long, then the real answer', async () => {
    server.on('GET', '/compute/v2.1/servers', novaError(429, 'overLimit', 'slow down', { 'retry-after': '1' }), ok);
    const res = await call('GET');
    assert.equal(res.status, 200);
    const [a, b] = server.calls('GET', '/compute/v2.1/servers');
    assert.ok(b!.at - a!.at >= 1000, `the second attempt came ${b!.at - a!.at} ms after the first, Retry-After said 1 s`);
  });

  it('429 on a POST is retried too: the request was refused, so nothing happened', async () => {
    server.on('POST', '/compute/v2.1/servers', novaError(429, 'overLimit', 'slow down', { 'retry-after': '0' }), json(202, { server: { id: 's1' } }));
    assert.deepEqual((await call('POST')).body, { server: { id: 's1' } });
    assert.equal(attempts('POST'), 2);
  });

  it("a Retry-After longer than allowed fails at once, with OpenStack's message", async () => {
    server.on('GET', '/compute/v2.1/servers', novaError(429, 'overLimit', 'Over the rate limit', { 'retry-after': '3600' }), ok);
    const err = await fails(call('GET'), 429);
    assert.equal(attempts(), 1);
    assert.equal(err.message, 'compute GET /compute/v2.1/servers: HTTP 429: Over the rate limit [request req-overLimit]');
  });

  it('503 on a POST: retried with backoff until the real answer', async () => {
    const unavailable = json(503, 'Service Unavailable', { 'content-type': 'text/plain' });
    server.on('POST', '/compute/v2.1/servers', unavailable, unavailable, json(202, { server: { id: 's1' } }));
    assert.equal((await call('POST')).status, 202);
    assert.equal(attempts('POST'), 3);
  });

  it('a 503 that lasts: exactly `attempts` tries, then the last answer as the error', async () => {
    server.on('GET', '/compute/v2.1/servers', novaError(503, 'serviceUnavailable', 'down for maintenance'));
    const err = await fails(call('GET'), 503);
    assert.equal(attempts(), FAST.attempts);
    assert.equal(err.osMessage, 'down for maintenance');
    assert.equal(err.requestId, 'req-serviceUnavailable');
    assert.deepEqual(
      log.map((l) => [l.attempt, l.status]),
      [
        [1, 503],
        [2, 503],
        [3, 503],
        [4, 503],
      ],
    );
  });

  it('backs off exponentially: each wait at least half of base × 2^(attempt-1)', async () => {
    const slow = new HttpClient({ retry: { attempts: 4, baseDelayMs: 100, maxDelayMs: 10_000 } });
    try {
      server.on('GET', '/compute/v2.1/servers', novaError(503, 'serviceUnavailable', 'busy'));
      await fails(slow.call({ service: 'compute', method: 'GET', url: `${server.url}/compute/v2.1/servers` }), 503);
      const at = server.calls('GET', '/compute/v2.1/servers').map((s) => s.at);
      const gaps = at.slice(1).map((t, i) => t - at[i]!);
      assert.equal(gaps.length, 3);
      gaps.forEach((g, i) => assert.ok(g >= (100 * 2 ** i) / 2, `wait ${i + 1} was ${g} ms, at least ${(100 * 2 ** i) / 2} expected (${gaps.join(', ')})`));
    } finally {
      await slow.close();
    }
  });
});

describe('retries: other 5xx, resets and timeouts only where a repeat is safe', () => {
  for (const method of ['GET', 'PUT', 'DELETE'] as const) {
    it(`a 500 on a ${method} is retried`, async () => {
      server.on(method, '/compute/v2.1/servers', novaError(500, 'computeFault', 'oops'), json(200, {}));
      assert.equal((await call(method)).status, 200);
      assert.equal(attempts(method), 2);
    });
  }

  it('a 500 or 502 on a POST is not retried: it may have happened', async () => {
    server.on('POST', '/compute/v2.1/servers', novaError(500, 'computeFault', 'oops'), json(202, {}));
    await fails(call('POST'), 500);
    server.on('POST', '/compute/v2.1/os-keypairs', json(502, 'Bad Gateway', { 'content-type': 'text/html' }), json(200, {}));
    await fails(call('POST', '/compute/v2.1/os-keypairs'), 502);
    assert.equal(attempts('POST'), 1);
    assert.equal(attempts('POST', '/compute/v2.1/os-keypairs'), 1);
  });

  it('a reset connection on a GET is retried', async () => {
    server.on('GET', '/compute/v2.1/servers', reset, ok);
    assert.equal((await call('GET')).status, 200);
    assert.equal(attempts(), 2);
    assert.equal(log[0]!.status, undefined);
    assert.match(log[0]!.error ?? '', /SOCKET|ECONNRESET/);
  });

  it('a reset connection on a POST is not retried, and says that no answer came', async () => {
    server.on('POST', '/compute/v2.1/servers', reset, json(202, {}));
    const err = await fails(call('POST'), undefined);
    assert.equal(attempts('POST'), 1);
    assert.match(err.message, /^compute POST \/compute\/v2\.1\/servers: no response: /);
  });

  it('a POST that only reads (idempotent: true, the console log) is retried after a reset', async () => {
    server.on('POST', '/compute/v2.1/servers/s1/action', reset, json(200, { output: 'login:' }));
    const res = await call('POST', '/compute/v2.1/servers/s1/action', { json: { 'os-getConsoleOutput': {} }, idempotent: true });
    assert.deepEqual(res.body, { output: 'login:' });
    assert.equal(attempts('POST', '/compute/v2.1/servers/s1/action'), 2);
  });

  it('a hung endpoint: each GET attempt times out, then a clear error', async () => {
    server.on('GET', '/compute/v2.1/servers', hang);
    const err = await fails(call('GET', '/compute/v2.1/servers', { timeoutMs: 150 }), undefined);
    assert.equal(attempts(), FAST.attempts);
    assert.match(err.osMessage, /^no answer within 150 ms \(/);
  });

  it('a POST that times out is not retried', async () => {
    server.on('POST', '/compute/v2.1/servers', hang);
    const err = await fails(call('POST', '/compute/v2.1/servers', { timeoutMs: 150 }), undefined);
    assert.equal(attempts('POST'), 1);
    assert.match(err.osMessage, /no answer within 150 ms/);
  });

  it('a refused connection is retried for any method, a POST too (nothing was sent)', async () => {
    // A port that was just free: nothing listens on it.
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const err = await fails(http.call({ service: 'network', method: 'POST', url: `http://127.0.0.1:${port}/v2.0/ports`, json: {} }), undefined);
    assert.equal(err.osType, 'ECONNREFUSED');
    assert.deepEqual(
      log.map((l) => [l.attempt, l.error]),
      [
        [1, 'ECONNREFUSED'],
        [2, 'ECONNREFUSED'],
        [3, 'ECONNREFUSED'],
        [4, 'ECONNREFUSED'],
      ],
    );
  });
});

describe('retries: 409 only for task-state conflicts, never 400, 401, 403, 404, 413', () => {
  it('a 409 task-state conflict is retried', async () => {
    server.on(
      'POST',
      '/compute/v2.1/servers/s1/action',
      novaError(409, 'conflictingRequest', "Cannot 'start' instance s1 while it is in task_state powering-off"),
      json(202),
    );
    assert.equal((await call('POST', '/compute/v2.1/servers/s1/action', { json: { 'os-start': null } })).status, 202);
    assert.equal(attempts('POST', '/compute/v2.1/servers/s1/action'), 2);
  });

  it('other 409s are not retried (a name taken, a quota)', async () => {
    server.on('POST', '/compute/v2.1/os-keypairs', novaError(409, 'conflictingRequest', "Key pair 'k' already exists."), json(200, {}));
    const err = await fails(call('POST', '/compute/v2.1/os-keypairs'), 409);
    assert.equal(attempts('POST', '/compute/v2.1/os-keypairs'), 1);
    assert.equal(err.osType, 'conflictingRequest');
  });

  it('a caller\'s own rule for 409 (Neutron\'s "in use" on a delete)', async () => {
    server.on(
      'DELETE',
      '/network/v2.0/networks/n1',
      json(409, {
        NeutronError: {
          type: 'NetworkInUse',
          message: 'Unable to complete operation on network n1. There are one or more ports still in use on the network.',
          detail: '',
        },
      }),
      json(204),
    );
    const res = await http.call({
      service: 'network',
      method: 'DELETE',
      url: `${server.url}/network/v2.0/networks/n1`,
      retryConflict: (e) => e.osType === 'NetworkInUse',
    });
    assert.equal(res.status, 204);
    assert.equal(attempts('DELETE', '/network/v2.0/networks/n1'), 2);
  });

  for (const [status, type] of [
    [400, 'badRequest'],
    [401, 'unauthorized'],
    [403, 'forbidden'],
    [404, 'itemNotFound'],
    [413, 'overLimit'],
  ] as const) {
    it(`a ${status} on a GET is final: one attempt, OpenStack's message and request id`, async () => {
      server.on('GET', '/compute/v2.1/servers', novaError(status, type, `the ${type} message`), ok);
      const err = await fails(call('GET'), status);
      assert.equal(attempts(), 1);
      assert.equal(err.message, `compute GET /compute/v2.1/servers: HTTP ${status}: the ${type} message [request req-${type}]`);
      assert.equal(err.osType, type);
    });
  }

  it('a 404 is retried when the caller asks (a fresh port not yet seen by every worker)', async () => {
    server.on(
      'POST',
      '/network/v2.0/floatingips',
      json(404, { NeutronError: { type: 'PortNotFound', message: 'Port p1 could not be found.', detail: '' } }),
      json(201, { floatingip: { id: 'f1' } }),
    );
    const res = await http.call({
      service: 'network',
      method: 'POST',
      url: `${server.url}/network/v2.0/floatingips`,
      json: { floatingip: { port_id: 'p1' } },
      retryNotFound: true,
    });
    assert.equal(res.status, 201);
    assert.equal(attempts('POST', '/network/v2.0/floatingips'), 2);
  });
});

describe('requests and answers', () => {
  it('sends JSON with its content type and reads JSON back; a text answer stays text', async () => {
    server.on('PUT', '/network/v2.0/ports/p1', (req, res) => json(200, { echo: JSON.parse(req.body), type: req.headers['content-type'] })(req, res));
    server.on('GET', '/compute/v2.1/servers', json(200, 'plain words', { 'content-type': 'text/plain' }));
    const res = await call('PUT', '/network/v2.0/ports/p1');
    assert.deepEqual(res.body, { echo: { server: { name: 'x' } }, type: 'application/json' });
    assert.equal(server.seen[0]!.headers.accept, 'application/json');
    assert.equal((await call('GET')).body, '"plain words"');
  });

  it('never shows a registered secret in an error, not even one the cloud echoes', async () => {
    http.redactor.add('pw-Secret-123');
    server.on(
      'GET',
      /^\/compute\/v2\.1\/servers/,
      novaError(400, 'badRequest', 'bad password pw-Secret-123 and token gAAAAABmExampleFernetTokenValue1234567890abcdefXYZ'),
    );
    const err = await fails(call('GET', '/compute/v2.1/servers?name=pw-Secret-123'), 400);
    assert.doesNotMatch(err.message, /pw-Secret-123|gAAAAAB/);
    assert.equal(err.message, 'compute GET /compute/v2.1/servers?name=***: HTTP 400: bad password *** and token *** [request req-badRequest]');
  });

  it("Glance's HTML error pages and a broken JSON body give their text as the message", async () => {
    const html: Reply = (_req, res) => {
      res.writeHead(400, { 'content-type': 'text/html' });
      res.end('<html><body><h1>400 Bad Request</h1>\n  Invalid filter value.</body></html>');
    };
    const broken: Reply = (_req, res) => {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end('{"badRequest": ');
    };
    server.on('GET', '/image/v2/images', html);
    server.on('GET', '/image/v2/schemas/image', broken);
    assert.equal((await fails(call('GET', '/image/v2/images'), 400)).osMessage, '400 Bad Request Invalid filter value.');
    assert.equal((await fails(call('GET', '/image/v2/schemas/image'), 400)).osMessage, '{"badRequest":');
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    assert.equal(parseRetryAfter('2'), 2000);
    assert.equal(parseRetryAfter('0.5'), 500);
    assert.equal(parseRetryAfter(undefined), undefined);
    assert.equal(parseRetryAfter('soon'), undefined);
    const inTen = parseRetryAfter(new Date(Date.now() + 10_000).toUTCString())!;
    assert.ok(inTen > 8000 && inTen <= 10_000, String(inTen));
    assert.equal(parseRetryAfter(new Date(Date.now() - 10_000).toUTCString()), 0);
  });
});
