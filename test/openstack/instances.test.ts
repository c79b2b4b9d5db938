// Real instances on the sandbox (Nova on libvirt-LXC, Neutron's dataplane), as the normal user
// demo. A server boots with user data, gets its address by DHCP and its metadata from the metadata
// service, pulls an image from the sandbox's registry over TLS with the sandbox's CA and serves
// HTTP on a floating IP; a second server shows that security groups decide, with real packets,
// what the first can reach. Everything made here is deleted at the end, also when a step fails.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Docker from 'dockerode';
import { request } from 'undici';
import type { OpenStack } from '../../src/deployer/openstack/index.js';
import type { Server } from '../../src/deployer/openstack/index.js';
import type { FloatingIp, Network, SecurityGroup } from '../../src/deployer/openstack/index.js';
import { Cleanup, connectAs, deleteFromRegistry, EXT_GW, GUEST_IMAGE, REGISTRY, REGISTRY_CA, RUN_ID, uniq, waitFor } from './helpers.js';

const cleanup = new Cleanup();
const docker = new Docker({ socketPath: '/var/run/docker.sock' });
const TOKEN = `hello from ${RUN_ID}`;
const PULLED = `${REGISTRY}/${RUN_ID}/node:20`; // the test's own copy of the offline node base
let os: OpenStack;
let keyDir: string;
let ext: Network;
let net: Network;
let sgWeb: SecurityGroup;
let sgPeer: SecurityGroup;
let web: Server;
let peer: Server;
let fip: FloatingIp;
let webCreatedAt = 0;
const DUMMY = `bsbx${process.pid % 100000}`;

before(async () => {
  os = await connectAs('demo');
  keyDir = mkdtempSync(join(tmpdir(), 'berth-ssh-'));
  const ssh = spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(keyDir, 'id')]);
  assert.equal(ssh.status, 0, ssh.stderr?.toString());
  await os.compute.keypairs.create({ name: uniq('key'), public_key: readFileSync(join(keyDir, 'id.pub'), 'utf8').trim() });
  cleanup.add('keypair', () => os.compute.keypairs.delete(uniq('key')));
  await pushTestImage();
  await makeNetwork();
});

after(async () => {
  try {
    await cleanup.run();
  } finally {
    rmSync(keyDir, { recursive: true, force: true });
    await os?.close();
  }
});

/** The node base under the test's own name in the sandbox registry, pushed by the host's Engine. */
async function pushTestImage(): Promise<void> {
  await docker.getImage('berth-base/node:20').tag({ repo: PULLED.replace(/:20$/, ''), tag: '20' });
  cleanup.add('local tag', () => docker.getImage(PULLED).remove());
  cleanup.add('registry manifest', () => deleteFromRegistry(`${RUN_ID}/node`, '20'));
  const stream = await docker.getImage(PULLED).push({ authconfig: {} });
  await new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(stream, (err: Error | null, events: { error?: string }[]) => {
      const failed = err?.message ?? events.find((e) => e.error)?.error;
      if (failed) reject(new Error(`push ${PULLED}: ${failed}`));
      else resolve();
    });
  });
}

async function makeNetwork(): Promise<void> {
  ext = (await os.network.listExternalNetworks()).find((n) => n.name === 'public')!;
  assert.ok(ext, 'the sandbox has the external network "public"');
  net = await os.network.networks.create({ name: uniq('net') });
  cleanup.add('network', () => os.network.networks.delete(net.id));
  const subnet = await os.network.subnets.create({ network_id: net.id, cidr: '10.71.0.0/24', name: uniq('subnet') });
  cleanup.add('subnet', () => os.network.subnets.delete(subnet.id));
  const router = await os.network.routers.create({ name: uniq('router'), external_gateway_info: { network_id: ext.id } });
  cleanup.add('router', () => os.network.routers.delete(router.id));
  await os.network.routers.addInterface(router.id, { subnet_id: subnet.id });
  cleanup.add('router interface', () => os.network.routers.removeInterface(router.id, { subnet_id: subnet.id }));
  sgWeb = await os.network.securityGroups.create({ name: uniq('web'), description: 'ssh and http from the host' });
  cleanup.add('security group web', () => os.network.securityGroups.delete(sgWeb.id));
  for (const port of [22, 80]) {
    await os.network.securityGroupRules.create({
      security_group_id: sgWeb.id,
      direction: 'ingress',
      protocol: 'tcp',
      port_range_min: port,
      port_range_max: port,
      remote_ip_prefix: `${EXT_GW}/32`,
    });
  }
  sgPeer = await os.network.securityGroups.create({ name: uniq('peer'), description: 'nothing in until a rule says so' });
  cleanup.add('security group peer', () => os.network.securityGroups.delete(sgPeer.id));
}

