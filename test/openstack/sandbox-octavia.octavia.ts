// Octavia on the sandbox, with real amphorae (scripts/openstack-sandbox/octavia.sh): as the user
// demo, with the `openstack` CLI (python3-octaviaclient) as an operator's scripts would, a load
// balancer on a tenant subnet, an HTTP listener on 80, a ROUND_ROBIN pool of two servers each
// answering its own name, and an HTTP health monitor. Requests from the host to a floating IP on
// the VIP pass through the amphora's haproxy and reach both servers in turn; the health monitor
// marks both members ONLINE, and OFFLINE once a server stops answering. Everything made here is
// deleted at the end (the load balancer with --cascade), also when a step fails.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { request } from 'undici';
import { CLOUDS_YAML, EXT_GW, GUEST_IMAGE, uniq, waitFor } from './helpers.js';

const run = promisify(execFile);
const MEMBERS = ['m1', 'm2'];
// Nova boots an amphora in ~20 s idle, minutes on a loaded machine; the worker gives up after
// 5 min for the boot and 5 more for the agent (octavia.sh)
const LB_TIMEOUT = 15 * 60_000;
const steps: { what: string; fn: () => Promise<unknown> }[] = [];
let dir: string;
const made = { net: '', subnet: '', router: '', sg: '', lb: '', listener: '', pool: '' };
const servers: Record<string, { id: string; ip: string }> = {};
let vip = '';

/** `openstack ARGS -f json` as demo; the parsed output (undefined for commands that print none). */
async function os(...args: string[]): Promise<any> {
  const json = !['delete', 'add', 'remove', 'set', 'unset', 'stop', 'start'].some((verb) => args.includes(verb));
  const { stdout } = await run('openstack', json ? [...args, '-f', 'json'] : args, {
    env: { ...process.env, OS_CLIENT_CONFIG_FILE: CLOUDS_YAML, OS_CLOUD: 'berth-demo' },
    maxBuffer: 16 << 20,
  }).catch((err: Error & { stderr?: string }) => {
    throw new Error(`openstack ${args.join(' ')}: ${err.stderr?.trim() || err.message}`);
  });
  return json && stdout.trim() ? JSON.parse(stdout) : undefined;
}

/** A deletion that finds nothing to delete is done already. */
const gone = (err: Error) => /No .*found|could not be found|404|Unable to (find|locate)/i.test(err.message);
function later(what: string, fn: () => Promise<unknown>): void {
  steps.push({ what, fn });
}

/**
 * Waits until the load balancer leaves PENDING_*, then asserts that it and the object just
 * changed (`openstack loadbalancer <kind> show <id>`) are ACTIVE: a failed change leaves the
 * load balancer ACTIVE and the object in ERROR.
 */
async function settled(kind?: string, ...ids: string[]): Promise<void> {
  const lb = await waitFor(
    'the load balancer to leave PENDING_*',
    LB_TIMEOUT,
    async () => {
      const lb = await os('loadbalancer', 'show', made.lb);
      return String(lb.provisioning_status).startsWith('PENDING_') ? undefined : lb;
    },
    3000,
  );
  const logs = '(logs: /var/tmp/berth-openstack/log/octavia-worker-app.log)';
  assert.equal(lb.provisioning_status, 'ACTIVE', `load balancer ${made.lb} ${logs}`);
  if (kind) assert.equal((await os('loadbalancer', kind, 'show', ...ids)).provisioning_status, 'ACTIVE', `${kind} ${ids.join(' ')} ${logs}`);
}

