// `berth up --target openstack --layout tiered` against the sandbox's real APIs, through proxies
// that count every mutating call: what is created is exactly the plan (ports on the planned
// networks with the planned IPs and MACs, exactly the derived rules, the user-data Nova keeps
// equal to the generated one), a re-run makes zero mutating calls, `up` killed at several points
// is converged by the next `up`, the inventory is read by ansible-inventory, and `down` leaves
// nothing. `--wait active`: meaningful with Nova's fake driver and with real instances alike.
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { OpenStack } from '../../src/deployer/openstack/index.js';
import { loadStackFile } from '../../src/deployer/stack/load.js';
import { desiredState } from '../../src/deployer/targets/openstack/desired.js';
import { resolveInputs } from '../../src/deployer/targets/openstack/inputs.js';
import { META, TAG } from '../../src/deployer/targets/openstack/names.js';
import { connectAs, EXT_CIDR, EXT_PREFIX_RE } from './helpers.js';
import { berthAsync, IMAGE, leftovers, prefix, proxiedCloud, ROOT, spawnCollect, type Proxied } from './target-helpers.js';

const PREFIX = prefix();
const ID = `${PREFIX}-board`;
const SSH = EXT_CIDR;
const ARGS = ['--target', 'openstack', '--layout', 'tiered', '--prefix', PREFIX, '--image', IMAGE, '--flavor', 'm1.tiny', '--ssh-cidr', SSH];
let px: Proxied;
let os: OpenStack;
let admin: OpenStack;

before(async () => {
  px = await proxiedCloud();
  os = await connectAs('demo');
  admin = await connectAs('admin');
});
after(async () => {
  try {
    const r = await berthAsync(['down', '--target', 'openstack', '--volumes', '--allow-data-loss', '--prefix', PREFIX], px.cloudsFile);
    assert.equal(r.code, 0, r.stderr);
  } finally {
    await os?.close();
    await admin?.close();
    await px?.stop();
  }
});

const up = (extra: string[] = []) => berthAsync(['up', ...ARGS, '--wait', 'active', ...extra], px.cloudsFile);