async function boot(what: string, userData: string, securityGroup: SecurityGroup): Promise<Server> {
  const flavor = await os.compute.flavors.find('m1.tiny');
  const image = await os.image.findActive(GUEST_IMAGE);
  assert.ok(flavor && image, `flavor m1.tiny and image ${GUEST_IMAGE} exist`);
  const created = await os.compute.servers.create({
    name: uniq(what),
    flavorRef: flavor.id,
    imageRef: image.id,
    networks: [{ uuid: net.id }],
    security_groups: [{ name: securityGroup.name }],
    key_name: uniq('key'),
    user_data: userData,
    metadata: { 'berth-run': RUN_ID },
  });
  cleanup.add(`server ${what}`, async () => {
    await os.compute.servers.delete(created.id, { ignoreMissing: true });
    await os.compute.servers.waitForDeleted(created.id);
  });
  return created;
}

/** Lines the user data printed (prefixed BERTH-TEST), as the console shows them. */
async function consoleLine(server: Server, marker: string, timeoutMs = 180_000): Promise<string> {
  return waitFor(
    `"${marker}" on the console of ${server.name}`,
    timeoutMs,
    async () => {
      const out = await os.compute.servers.consoleOutput(server.id);
      return out.split(/\r?\n/).find((l) => l.includes(`BERTH-TEST ${marker}`));
    },
    2000,
  );
}

const webUserData = (ca: string) => `#!/bin/sh
echo "BERTH-TEST lease $(sed -n 's/^ *fixed-address \\(.*\\);/\\1/p' /var/lib/dhcp/dhclient*.leases | tail -n 1)"
python3 - <<'EOF'
import json, urllib.request
md = json.load(urllib.request.urlopen('http://169.254.169.254/openstack/latest/meta_data.json', timeout=10))
print('BERTH-TEST metadata', json.dumps({'uuid': md['uuid'], 'run': md.get('meta', {}).get('berth-run')}))
EOF
mkdir -p /etc/docker/certs.d/${REGISTRY}
cat > /etc/docker/certs.d/${REGISTRY}/ca.crt <<'EOF'
${ca.trim()}
EOF
docker pull ${PULLED} && echo "BERTH-TEST pulled"
docker run -d --restart unless-stopped --name hello -p 80:8080 ${PULLED} \\
  node -e "require('http').createServer((q, s) => s.end('${TOKEN}')).listen(8080)" && echo "BERTH-TEST serving"
`;

// The peer serves on 8080 and says so once it accepts connections on its own address.
const peerUserData = `#!/bin/sh
systemd-run --unit berth-peer python3 -m http.server 8080 --directory /tmp
for i in $(seq 100); do
  python3 -c 'import socket; socket.create_connection(("127.0.0.1", 8080), 1)' 2>/dev/null && break
  sleep 0.2
done
echo "BERTH-TEST peer listening"
`;

test('a server boots with user data: console shows it, its DHCP lease and its metadata', async () => {
  webCreatedAt = Date.now();
  const created = await boot('web', webUserData(readFileSync(REGISTRY_CA, 'utf8')), sgWeb);
  peer = await boot('peer', peerUserData, sgPeer);
  web = await os.compute.servers.waitFor(created.id, 'ACTIVE', { timeoutMs: 240_000 });
  console.log(`web ACTIVE ${Date.now() - webCreatedAt} ms after create`);
  const fixed = Object.values(web.addresses ?? {})
    .flat()
    .map((a) => a.addr);
  assert.equal(fixed.length, 1);
  const lease = await consoleLine(web, 'lease');
  assert.equal(lease.split('BERTH-TEST lease ')[1]?.trim(), fixed[0], "the address the guest leased by DHCP is its port's");
  const md = JSON.parse((await consoleLine(web, 'metadata')).split('BERTH-TEST metadata ')[1]!);
  assert.deepEqual(md, { uuid: web.id, run: RUN_ID });
  // cloud-init's last word, with the datasource it used (not DataSourceNone: metadata answered)
  const final = await waitFor(
    "cloud-init's final message",
    180_000,
    async () => {
      const out = await os.compute.servers.consoleOutput(web.id);
      return out.split(/\r?\n/).find((l) => /Cloud-init v\. \S+ finished at/.test(l));
    },
    2000,
  );
  assert.match(final, /Datasource DataSourceOpenStack/);
  console.log(`cloud-init finished ${Date.now() - webCreatedAt} ms after create`);
});