async function get(url: string): Promise<{ status: number; body: string }> {
  const res = await request(url, { headersTimeout: 5000, bodyTimeout: 5000, reset: true });
  return { status: res.statusCode, body: (await res.body.text()).trim() };
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'berth-octavia-'));
  const lbApi = await os('catalog', 'list').then((c: { Type: string }[]) => c.filter((s) => s.Type === 'load-balancer'));
  assert.ok(lbApi.length, 'the sandbox has no load-balancer endpoint: run BERTH_OSLAB_OCTAVIA=1 scripts/openstack-sandbox.sh up');
  made.net = (await os('network', 'create', uniq('net'))).id;
  later('network', () => os('network', 'delete', made.net));
  made.subnet = (await os('subnet', 'create', uniq('subnet'), '--network', made.net, '--subnet-range', '10.74.0.0/24')).id;
  later('subnet', () => os('subnet', 'delete', made.subnet));
  made.router = (await os('router', 'create', uniq('router'), '--external-gateway', 'public')).id;
  later('router', () => os('router', 'delete', made.router));
  await os('router', 'add', 'subnet', made.router, made.subnet);
  later('router interface', () => os('router', 'remove', 'subnet', made.router, made.subnet));
  // the members take HTTP from their subnet only: the amphora's port on it is where haproxy
  // connects from
  made.sg = (await os('security', 'group', 'create', uniq('sg'))).id;
  later('security group', () => os('security', 'group', 'delete', made.sg));
  await os('security', 'group', 'rule', 'create', made.sg, '--protocol', 'tcp', '--dst-port', '80', '--remote-ip', '10.74.0.0/24');
});

after(async () => {
  const failures: string[] = [];
  while (steps.length) {
    const step = steps.pop()!;
    await step.fn().catch((err: Error) => gone(err) || failures.push(`${step.what}: ${err.message}`));
  }
  rmSync(dir, { recursive: true, force: true });
  if (failures.length) throw new Error(`cleanup failed:\n  ${failures.join('\n  ')}`);
});

test('two servers answer their own names on port 80', async () => {
  for (const m of MEMBERS) {
    const ud = join(dir, `${m}.sh`);
    writeFileSync(
      ud,
      `#!/bin/sh
mkdir -p /srv/www && echo ${m} > /srv/www/index.html
systemd-run --unit berth-web python3 -m http.server 80 --directory /srv/www
`,
    );
    const s = await os(
      'server',
      'create',
      uniq(m),
      '--flavor',
      'm1.tiny',
      '--image',
      GUEST_IMAGE,
      '--network',
      made.net,
      '--security-group',
      made.sg,
      '--user-data',
      ud,
    );
    later(`server ${m}`, () => os('server', 'delete', '--wait', s.id));
    servers[m] = { id: s.id, ip: '' };
  }
  for (const m of MEMBERS) {
    const s = await waitFor(
      `server ${m} ACTIVE`,
      600_000,
      async () => {
        const s = await os('server', 'show', servers[m]!.id);
        if (s.status === 'ERROR') throw new Error(`server ${m} in ERROR: ${JSON.stringify(s.fault)}`);
        return s.status === 'ACTIVE' ? s : undefined;
      },
      2000,
    );
    const addrs = Object.values(s.addresses as Record<string, string[]>).flat();
    servers[m]!.ip = addrs[0]!.replace(/^.*=/, '');
    assert.match(servers[m]!.ip, /^10\.74\.0\.\d+$/);
  }
});

