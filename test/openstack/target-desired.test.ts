// The openstack target's pure parts, no cloud needed: inputs, the desired state computed from the
// layout's plan (networks, ports with planned IPs, least-privilege rules, user-data), the diff
// against what exists, and the Ansible inventory.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadStackFile, parseStack } from '../../src/deployer/stack/load.js';
import { desiredState } from '../../src/deployer/targets/openstack/desired.js';
import { dataLosingSteps, diff, mutating } from '../../src/deployer/targets/openstack/diff.js';
import { resolveInputs } from '../../src/deployer/targets/openstack/inputs.js';
import { inventory, sshKeyPath } from '../../src/deployer/targets/openstack/inventory.js';
import { quotaNeeds, quotaShortages } from '../../src/deployer/targets/openstack/preflight.js';
import { META } from '../../src/deployer/targets/openstack/names.js';
import type { ObservedServer } from '../../src/deployer/targets/openstack/observed.js';
import { observedAfterUp } from './desired-fixture.js';

const { stack } = loadStackFile();
const dir = mkdtempSync(join(tmpdir(), 'berth-ostarget-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const SECRET = 'Secret-Value-xyz-123456';
const inputs = (flags = {}) => resolveInputs(stack, { prefix: 'alice', ...flags }, {});
const tiered = (flags = {}, secret = SECRET) => desiredState(stack, 'tiered', inputs(flags), { 'db-password': secret });

describe('inputs', () => {
  it("defaults to the original lab's networks, the user's name as prefix and m1.small", () => {
    const i = resolveInputs(stack, {}, {});
    assert.deepEqual(i.networks, { dmz: '192.168.0.0/24', app: '172.16.10.0/24', dbs: '172.16.20.0/24' });
    assert.match(i.prefix, /^[a-z][a-z0-9-]*$/);
    assert.equal(i.flavors.default, 'm1.small');
    assert.deepEqual(i.sshCidrs, [], 'no SSH rule unless asked');
  });

  it("takes flags over a config file over the stack's openstack: section over OS_CLOUD", () => {
    const withSection = parseStack(
      `berth: 1\nname: s\nservices: { a: { image: x } }\nopenstack: { cloud: from-stack, image: stack-img, keyName: k1, flavor: { default: f1, dbs: f2 } }\n`,
    ).stack;
    const file = join(dir, 'os.yaml');
    writeFileSync(file, 'openstack:\n  image: file-img\n  networks: { dmz: 10.9.0.0/24 }\n');
    const i = resolveInputs(withSection, { osConfig: file, keyName: 'k-flag', flavor: ['app=f3'] }, { OS_CLOUD: 'from-env' });
    assert.equal(i.cloud, 'from-stack');
    assert.equal(i.image, 'file-img');
    assert.equal(i.keyName, 'k-flag');
    assert.deepEqual(i.flavors, { default: 'f1', dbs: 'f2', app: 'f3' });
    assert.equal(i.networks.dmz, '10.9.0.0/24');
    assert.equal(resolveInputs(stack, {}, { OS_CLOUD: 'from-env' }).cloud, 'from-env');
  });

  it('refuses bad values with the setting named', () => {
    assert.throws(() => resolveInputs(stack, { sshCidr: 'everyone' }, {}), /sshCidr: an IPv4 CIDR/);
    assert.throws(
      () => resolveInputs(stack, { network: ['app=192.168.0.128/25'] }, {}),
      /networks dmz \(192.168.0.0\/24\) and app \(192.168.0.128\/25\) overlap/,
    );
    assert.throws(() => resolveInputs(stack, { registryCa: '/etc/hostname' }, {}), /--registry-ca needs --registry/);
    assert.throws(() => resolveInputs(stack, { registry: 'r:5000', registryCa: '/etc/hostname' }, {}), /not a PEM certificate/);
    assert.throws(() => resolveInputs(stack, { prefix: 'Bad_Name' }, {}), /prefix/);
  });
});

describe('desired state of the tiered layout', () => {
  const d = tiered({ sshCidr: '198.51.100.0/24' });
  const ports = (server: string) => d.ports.filter((p) => p.server === server).map((p) => `${p.network}=${p.ip}`);

  it('has the three networks, a router on dmz-net, names <prefix>-<stack>-…', () => {
    assert.deepEqual(
      d.networks.map((n) => [n.name, n.cidr, n.gateway]),
      [
        ['alice-board-dmz-net', '192.168.0.0/24', '192.168.0.1'],
        ['alice-board-app-net', '172.16.10.0/24', '172.16.10.1'],
        ['alice-board-dbs-net', '172.16.20.0/24', '172.16.20.1'],
      ],
    );
    assert.deepEqual(d.router, { name: 'alice-board-router', subnets: ['dmz'] });
    assert.deepEqual(d.servers.map((s) => s.name).sort(), ['alice-board-app', 'alice-board-dbs', 'alice-board-web']);
  });

  it("puts web on dmz+app, app on dmz+app+dbs, dbs on dmz+dbs, dmz first, at the plan's addresses", () => {
    assert.deepEqual(ports('web'), ['dmz=192.168.0.10', 'app=172.16.10.10']);
    assert.deepEqual(ports('app'), ['dmz=192.168.0.20', 'app=172.16.10.20', 'dbs=172.16.20.20']);
    assert.deepEqual(ports('dbs'), ['dmz=192.168.0.30', 'dbs=172.16.20.30']);
    for (const s of d.servers) assert.match(s.ports[0]!, /-dmz$/);
    assert.equal(d.floatingIp.port, 'alice-board-web-dmz');
  });

  it('derives least-privilege rules from talksTo and the entry port', () => {
    const rules = Object.fromEntries(
      d.groups.map((g) => [g.key, g.rules.map((r) => `${r.port} from ${'cidr' in r.from ? r.from.cidr : `group ${r.from.group}`}`)]),
    );
    assert.deepEqual(rules, {
      web: ['22 from 198.51.100.0/24', '80 from 0.0.0.0/0'],
      app: ['22 from group web', '5555 from group web'],
      dbs: ['22 from group web', '3306 from group app'],
    });
    assert.deepEqual(
      tiered().groups.map((g) => g.rules.length),
      [1, 1, 1],
      'no SSH rule without an SSH CIDR',
    );
  });

  it('takes any source CIDR from /0 to /32 for SSH, more than one, in canonical form (only subnets need /8 to /29)', () => {
    const i = inputs({ sshCidr: ['0.0.0.0/0', '203.0.113.7/32', '8.9.10.11/5', '198.51.100.9/24', '198.51.100.0/24'] });
    assert.deepEqual(i.sshCidrs, ['0.0.0.0/0', '203.0.113.7/32', '8.0.0.0/5', '198.51.100.0/24']);
    const ssh = Object.fromEntries(
      desiredState(stack, 'tiered', i).groups.map((g) => [
        g.key,
        g.rules.filter((r) => r.port === 22).map((r) => ('cidr' in r.from ? r.from.cidr : `group ${r.from.group}`)),
      ]),
    );
    // Every CIDR on the jump host (web); app and dbs take SSH from web's group only.
    assert.deepEqual(ssh, { web: ['0.0.0.0/0', '198.51.100.0/24', '203.0.113.7/32', '8.0.0.0/5'], app: ['group web'], dbs: ['group web'] });
    // A stack's (or --os-config's) openstack: section takes one CIDR or a list.
    const listed = parseStack('berth: 1\nname: s\nservices: { a: { image: x } }\nopenstack: { sshCidr: [10.0.0.1/32, 0.0.0.0/0] }\n').stack;
    assert.deepEqual(resolveInputs(listed, {}, {}).sshCidrs, ['10.0.0.1/32', '0.0.0.0/0']);
    // Out of range is a TargetError (one line on the command line), not a RangeError.
    assert.throws(
      () => inputs({ sshCidr: ['10.0.0.0/33'] }),
      (e: Error) => e.name === 'TargetError' && /--ssh-cidr 10.0.0.0\/33: .* between \/0 and \/32/.test(e.message),
    );
    assert.throws(() => inputs({ network: ['dmz=10.0.0.0/30'] }), /network dmz: 10.0.0.0\/30 is not an IPv4 CIDR between \/8 and \/29/);
  });

  it("gives each server user-data with its peers' planned addresses, only the first NIC a gateway", () => {
    const ud = (k: string) => d.servers.find((s) => s.key === k)!.userData;
    assert.match(ud('web'), /'REST_PORT_5555_TCP_ADDR=172\.16\.10\.20'/);
    assert.match(ud('app'), /'DB_PORT_3306_TCP_ADDR=172\.16\.20\.30'/);
    assert.match(ud('dbs'), /'DB_BIND_ADDRESS=172\.16\.20\.30'/);
    const nics = [...ud('app').matchAll(/^configure_nic (.*)$/gm)].map((m) => m[1]);
    assert.deepEqual(nics, [
      `'${d.ports.find((p) => p.name === 'alice-board-app-dmz')!.mac}' '192.168.0.20' 24 '192.168.0.1'`,
      `'${d.ports.find((p) => p.name === 'alice-board-app-app')!.mac}' '172.16.10.20' 24`,
      `'${d.ports.find((p) => p.name === 'alice-board-app-dbs')!.mac}' '172.16.20.20' 24`,
    ]);
    assert.match(ud('web'), /'--network' 'host'/);
    assert.doesNotMatch(ud('web'), /DB_PASSWORD|BERTH_SECRET/, 'web does not get the database password');
  });

  it('hands the shared password to app and dbs as a read-only file only, and the hash does not depend on it', () => {
    for (const k of ['app', 'dbs']) {
      const s = d.servers.find((x) => x.key === k)!;
      assert.match(s.userData, new RegExp(`secret_file 'berth/${k}:latest' 'db-password' '/var/lib/berth/board/files/${k}/db-password'`));
      assert.match(
        s.userData,
        /docker run .*'-e' 'DB_PASSWORD_FILE=\/run\/secrets\/db-password' .*'-v' '\/var\/lib\/berth\/board\/files\/\w+\/db-password:\/run\/secrets\/db-password:ro'/,
      );
      assert.equal(s.userData.split(SECRET).length, 2, 'the value appears once: in the root-only secrets file');
      assert.equal(s.metadata[META.secretPrefix + 'db-password'], SECRET);
    }
    const other = tiered({ sshCidr: '198.51.100.0/24' }, 'another-value-0123456789');
    assert.deepEqual(
      other.servers.map((s) => s.hash),
      d.servers.map((s) => s.hash),
    );
  });

  it('is shellcheck-clean', () => {
    for (const s of d.servers) {
      const file = join(dir, `${s.key}.sh`);
      writeFileSync(file, s.userData);
      const r = spawnSync('shellcheck', ['--severity=style', file], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stdout);
    }
  });

  it('writes the registry CA where the Docker Engine looks for it', () => {
    const ca = join(dir, 'ca.crt');
    writeFileSync(ca, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    const s = tiered({ registry: '198.51.100.1:5000', registryCa: ca }).servers[0]!;
    assert.match(
      s.userData,
      /install -d -m 0755 '\/etc\/docker\/certs\.d\/198\.51\.100\.1:5000'\ncat >'\/etc\/docker\/certs\.d\/198\.51\.100\.1:5000\/ca\.crt' <<'BERTH_CA'\n-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\nBERTH_CA\n/,
    );
    assert.match(s.userData, /ensure_image '198\.51\.100\.1:5000\/berth\/dbs:latest'/);
  });
});

describe('desired state of the single layout', () => {
  const d = desiredState(stack, 'single', inputs(), {}, { blockStorage: false });
  it("is one server on dmz-net running the original's three commands, port 80 open to all", () => {
    assert.deepEqual(
      d.networks.map((n) => n.name),
      ['alice-board-dmz-net'],
    );
    assert.deepEqual(
      d.ports.map((p) => [p.name, p.ip]),
      [['alice-board-vm-dmz', '192.168.0.10']],
    );
    assert.deepEqual(
      d.groups.map((g) => g.rules.map((r) => r.port)),
      [[80]],
    );
    const ud = d.servers[0]!.userData;
    assert.match(ud, /'--link' 'dbs:db' 'berth\/app:latest'/);
    assert.match(ud, /'--link' 'app:rest' '-p' '0\.0\.0\.0:80:80' 'berth\/web:latest'/);
    assert.match(ud, /gen_secret 24/, 'without a volume the VM makes the password itself');
    assert.equal(d.floatingIp.port, 'alice-board-vm-dmz');
  });
});

/** The cloud as it is after `up` carried out `d`: every resource there, owned, wired. */
describe('diff', () => {
  const d = tiered();
  const changed = (steps: ReturnType<typeof diff>) => mutating(steps).map((s) => `${s.verb} ${s.kind} ${s.name}`);

  it('creates everything on an empty cloud, ports before nothing else is known', () => {
    const steps = diff(d, { networks: [], routers: [], groups: [], ports: [], servers: [], floatingIps: [] }, 'ext-id');
    assert.ok(steps.every((s) => s.verb === 'create'));
    assert.equal(steps.filter((s) => s.kind === 'port').length, 7);
    assert.equal(steps.filter((s) => s.kind === 'server').length, 3);
    assert.equal(steps.filter((s) => s.kind === 'floating-ip').length, 1);
  });

  it('keeps everything when the cloud already is as planned (a re-run changes nothing)', () => {
    assert.deepEqual(changed(diff(d, observedAfterUp(d), 'ext-id')), []);
  });

  it('replaces only the server whose environment changed', () => {
    const o = observedAfterUp(d);
    const edited = parseStack(
      JSON.stringify({
        ...stack,
        openstack: undefined,
        services: { ...stack.services, app: { ...stack.services.app, environment: { ...stack.services.app!.environment, TZ: 'Asia/Tokyo' } } },
      }),
    ).stack;
    const d2 = desiredState(edited, 'tiered', inputs(), { 'db-password': SECRET });
    assert.deepEqual(changed(diff(d2, o, 'ext-id')), ['delete server alice-board-app', 'replace server alice-board-app']);
  });

  it('starts a server someone stopped, and changes nothing else', () => {
    const o = observedAfterUp(d);
    o.servers.find((x) => x.name === 'alice-board-web')!.status = 'SHUTOFF';
    assert.deepEqual(changed(diff(d, o, 'ext-id')), ['change server alice-board-web']);
  });

  it('replaces every server when the image tag changes, and nothing else', () => {
    const d2 = tiered({ tag: 'ver2.0' });
    const c = changed(diff(d2, observedAfterUp(d), 'ext-id'));
    const moves = ['create attachment alice-board-dbs-data on alice-board-dbs', 'delete attachment alice-board-dbs-data on alice-board-dbs'];
    assert.deepEqual(
      c.sort(),
      [...moves, ...['app', 'dbs', 'web'].flatMap((t) => [`delete server alice-board-${t}`, `replace server alice-board-${t}`])].sort(),
    );
    assert.deepEqual(dataLosingSteps(diff(d2, observedAfterUp(d), 'ext-id')), [], 'the posts are on the volume: nothing is lost');
  });

  it('removes a rule the stack does not derive and adds a missing one', () => {
    const o = observedAfterUp(d);
    const web = o.groups.find((g) => g.name === 'alice-board-web')!;
    web.rules.push({ id: 'extra', direction: 'ingress', ethertype: 'IPv4', protocol: 'tcp', portMin: 3306, portMax: 3306, remoteCidr: '0.0.0.0/0' });
    const dbs = o.groups.find((g) => g.name === 'alice-board-dbs')!;
    dbs.rules = dbs.rules.filter((r) => r.direction === 'egress');
    assert.deepEqual(changed(diff(d, o, 'ext-id')), ['create rule alice-board-dbs:tcp/3306/group:app', 'delete rule alice-board-web:tcp/3306/0.0.0.0/0']);
  });

  it('replaces a port with the wrong address together with its server, and an ERROR server', () => {
    const o = observedAfterUp(d);
    o.ports.find((p) => p.name === 'alice-board-dbs-dbs')!.ips = ['172.16.20.99'];
    o.servers.find((s) => s.name === 'alice-board-web')!.status = 'ERROR';
    assert.deepEqual(changed(diff(d, o, 'ext-id')).sort(), [
      'create attachment alice-board-dbs-data on alice-board-dbs',
      'create port alice-board-dbs-dbs',
      'delete attachment alice-board-dbs-data on alice-board-dbs',
      'delete port alice-board-dbs-dbs',
      'delete server alice-board-dbs',
      'delete server alice-board-web',
      'replace server alice-board-dbs',
      'replace server alice-board-web',
    ]);
  });

  it('replaces a port kept with another MAC than planned, and its server: the user-data finds its NICs by MAC', () => {
    const o = observedAfterUp(d);
    const planned = d.ports.find((p) => p.name === 'alice-board-app-app')!.mac;
    assert.match(planned, /^fa:16:3e(:[0-9a-f]{2}){3}$/);
    o.ports.find((p) => p.name === 'alice-board-app-app')!.mac = 'fa:16:3e:00:00:01';
    const steps = diff(d, o, 'ext-id');
    assert.deepEqual(changed(steps).sort(), [
      'create port alice-board-app-app',
      'delete port alice-board-app-app',
      'delete server alice-board-app',
      'replace server alice-board-app',
    ]);
    assert.equal(steps.find((s) => s.verb === 'delete' && s.kind === 'port')!.why, `MAC fa:16:3e:00:00:01, planned ${planned}`, 'plan says why');
    assert.equal(steps.find((s) => s.verb === 'replace')!.why, 'its ports are replaced');
    // The same MAC as Neutron may write it (upper case) is the planned one.
    o.ports.find((p) => p.name === 'alice-board-app-app')!.mac = planned.toUpperCase();
    assert.deepEqual(changed(diff(d, o, 'ext-id')), []);
  });

  it('deletes owned leftovers of another layout, never what is not owned; the volume moves to the new server', () => {
    const single = desiredState(stack, 'single', inputs());
    const o = observedAfterUp(d);
    o.networks.push({
      id: 'theirs',
      name: 'somebody-else-net',
      owned: false,
      subnets: [{ id: 'ts', name: 'x', networkId: 'theirs', cidr: '10.1.0.0/24', owned: false }],
    });
    const steps = diff(single, o, 'ext-id');
    const c = changed(steps);
    assert.ok(
      c.includes('delete server alice-board-web') && c.includes('delete network alice-board-app-net') && c.includes('delete security-group alice-board-dbs'),
    );
    assert.ok(!c.some((x) => x.includes('somebody-else')));
    assert.ok(
      c.includes('delete attachment alice-board-dbs-data on alice-board-dbs') && c.includes('create attachment alice-board-dbs-data on alice-board-vm'),
    );
    assert.deepEqual(dataLosingSteps(steps), [], "dbs's data is on its volume, which moves to the single VM");
  });

  it('marks a layout change that deletes a server holding data on its own disk (no block storage)', () => {
    const bare = desiredState(stack, 'tiered', inputs(), { 'db-password': SECRET }, { blockStorage: false });
    const single = desiredState(stack, 'single', inputs(), {}, { blockStorage: false });
    const lost = dataLosingSteps(diff(single, observedAfterUp(bare), 'ext-id'));
    assert.deepEqual(
      lost.map((s) => `${s.verb} ${s.kind} ${s.name}: ${s.loses}`),
      ["delete server alice-board-dbs: dbs/data (on the server's own disk, no volume)"],
    );
  });

  it('reuses a network of the same name that berth did not make, without owning it', () => {
    const o = observedAfterUp(d);
    o.networks[0]!.owned = false;
    assert.deepEqual(changed(diff(d, o, 'ext-id')), []);
    assert.equal(diff(d, o, 'ext-id')[0]!.why, 'reused (not made by berth)');
  });
});

describe('inventory', () => {
  const servers: ObservedServer[] = [
    {
      id: '1',
      name: 'alice-board-web',
      status: 'ACTIVE',
      metadata: { [META.tier]: 'web', [META.layout]: 'tiered' },
      tags: [],
      addresses: [
        { network: 'alice-board-dmz-net', addr: '192.168.0.10', floating: false },
        { network: 'alice-board-dmz-net', addr: '198.51.100.7', floating: true },
        { network: 'alice-board-app-net', addr: '172.16.10.10', floating: false },
      ],
    },
    {
      id: '2',
      name: 'alice-board-dbs',
      status: 'ACTIVE',
      metadata: { [META.tier]: 'dbs', [META.layout]: 'tiered' },
      tags: [],
      addresses: [{ network: 'alice-board-dmz-net', addr: '192.168.0.30', floating: false }],
    },
  ];
  it('groups the servers by tier, with the floating IP or a jump through it', () => {
    const inv = inventory('alice-board', servers, 'debian');
    assert.deepEqual(inv.web, { hosts: ['alice-board-web'] });
    assert.deepEqual(inv.app, { hosts: [] });
    assert.deepEqual(inv.dbs, { hosts: ['alice-board-dbs'] });
    assert.deepEqual(inv._meta.hostvars['alice-board-web']!.berth_addresses, { dmz: '192.168.0.10', app: '172.16.10.10' });
    assert.equal(inv._meta.hostvars['alice-board-web']!.ansible_host, '198.51.100.7');
    assert.equal(inv._meta.hostvars['alice-board-dbs']!.ansible_host, '192.168.0.30');
    assert.equal(inv._meta.hostvars['alice-board-web']!.ansible_ssh_common_args, '-o HostKeyAlias=1 -o StrictHostKeyChecking=accept-new');
    assert.equal(
      inv._meta.hostvars['alice-board-dbs']!.ansible_ssh_common_args,
      '-o HostKeyAlias=2 -o StrictHostKeyChecking=accept-new -o "ProxyCommand=ssh -W %h:%p -o BatchMode=yes -o HostKeyAlias=1 -o StrictHostKeyChecking=accept-new debian@198.51.100.7"',
    );
    assert.equal(inv._meta.hostvars['alice-board-dbs']!.ansible_ssh_private_key_file, undefined);
  });

  it('with a key: every host gets it, and the jump to app and dbs carries it and the host-key options', () => {
    const inv = inventory('alice-board', servers, 'debian', sshKeyPath('/home/a/.ssh/id_ed25519'));
    for (const h of ['alice-board-web', 'alice-board-dbs']) assert.equal(inv._meta.hostvars[h]!.ansible_ssh_private_key_file, '/home/a/.ssh/id_ed25519');
    assert.equal(
      inv._meta.hostvars['alice-board-dbs']!.ansible_ssh_common_args,
      '-o HostKeyAlias=2 -o StrictHostKeyChecking=accept-new -o "ProxyCommand=ssh -W %h:%p -o BatchMode=yes -i /home/a/.ssh/id_ed25519 -o IdentitiesOnly=yes -o HostKeyAlias=1 -o StrictHostKeyChecking=accept-new debian@198.51.100.7"',
    );
    assert.throws(() => sshKeyPath('/home/a/my keys/id'), /--ssh-key .*only letters/);
  });
});

describe('inventory: group membership', () => {
  it('puts the one VM, which runs every tier, in each of the groups web, app and dbs', () => {
    const single = desiredState(stack, 'single', inputs());
    const vm = single.servers[0]!;
    const inv = inventory(
      'alice-board',
      [
        {
          id: '1',
          name: vm.name,
          status: 'ACTIVE',
          metadata: vm.metadata,
          tags: vm.tags,
          addresses: [
            { network: 'alice-board-dmz-net', addr: '192.168.0.10', floating: false },
            { network: 'alice-board-dmz-net', addr: '198.51.100.9', floating: true },
          ],
        },
      ],
      'debian',
    );
    assert.deepEqual(inv, {
      _meta: {
        hostvars: {
          'alice-board-vm': {
            ansible_host: '198.51.100.9',
            ansible_user: 'debian',
            ansible_ssh_common_args: '-o HostKeyAlias=1 -o StrictHostKeyChecking=accept-new',
            berth_tier: 'all',
            berth_layout: 'single',
            berth_addresses: { dmz: '192.168.0.10' },
            berth_floating_ip: '198.51.100.9',
          },
        },
      },
      all: { children: ['web', 'app', 'dbs'] },
      web: { hosts: ['alice-board-vm'] },
      app: { hosts: ['alice-board-vm'] },
      dbs: { hosts: ['alice-board-vm'] },
    });
  });

  it('puts each tiered VM in its own group only', () => {
    const d = tiered();
    const inv = inventory(
      'alice-board',
      d.servers.map((s, n) => ({
        id: String(n),
        name: s.name,
        status: 'ACTIVE',
        metadata: s.metadata,
        tags: s.tags,
        addresses: [{ network: 'alice-board-dmz-net', addr: `192.168.0.${n + 10}`, floating: false }],
      })),
      'debian',
    );
    assert.deepEqual(Object.fromEntries(['web', 'app', 'dbs'].map((g) => [g, inv[g]])), {
      web: { hosts: ['alice-board-web'] },
      app: { hosts: ['alice-board-app'] },
      dbs: { hosts: ['alice-board-dbs'] },
    });
  });
});

describe('quotas', () => {
  const d = tiered();
  const empty = { networks: [], routers: [], groups: [], ports: [], servers: [], floatingIps: [] };
  const flavors = new Map([['m1.small', { id: 'f', name: 'm1.small', vcpus: 1, ram: 2048, disk: 20 }]]);
  const r = { externalNetworkId: 'e', externalNetworkName: 'public', imageId: 'i', flavors };

  it('counts what a first up of the tiered layout adds', () => {
    assert.deepEqual(quotaNeeds(d, diff(d, empty, 'e'), r), {
      instances: 3,
      cores: 3,
      ram: 6144,
      network: 3,
      subnet: 3,
      router: 1,
      port: 7,
      floatingip: 1,
      security_group: 3,
      security_group_rule: 3 + 6,
      volumes: 1,
      gigabytes: 1,
    });
  });

  it('needs nothing for a re-run, one instance for a replaced server', () => {
    assert.deepEqual(quotaNeeds(d, diff(d, observedAfterUp(d), 'e'), r), {});
    const o = observedAfterUp(d);
    o.servers[0]!.status = 'ERROR';
    assert.deepEqual(quotaNeeds(d, diff(d, o, 'e'), r), { cores: 1, ram: 2048 });
  });

  it('says which quota is short and by how much', () => {
    assert.deepEqual(
      quotaShortages(
        { instances: 3, port: 7, ram: 6144 },
        { instances: { limit: 10, free: 1 }, port: { limit: 50, free: 50 }, ram: { limit: 4096, free: 1024 } },
      ),
      ['instances: needs 3, 1 free of 10 (short by 2)', 'ram: needs 6144 MB, 1024 MB free of 4096 (short by 5120)'],
    );
    assert.deepEqual(quotaShortages({ port: 7 }, { port: { limit: -1, free: -5 } }), [], 'unlimited');
  });
});