test('the image pushed to the sandbox registry is pulled over TLS and serves HTTP on a floating IP', async () => {
  const [port] = await os.network.ports.list({ device_id: web.id });
  fip = await os.network.floatingIps.create({ floating_network_id: ext.id, port_id: port!.id });
  cleanup.add('floating ip', () => os.network.floatingIps.delete(fip.id));
  await consoleLine(web, 'pulled');
  const body = await waitFor(`HTTP on ${fip.floating_ip_address}`, 120_000, async () => {
    const res = await request(`http://${fip.floating_ip_address}/`, { headersTimeout: 3000, bodyTimeout: 3000 });
    return res.statusCode === 200 ? await res.body.text() : undefined;
  });
  assert.equal(body, TOKEN);
  console.log(`HTTP on the floating IP ${Date.now() - webCreatedAt} ms after create`);
});

/** From web (over SSH on its floating IP) a TCP connect to peer:8080, bounded by 5 s. */
function probePeer(): string {
  return probeFromWeb(Object.values(peer.addresses ?? {}).flat()[0]!.addr, 8080);
}

function probeFromWeb(ip: string, port: number): string {
  const script = [
    'import socket, sys',
    'try:',
    `    socket.create_connection(('${ip}', ${port}), 5); print('connected')`,
    'except TimeoutError: print("timeout")',
    'except ConnectionRefusedError: print("refused")',
  ].join('\n');
  const r = spawnSync(
    'ssh',
    [
      '-i',
      join(keyDir, 'id'),
      '-o',
      'StrictHostKeyChecking=no',
      '-o',
      'UserKnownHostsFile=/dev/null',
      '-o',
      'BatchMode=yes',
      '-o',
      'ConnectTimeout=5',
      '-o',
      'LogLevel=ERROR',
      `debian@${fip.floating_ip_address}`,
      'python3',
      '-',
    ],
    { input: script, encoding: 'utf8', timeout: 45_000 },
  );
  if (r.status !== 0) throw new Error(`ssh: ${r.stderr || r.error?.message}`);
  return r.stdout.trim();
}

async function probeUntil(want: string, timeoutMs: number): Promise<number> {
  const t0 = Date.now();
  await waitFor(`web -> peer:8080 ${want}`, timeoutMs, async () => (probePeer() === want ? true : undefined), 500);
  return Date.now() - t0;
}

test('security groups decide: no rule drops the packets, a rule lets them in, removing it drops them again', async () => {
  peer = await os.compute.servers.waitFor(peer.id, 'ACTIVE', { timeoutMs: 240_000 });
  await consoleLine(peer, 'peer listening');
  // SSH itself may need a moment after the guest's sshd starts; the first answer must be a drop.
  const first = await waitFor('ssh to web', 120_000, async () => probePeer(), 2000);
  assert.equal(first, 'timeout', 'no rule: the SYN is dropped (a timeout, not a refusal)');
  const rule = await os.network.securityGroupRules.create({
    security_group_id: sgPeer.id,
    direction: 'ingress',
    protocol: 'tcp',
    port_range_min: 8080,
    port_range_max: 8080,
    remote_group_id: sgWeb.id,
  });
  cleanup.add('peer rule', () => os.network.securityGroupRules.delete(rule.id));
  console.log(`rule added: connects after ${await probeUntil('connected', 60_000)} ms`);
  await os.network.securityGroupRules.delete(rule.id);
  console.log(`rule removed: dropped again after ${await probeUntil('timeout', 60_000)} ms`);
});