test('a load balancer (amphora, SINGLE) with listener, pool, two members and a health monitor goes ACTIVE', async () => {
  const lb = await os('loadbalancer', 'create', '--name', uniq('lb'), '--vip-subnet-id', made.subnet);
  made.lb = lb.id;
  later('load balancer', async () => {
    await settled().catch(() => undefined); // a load balancer in PENDING_* cannot be deleted
    await os('loadbalancer', 'delete', '--cascade', made.lb);
    await waitFor(
      'the load balancer deleted',
      LB_TIMEOUT,
      async () => ((await os('loadbalancer', 'show', made.lb).catch((err: Error) => (gone(err) ? 'gone' : Promise.reject(err)))) === 'gone' ? true : undefined),
      3000,
    );
  });
  assert.equal(lb.provider, 'amphora');
  await settled();
  const amps = await run('openstack', ['loadbalancer', 'amphora', 'list', '--loadbalancer', made.lb, '-f', 'json'], {
    env: { ...process.env, OS_CLIENT_CONFIG_FILE: CLOUDS_YAML, OS_CLOUD: 'berth-admin' },
  }).then((r) => JSON.parse(r.stdout));
  assert.equal(amps.length, 1, 'SINGLE topology: one amphora');
  assert.equal(amps[0].status, 'ALLOCATED');
  vip = (await os('loadbalancer', 'show', made.lb)).vip_address;
  made.listener = (await os('loadbalancer', 'listener', 'create', '--name', uniq('http'), '--protocol', 'HTTP', '--protocol-port', '80', made.lb)).id;
  await settled('listener', made.listener);
  made.pool = (
    await os('loadbalancer', 'pool', 'create', '--name', uniq('pool'), '--lb-algorithm', 'ROUND_ROBIN', '--listener', made.listener, '--protocol', 'HTTP')
  ).id;
  await settled('pool', made.pool);
  for (const m of MEMBERS) {
    const member = await os(
      'loadbalancer',
      'member',
      'create',
      '--name',
      m,
      '--subnet-id',
      made.subnet,
      '--address',
      servers[m]!.ip,
      '--protocol-port',
      '80',
      made.pool,
    );
    await settled('member', made.pool, member.id);
  }
  const hm = await os(
    'loadbalancer',
    'healthmonitor',
    'create',
    '--name',
    uniq('hm'),
    '--delay',
    '2',
    '--timeout',
    '1',
    '--max-retries',
    '1',
    '--type',
    'HTTP',
    '--url-path',
    '/',
    made.pool,
  );
  await settled('healthmonitor', hm.id);
});

test('the health monitor sees both members ONLINE', async () => {
  await waitFor(
    'both members ONLINE',
    120_000,
    async () => {
      const members = await os('loadbalancer', 'member', 'list', made.pool);
      return members.length === 2 && members.every((m: { operating_status: string }) => m.operating_status === 'ONLINE') ? true : undefined;
    },
    3000,
  );
});

test('requests to a floating IP on the VIP reach both members in turn, through haproxy', async () => {
  const vipPort = (await os('loadbalancer', 'show', made.lb)).vip_port_id;
  const fip = await os('floating', 'ip', 'create', 'public', '--port', vipPort);
  later('floating ip', () => os('floating', 'ip', 'delete', fip.id));
  const url = `http://${fip.floating_ip_address}/`;
  assert.notEqual(fip.floating_ip_address, EXT_GW);
  await waitFor(`HTTP through ${url} (VIP ${vip})`, 60_000, async () => ((await get(url)).status === 200 ? true : undefined));
  const seen: string[] = [];
  for (let i = 0; i < 12; i++) {
    const r = await get(url);
    assert.equal(r.status, 200);
    seen.push(r.body);
  }
  assert.deepEqual(new Set(seen), new Set(MEMBERS), `answers: ${seen.join(' ')}`);
  // ROUND_ROBIN over two healthy members: each answer comes from the other member than the last
  for (let i = 1; i < seen.length; i++) assert.notEqual(seen[i], seen[i - 1], `answers: ${seen.join(' ')}`);
});

test('a member whose server stops answering goes OFFLINE and the other takes every request', async () => {
  await os('server', 'stop', servers.m2!.id);
  await waitFor(
    'member m2 not ONLINE',
    120_000,
    async () => {
      const members = await os('loadbalancer', 'member', 'list', made.pool);
      const m2 = members.find((m: { name: string }) => m.name === 'm2');
      return m2.operating_status !== 'ONLINE' ? m2.operating_status : undefined;
    },
    3000,
  );
  const fip = (await os('floating', 'ip', 'list', '--port', (await os('loadbalancer', 'show', made.lb)).vip_port_id))[0];
  for (let i = 0; i < 6; i++) assert.deepEqual(await get(`http://${fip['Floating IP Address']}/`), { status: 200, body: 'm1' });
});