describe('up --layout tiered (API level)', () => {
  it('an up killed at several points is converged by the next up', async () => {
    // Each run is killed right after the answer to one call: a subnet made, a port made (not
    // yet tagged), the first server booted.
    for (const point of [/^POST \/v2\.0\/subnets/, /^POST \/v2\.0\/ports/, /^POST \/v2\.1\/servers$/]) {
      let killed = false;
      const run = await berthAsync(['up', ...ARGS, '--wait', 'active'], px.cloudsFile, (child) => {
        const hook = (method: string, url: string) => {
          if (!killed && point.test(`${method} ${url}`)) {
            killed = true;
            child.kill('SIGKILL');
          }
        };
        px.nova.onAnswer = hook;
        px.neutron.onAnswer = hook;
      });
      assert.ok(killed && run.signal === 'SIGKILL', `killed after ${point}: ${run.stderr}`);
    }
    px.nova.onAnswer = px.neutron.onAnswer = undefined;
    const left = await leftovers(os, ID);
    assert.ok(left.servers?.length, 'the last killed run had booted a server');
    const startedAt = performance.now();
    const done = await up();
    const wall = (performance.now() - startedAt) / 1000;
    assert.equal(done.code, 0, done.stderr);
    assert.match(done.stdout, new RegExp(`^http://${EXT_PREFIX_RE}\\.\\d+/\\n$`));
    // "done in N s" is the whole command's time (reading and settling included), not the last
    // phase's: it may miss only the process start, seen from outside (once "0 s" after 4.2 s).
    const said = /done in ([\d.]+) s\n/.exec(done.stderr);
    assert.ok(said, done.stderr);
    const printed = Number(said[1]);
    assert.ok(printed <= wall + 0.5 && printed >= wall / 2, `printed ${printed} s for a run of ${wall.toFixed(1)} s`);
  });

  it('a second up makes zero mutating calls', async () => {
    px.clear();
    const again = await up();
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /nothing changed/);
    assert.deepEqual(px.mutations(), []);
    assert.ok(px.neutron.seen.length > 0 && px.nova.seen.length > 0, 'it did read the cloud through the proxies');
  });

  it('made exactly one of each resource, each port on its planned network with its planned IP and MAC', async () => {
    const stack = loadStackFile().stack;
    const d = desiredState(stack, 'tiered', resolveInputs(stack, { prefix: PREFIX, image: IMAGE, flavor: ['m1.tiny'], sshCidr: SSH }, {}));
    const servers = await os.compute.servers.list({ tags: [TAG.stack(ID)] });
    assert.deepEqual(servers.map((s) => s.name).sort(), [`${ID}-app`, `${ID}-dbs`, `${ID}-web`]);
    const ports = await os.network.ports.list({ tags: [TAG.stack(ID)] });
    assert.equal(ports.length, d.ports.length);
    const nets = new Map((await os.network.networks.list({ tags: [TAG.stack(ID)] })).map((n) => [n.id, n.name]));
    for (const p of d.ports) {
      const got = ports.find((x) => x.name === p.name);
      assert.ok(got, `port ${p.name}`);
      assert.equal(nets.get(got.network_id), `${ID}-${p.network}-net`);
      assert.deepEqual(
        got.fixed_ips.map((f) => f.ip_address),
        [p.ip],
      );
      assert.equal(got.mac_address, p.mac);
      assert.ok(
        got.tags?.includes(TAG.tier(d.servers.find((s) => s.key === p.server)!.metadata[META.tier]!)),
        `${p.name} carries its tier's tag (also when tagged after an interrupted run)`,
      );
      const server = servers.find((s) => s.name === `${ID}-${p.server}`)!;
      assert.equal(got.device_id, server.id, `${p.name} is attached to ${server.name}`);
    }
    const fips = await os.network.floatingIps.list({ tags: [TAG.stack(ID)] });
    assert.equal(fips.length, 1, 'one floating IP');
    assert.equal(fips[0]!.port_id, ports.find((p) => p.name === `${ID}-web-dmz`)!.id, "on web's dmz port only");
  });

  it("security groups hold exactly the derived rules (and Neutron's default egress)", async () => {
    const groups = await os.network.securityGroups.list({ tags: [TAG.stack(ID)] });
    const nameOf = new Map(groups.map((g) => [g.id, g.name.replace(`${ID}-`, '')]));
    const rules = Object.fromEntries(
      groups.map((g) => [
        g.name.replace(`${ID}-`, ''),
        g.security_group_rules
          .map((r) =>
            r.direction === 'egress'
              ? `egress ${r.ethertype}`
              : `${r.protocol} ${r.port_range_min}-${r.port_range_max} from ${r.remote_group_id ? `group ${nameOf.get(r.remote_group_id)}` : r.remote_ip_prefix}`,
          )
          .sort(),
      ]),
    );
    assert.deepEqual(rules, {
      web: ['egress IPv4', 'egress IPv6', `tcp 22-22 from ${SSH}`, 'tcp 80-80 from 0.0.0.0/0'],
      // SSH to app and dbs only from web's group: the inventory jumps through web.
      app: ['egress IPv4', 'egress IPv6', 'tcp 22-22 from group web', 'tcp 5555-5555 from group web'],
      dbs: ['egress IPv4', 'egress IPv6', 'tcp 22-22 from group web', 'tcp 3306-3306 from group app'],
    });
  });

  it('Nova keeps exactly the generated user-data, with the planned peer addresses', async () => {
    const stack = loadStackFile().stack;
    const servers = await os.compute.servers.list({ tags: [TAG.stack(ID)] });
    const secret = servers.map((s) => s.metadata[META.secretPrefix + 'db-password']).find(Boolean)!;
    assert.ok(secret, 'the shared password rides in the metadata of app and dbs');
    const blockStorage = await os.blockStorage.available();
    const d = desiredState(
      stack,
      'tiered',
      resolveInputs(stack, { prefix: PREFIX, image: IMAGE, flavor: ['m1.tiny'], sshCidr: SSH }, {}),
      { 'db-password': secret },
      { blockStorage },
    );
    // The ids of the stack's volumes are filled in at boot.
    const volumes = blockStorage ? await os.blockStorage.volumes.list() : [];
    const withIds = (ud: string) => ud.replace(/<volume-id:([^>]+)>/g, (_, name: string) => volumes.find((v) => v.name === name)!.id);
    for (const s of servers) {
      const full = await admin.compute.servers.get(s.id);
      const userData = Buffer.from(full['OS-EXT-SRV-ATTR:user_data']!, 'base64').toString('utf8');
      assert.equal(userData, withIds(d.servers.find((x) => x.name === s.name)!.userData), `user-data of ${s.name}`);
    }
    assert.match(d.servers.find((s) => s.key === 'app')!.userData, /DB_PORT_3306_TCP_ADDR=172\.16\.20\.30/);
    assert.match(d.servers.find((s) => s.key === 'web')!.userData, /REST_PORT_5555_TCP_ADDR=172\.16\.10\.20/);
  });

  it('berth plan --json shows only keeps now', async () => {
    const r = await berthAsync(['plan', ...ARGS.slice(2), '--json'], px.cloudsFile);
    assert.equal(r.code, 0, r.stderr);
    const plan = JSON.parse(r.stdout) as { changes: number; steps: { verb: string }[] };
    assert.equal(plan.changes, 0);
    assert.ok(plan.steps.every((s) => s.verb === 'keep'));
    assert.doesNotMatch(r.stdout, /BERTH_SECRET|user_?data/i, 'no user-data or secret in the plan');
  });

  it('berth status --json lists the servers, their addresses and the floating IP, and no secret', async () => {
    const r = await berthAsync(['status', '--target', 'openstack', '--prefix', PREFIX, '--json'], px.cloudsFile);
    assert.equal(r.code, 0, r.stderr);
    const st = JSON.parse(r.stdout) as {
      stack: string;
      layout: string;
      url: string;
      servers: { name: string; tier: string; status: string; addresses: Record<string, string[]>; floatingIp?: string }[];
    };
    assert.equal(st.stack, ID);
    assert.equal(st.layout, 'tiered');
    assert.deepEqual(
      st.servers.map((s) => [s.tier, s.status]),
      [
        ['app', 'ACTIVE'],
        ['dbs', 'ACTIVE'],
        ['web', 'ACTIVE'],
      ],
    );
    assert.deepEqual(st.servers.find((s) => s.tier === 'dbs')!.addresses, { [`${ID}-dmz-net`]: ['192.168.0.30'], [`${ID}-dbs-net`]: ['172.16.20.30'] });
    assert.deepEqual(
      st.servers.filter((s) => s.floatingIp).map((s) => s.tier),
      ['web'],
    );
    assert.equal(st.url, `http://${st.servers.find((s) => s.tier === 'web')!.floatingIp}/`);
    const secret = (await os.compute.servers.list({ tags: [TAG.stack(ID)] })).map((s) => s.metadata[META.secretPrefix + 'db-password']).find(Boolean)!;
    assert.ok(!r.stdout.includes(secret) && !r.stderr.includes(secret), 'the database password is not printed');
  });

  it('berth inventory --list is read by ansible-inventory with the right groups and hosts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-inv-'));
    try {
      const script = join(dir, 'berth-inventory.sh');
      writeFileSync(
        script,
        `#!/bin/sh\nexport OS_CLIENT_CONFIG_FILE='${px.cloudsFile}' OS_CLOUD=berth-demo\nexec '${process.execPath}' '${join(ROOT, 'bin/berth.js')}' inventory --prefix '${PREFIX}' "$@"\n`,
      );
      chmodSync(script, 0o755);
      // Asynchronously: the script's berth calls go through the proxies in this process.
      const r = await spawnCollect('ansible-inventory', ['--list', '-i', script], { env: { ...process.env, ANSIBLE_LOCAL_TEMP: dir, HOME: dir } });
      assert.equal(r.code, 0, r.stderr);
      const inv = JSON.parse(r.stdout) as Record<string, { hosts?: string[] }> & {
        _meta: { hostvars: Record<string, { ansible_host: string; berth_tier: string }> };
      };
      assert.deepEqual(inv.web?.hosts, [`${ID}-web`]);
      assert.deepEqual(inv.app?.hosts, [`${ID}-app`]);
      assert.deepEqual(inv.dbs?.hosts, [`${ID}-dbs`]);
      assert.match(inv._meta.hostvars[`${ID}-web`]!.ansible_host, new RegExp(`^${EXT_PREFIX_RE}\\.`));
      assert.equal(inv._meta.hostvars[`${ID}-dbs`]!.ansible_host, '192.168.0.30');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a server someone stopped is started by the next up, and nothing else is touched', async () => {
    const [web] = await os.compute.servers.list({ name: `${ID}-web`, tags: [TAG.stack(ID)] });
    await os.compute.servers.stop(web!.id);
    await os.compute.servers.waitFor(web!.id, 'SHUTOFF', { timeoutMs: 120_000 });
    const plan = await berthAsync(['plan', ...ARGS.slice(2)], px.cloudsFile);
    assert.match(plan.stdout, new RegExp(`~ change  server +${ID}-web  \\(stopped: it is started\\)\n0 to create, 1 to change, 0 to replace, 0 to delete,`));
    px.clear();
    const r = await up();
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      px.mutations().map((m) => m.replace(/[0-9a-f-]{36}/g, 'ID')),
      ['POST /v2.1/servers/ID/action'],
    );
    const after = await os.compute.servers.get(web!.id);
    assert.equal(after.status, 'ACTIVE', 'the same server, running again');
  });

  it('a changed environment replaces only the server it touches', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-stack-'));
    try {
      const { stack } = loadStackFile();
      const file = join(dir, 'board.yaml');
      const edited = {
        ...stack,
        services: { ...stack.services, app: { ...stack.services.app!, environment: { ...stack.services.app!.environment, TZ: 'Asia/Tokyo' } } },
      };
      writeFileSync(file, JSON.stringify(edited));
      const before = await os.compute.servers.list({ tags: [TAG.stack(ID)] });
      px.clear();
      const r = await up(['--stack', file]);
      assert.equal(r.code, 0, r.stderr);
      const after = await os.compute.servers.list({ tags: [TAG.stack(ID)] });
      const id = (list: typeof before, n: string) => list.find((s) => s.name === `${ID}-${n}`)?.id;
      assert.notEqual(id(after, 'app'), id(before, 'app'));
      assert.equal(id(after, 'web'), id(before, 'web'));
      assert.equal(id(after, 'dbs'), id(before, 'dbs'));
      assert.deepEqual(
        px
          .mutations()
          .map((m) => m.replace(/[0-9a-f-]{36}/g, 'ID'))
          .sort(),
        ['DELETE /v2.1/servers/ID', 'POST /v2.1/servers'],
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("down removes everything tagged, leaves what is not berth's, and a second down does nothing", async () => {
    const theirs = await os.network.networks.create({ name: `${ID}-theirs-net` });
    try {
      const r = await berthAsync(['down', '--target', 'openstack', '--volumes', '--allow-data-loss', '--prefix', PREFIX], px.cloudsFile);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(await leftovers(os, ID), {});
      assert.ok(await os.network.networks.getIfExists(theirs.id), 'an untagged network of a similar name is left alone');
      px.clear();
      const again = await berthAsync(['down', '--target', 'openstack', '--volumes', '--allow-data-loss', '--prefix', PREFIX, '--all'], px.cloudsFile);
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stderr, /nothing of every stack of .* to remove/);
      assert.deepEqual(px.mutations(), []);
    } finally {
      await os.network.networks.delete(theirs.id, { ignoreMissing: true });
    }
  });
});