/** Packets the sandbox's guard chain dropped on their way off its external bridge. */
function guardDrops(): number {
  const out = execFileSync('iptables', ['-w', '-n', '-v', '-x', '-L', 'BERTH-SBX'], { encoding: 'utf8' });
  const line = out.split('\n').find((l) => /DROP .* br-sbxext +!br-sbxext/.test(l));
  assert.ok(line, `the guard rule is in place:\n${out}`);
  return Number(line.trim().split(/\s+/)[0]);
}

test('nothing leaves the external bridge: traffic to an address routed elsewhere is dropped by the guard', async () => {
  // A bridge without ports (it swallows whatever is sent to it) with a benchmarking prefix (RFC
  // 2544; not the sandbox's external range): the host routes 198.18.0.0/24 there, never to its
  // uplink, even if the guard were missing.
  execFileSync('ip', ['link', 'add', DUMMY, 'type', 'bridge']);
  cleanup.add('portless bridge', async () => execFileSync('ip', ['link', 'del', DUMMY]));
  execFileSync('ip', ['addr', 'add', '198.18.0.1/24', 'dev', DUMMY]);
  execFileSync('ip', ['link', 'set', DUMMY, 'up']);
  const before = guardDrops();
  // (an ssh that fails on a busy machine is tried again; the probe's own answer is what counts)
  assert.equal(await waitFor('a probe from web', 90_000, async () => probeFromWeb('198.18.0.2', 80), 2000), 'timeout');
  assert.ok(guardDrops() > before, 'the guard chain dropped the forwarded packets');
});

test('stop and start: the server comes back and its container serves again', async () => {
  await os.session.request('compute', 'POST', `/servers/${web.id}/action`, { json: { 'os-stop': null } });
  await os.compute.servers.waitFor(web.id, 'SHUTOFF', { timeoutMs: 120_000 });
  await os.session.request('compute', 'POST', `/servers/${web.id}/action`, { json: { 'os-start': null } });
  await os.compute.servers.waitFor(web.id, 'ACTIVE', { timeoutMs: 120_000 });
  const body = await waitFor('HTTP after start', 120_000, async () => {
    const res = await request(`http://${fip.floating_ip_address}/`, { headersTimeout: 3000, bodyTimeout: 3000 });
    return res.statusCode === 200 ? await res.body.text() : undefined;
  });
  assert.equal(body, TOKEN);
});

test('reboot: a soft reboot (done as a hard one on LXC) succeeds and the container serves again', async () => {
  await os.session.request('compute', 'POST', `/servers/${web.id}/action`, { json: { reboot: { type: 'SOFT' } } });
  type Action = { action: string; request_id: string; start_time: string };
  type Event = { event: string; finish_time: string | null; result: string | null };
  const done = await waitFor('the reboot action to finish', 180_000, async () => {
    const { body } = await os.session.request<{ instanceActions: Action[] }>('compute', 'GET', `/servers/${web.id}/os-instance-actions`);
    const reboot = body.instanceActions.find((a) => a.action === 'reboot');
    if (!reboot) return undefined;
    const detail = await os.session.request<{ instanceAction: { events: Event[] } }>(
      'compute',
      'GET',
      `/servers/${web.id}/os-instance-actions/${reboot.request_id}`,
    );
    const events = detail.body.instanceAction.events;
    return events.length && events.every((e) => e.finish_time) ? events : undefined;
  });
  assert.deepEqual(
    done.map((e) => e.result),
    done.map(() => 'Success'),
  );
  assert.equal((await os.compute.servers.waitFor(web.id, 'ACTIVE', { timeoutMs: 120_000 })).status, 'ACTIVE');
  const body = await waitFor('HTTP after reboot', 120_000, async () => {
    const res = await request(`http://${fip.floating_ip_address}/`, { headersTimeout: 3000, bodyTimeout: 3000 });
    return res.statusCode === 200 ? await res.body.text() : undefined;
  });
  assert.equal(body, TOKEN);
});

test('cleanup leaves no server, port or floating IP of this run', async () => {
  await cleanup.run();
  assert.deepEqual(
    (await os.compute.servers.list()).filter((x) => x.name.startsWith(RUN_ID)).map((x) => x.name),
    [],
  );
  assert.deepEqual(
    (await os.network.floatingIps.list()).filter((f) => f.id === fip?.id),
    [],
  );
  assert.deepEqual((await os.network.networks.list({ name: uniq('net') })).length, 0);
});
