// Volumes and data loss on OpenStack, no cloud needed: the Cinder volumes the desired state plans
// (name, size, type, marks, the server of their service in either layout), the user-data that
// mounts them (run for real on a loop device: formatted only when empty, never when it holds a
// filesystem), the diff's attachments and its data-loss marks, the guard that stops `up` and
// `down`, the deployed layout kept, and the signs of a run killed during a create or an attach.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadStackFile, parseStack } from '../../src/deployer/stack/load.js';
import { guardDataLoss, DataLossError } from '../../src/deployer/targets/openstack/data-loss.js';
import { desiredState, volumeRef, type DesiredState } from '../../src/deployer/targets/openstack/desired.js';
import { dataLosingSteps, diff, mutating, type Step } from '../../src/deployer/targets/openstack/diff.js';
import { resolveInputs } from '../../src/deployer/targets/openstack/inputs.js';
import { META } from '../../src/deployer/targets/openstack/names.js';
import type { Observed } from '../../src/deployer/targets/openstack/observed.js';
import { renderSteps } from '../../src/deployer/targets/openstack/render.js';
import { sharedSecretValues } from '../../src/deployer/targets/openstack/secrets.js';
import { interruptedSigns } from '../../src/deployer/targets/openstack/settle.js';
import { deployedLayout } from '../../src/deployer/targets/openstack/up.js';
import { PRELUDE } from '../../src/deployer/userdata/prelude.js';
import { VOLUME_PRELUDE } from '../../src/deployer/userdata/volumes.js';

const { stack } = loadStackFile();
const SECRET = 'Secret-Value-xyz-123456';
const inputs = (flags = {}) => resolveInputs(stack, { prefix: 'alice', ...flags }, {});
const want = (layout: 'single' | 'tiered', flags = {}, blockStorage = true) =>
  desiredState(stack, layout, inputs(flags), { 'db-password': SECRET }, { blockStorage });
const changed = (steps: Step[]) =>
  mutating(steps)
    .map((s) => `${s.verb} ${s.kind} ${s.name}`)
    .sort();
const dir = mkdtempSync(join(tmpdir(), 'berth-volumes-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** The cloud after `up` carried out d (as target-desired's helper), its volumes attached. */
function deployed(d: DesiredState): Observed {
  const sg = (k: string) => `sg-${k}`;
  return {
    networks: d.networks.map((n) => ({
      id: `net-${n.key}`,
      name: n.name,
      owned: true,
      tagged: true,
      subnets: [{ id: `sub-${n.key}`, name: n.subnetName, networkId: `net-${n.key}`, cidr: n.cidr, owned: true, tagged: true }],
    })),
    routers: [{ id: 'r1', name: d.router.name, owned: true, tagged: true, externalNetworkId: 'ext', subnetIds: ['sub-dmz'] }],
    groups: d.groups.map((g) => ({
      id: sg(g.key),
      name: g.name,
      owned: true,
      tagged: true,
      rules: g.rules.map((r, n) => ({
        id: `${g.key}-${n}`,
        direction: 'ingress' as const,
        ethertype: 'IPv4',
        protocol: 'tcp',
        portMin: r.port,
        portMax: r.port,
        ...('cidr' in r.from ? { remoteCidr: r.from.cidr } : { remoteGroupId: sg(r.from.group) }),
      })),
    })),
    ports: d.ports.map((p) => ({
      id: `port-${p.name}`,
      name: p.name,
      owned: true,
      tagged: true,
      networkId: `net-${p.network}`,
      ips: [p.ip],
      mac: p.mac,
      groupIds: [sg(p.group)],
      deviceId: `srv-${p.server}`,
      deviceOwner: 'compute:nova',
    })),
    servers: d.servers.map((s) => ({ id: `srv-${s.key}`, name: s.name, status: 'ACTIVE', metadata: s.metadata, tags: s.tags, addresses: [] })),
    floatingIps: [{ id: 'fip1', address: '198.51.100.50', portId: `port-${d.floatingIp.port}`, owned: true, tagged: true }],
    ...(d.volumes.length
      ? {
          volumes: d.volumes.map((v) => ({
            id: `vol-${v.name}`,
            name: v.name,
            owned: true,
            status: 'in-use',
            size: v.size,
            serverIds: [`srv-${v.server}`],
            metadata: v.metadata,
          })),
        }
      : {}),
  };
}

describe('the volumes the desired state plans', () => {
  it('one Cinder volume <prefix>-<stack>-<service>-<volume>, 1 GiB by default, marked like every resource, on the server that runs dbs in both layouts', () => {
    for (const [layout, server] of [
      ['tiered', 'dbs'],
      ['single', 'vm'],
    ] as const) {
      const d = want(layout);
      assert.deepEqual(
        d.volumes.map((v) => [v.name, v.size, v.path, v.server, v.type]),
        [['alice-board-dbs-data', 1, '/var/lib/mysql', server, undefined]],
      );
      assert.deepEqual(d.volumes[0]!.metadata, {
        berth: '1',
        'berth-prefix': 'alice',
        'berth-stack': 'alice-board',
        'berth-service': 'dbs',
        'berth-volume': 'data',
        'berth-secret-db-password': SECRET,
      });
      assert.deepEqual(d.servers.find((s) => s.key === server)!.volumes, ['alice-board-dbs-data']);
      assert.equal(d.servers.find((s) => s.key === server)!.metadata[META.diskData], '-', "nothing on the server's own disk");
    }
    const webData = parseStack(
      JSON.stringify({
        ...stack,
        openstack: undefined,
        services: { ...stack.services, web: { ...stack.services.web, volumes: [{ name: 'cache', path: '/cache' }] } },
      }),
    ).stack;
    const d = desiredState(webData, 'tiered', inputs(), {});
    assert.deepEqual(
      d.volumes.map((v) => `${v.name}@${v.server}`),
      ['alice-board-dbs-data@dbs', 'alice-board-web-cache@web'],
    );
  });

  it('keeps the database password with the volume and gives it to the server, in both layouts (the data was made with it)', () => {
    for (const layout of ['single', 'tiered'] as const) {
      const d = want(layout);
      const server = d.servers.find((s) => s.volumes.length)!;
      assert.match(server.userData, /printf '%s' 'Secret-Value-xyz-123456' >"\$STATE\/secrets\/db-password"/);
      assert.doesNotMatch(server.userData, /gen_secret 24/);
    }
    const o = deployed(want('single'));
    const again = sharedSecretValues(stack, { ...o, servers: [] });
    assert.equal(again['db-password'], SECRET, 'after down (no server), the volume still knows it');
  });

  it("takes the size from the stack's volume, else --volume-size; the type from --volume-type", () => {
    assert.deepEqual(
      want('tiered', { volumeSize: 5, volumeType: 'fast' }).volumes.map((v) => [v.size, v.type]),
      [[5, 'fast']],
    );
    const sized = parseStack(
      JSON.stringify({
        ...stack,
        openstack: undefined,
        services: { ...stack.services, dbs: { ...stack.services.dbs, volumes: [{ name: 'data', path: '/var/lib/mysql', size: 3 }] } },
      }),
    ).stack;
    assert.deepEqual(
      desiredState(sized, 'tiered', resolveInputs(sized, { prefix: 'alice', volumeSize: 5 }, {})).volumes.map((v) => v.size),
      [3],
    );
    assert.throws(
      () =>
        parseStack(
          JSON.stringify({ ...stack, services: { ...stack.services, dbs: { ...stack.services.dbs, volumes: [{ name: 'data', path: '/x', size: 0 }] } } }),
        ),
      /size/,
    );
    assert.throws(() => resolveInputs(stack, { volumeSize: 0 }, {}), /volumeSize/);
  });

  it("without block storage: no volume, the data recorded as on the server's own disk", () => {
    const d = want('tiered', {}, false);
    assert.deepEqual(d.volumes, []);
    const dbs = d.servers.find((s) => s.key === 'dbs')!;
    assert.equal(dbs.metadata[META.diskData], 'dbs/data');
    assert.match(dbs.userData, /ensure_volume 'board-dbs-data'/);
    assert.doesNotMatch(dbs.userData, /mount_volume/);
  });

  it('costs web and app nothing: their user-data and hash are the same with or without block storage', () => {
    const [a, b] = [want('tiered'), want('tiered', {}, false)];
    for (const k of ['web', 'app']) {
      const [x, y] = [a.servers.find((s) => s.key === k)!, b.servers.find((s) => s.key === k)!];
      assert.equal(x.hash, y.hash);
      assert.doesNotMatch(x.userData, /mount_volume|volume_disk/);
    }
  });
});

describe('the user-data of a server with a volume', () => {
  const dbs = want('tiered').servers.find((s) => s.key === 'dbs')!;
  const ud = dbs.userData;

  it('mounts the volume before the container starts and gives MariaDB a directory on it', () => {
    const mount = ud.indexOf(`mount_volume '${volumeRef('alice-board-dbs-data')}' '/var/lib/berth/board/volumes/dbs-data'`);
    assert.ok(mount > 0, ud);
    assert.ok(mount < ud.indexOf("docker run '-d'"), 'mounted before the container is started');
    assert.match(
      ud,
      /'--mount' 'type=bind,src=\/var\/lib\/berth\/board\/volumes\/dbs-data\/data,dst=\/var\/lib\/mysql'/,
      'Docker refuses to start it when the volume is not mounted',
    );
    assert.doesNotMatch(ud, /^ensure_volume '/m, 'no Docker volume on the root disk');
  });

  it("its hash does not depend on the volume's id (filled in at boot)", () => {
    assert.ok(!/[0-9a-f]{8}-[0-9a-f]{4}/.test(ud));
    assert.equal(want('tiered').servers.find((s) => s.key === 'dbs')!.hash, dbs.hash);
  });

  it('is shellcheck-clean', () => {
    const file = join(dir, 'dbs.sh');
    writeFileSync(file, ud);
    const r = spawnSync('shellcheck', ['--severity=style', file], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout);
  });
});

describe('mount_volume on a real block device (a loop device)', () => {
  const canLoop = spawnSync('losetup', ['-f'], { encoding: 'utf8' }).status === 0;
  const skip = canLoop ? false : 'no loop device here (losetup -f failed)';

  /** Runs mount_volume with the disk found at `dev`, writing fstab to our own file. */
  const mountVolume = (dev: string, at: string, fstab: string) =>
    spawnSync('bash', ['-c', `${PRELUDE}\n${VOLUME_PRELUDE}\nLOG=${dir}/log\nvolume_disk() { echo ${dev}; }\nmount_volume 0123456789abcdef0123-id ${at}`], {
      encoding: 'utf8',
      env: { ...process.env, BERTH_FSTAB: fstab },
    });

  it('formats an empty volume once; a volume that holds a filesystem is mounted as it is, its files kept', { skip }, () => {
    const img = join(dir, 'disk.img');
    writeFileSync(img, '');
    truncateSync(img, 32 * 1024 * 1024);
    const dev = execFileSync('losetup', ['-f', '--show', img], { encoding: 'utf8' }).trim();
    const at = join(dir, 'mnt');
    const fstab = join(dir, 'fstab');
    writeFileSync(fstab, '');
    try {
      const first = mountVolume(dev, at, fstab);
      assert.equal(first.status, 0, first.stderr);
      assert.match(first.stderr, /is empty: making a filesystem/);
      assert.ok(existsSync(join(at, 'data')));
      writeFileSync(join(at, 'data', 'posts'), 'every post');
      execFileSync('umount', [at]);
      const second = mountVolume(dev, at, fstab);
      assert.equal(second.status, 0, second.stderr);
      assert.match(second.stderr, /holds a filesystem: mounting it as it is/);
      assert.doesNotMatch(second.stderr, /making a filesystem/);
      assert.equal(readFileSync(join(at, 'data', 'posts'), 'utf8'), 'every post');
      const lines = readFileSync(fstab, 'utf8').trim().split('\n');
      assert.equal(lines.length, 1, 'one fstab line, however often it runs');
      assert.match(lines[0]!, new RegExp(`^UUID=[0-9a-f-]+ ${at} auto defaults,nofail,x-systemd.before=docker.service 0 2$`));
    } finally {
      spawnSync('umount', [at]);
      spawnSync('losetup', ['-d', dev]);
    }
  });

  it('waits for a disk it can read, and fails without formatting when it never can (blkid says "nothing" for an unreadable disk too)', { skip }, () => {
    const r = spawnSync(
      'bash',
      [
        '-c',
        `${PRELUDE}\n${VOLUME_PRELUDE}\nLOG=${dir}/log\nvolume_disk() { echo ${dir}/no-such-disk; }\nmkfs.ext4() { echo FORMATTED >&2; }\nseq() { echo 1 2 3; }\nsleep() { :; }\nmount_volume abc ${dir}/unreadable`,
      ],
      { encoding: 'utf8' },
    );
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /ERROR: volume abc did not appear on this server, or cannot be read/);
    assert.doesNotMatch(r.stderr, /FORMATTED|making a filesystem/);
  });

  it('fails, without formatting, when the disk never appears', { skip }, () => {
    const r = spawnSync(
      'bash',
      ['-c', `${PRELUDE}\n${VOLUME_PRELUDE}\nLOG=${dir}/log\nvolume_disk() { return 1; }\nseq() { echo 1; }\nsleep() { :; }\nmount_volume abc ${dir}/never`],
      { encoding: 'utf8' },
    );
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /ERROR: volume abc did not appear on this server, or cannot be read/);
  });
});

describe('the diff of volumes and attachments', () => {
  it('a first up creates the volume and attaches it to the server that runs dbs', () => {
    const d = want('tiered');
    const steps = diff(d, { networks: [], routers: [], groups: [], ports: [], servers: [], floatingIps: [], volumes: [] }, 'ext');
    assert.deepEqual(
      steps.filter((s) => s.kind === 'volume' || s.kind === 'attachment').map((s) => `${s.verb} ${s.kind} ${s.name}`),
      ['create volume alice-board-dbs-data', 'create attachment alice-board-dbs-data on alice-board-dbs'],
    );
  });

  it('a re-run with nothing changed changes nothing (the volume and its attachment kept)', () => {
    for (const layout of ['single', 'tiered'] as const) assert.deepEqual(changed(diff(want(layout), deployed(want(layout)), 'ext')), []);
  });

  it('a replaced dbs gets the same volume back: detached from the old server, attached to the new one, nothing lost', () => {
    const d = want('tiered');
    const edited = parseStack(
      JSON.stringify({
        ...stack,
        openstack: undefined,
        services: { ...stack.services, dbs: { ...stack.services.dbs, environment: { ...stack.services.dbs!.environment, TZ: 'UTC' } } },
      }),
    ).stack;
    const steps = diff(desiredState(edited, 'tiered', inputs(), { 'db-password': SECRET }), deployed(d), 'ext');
    assert.deepEqual(changed(steps), [
      'create attachment alice-board-dbs-data on alice-board-dbs',
      'delete attachment alice-board-dbs-data on alice-board-dbs',
      'delete server alice-board-dbs',
      'replace server alice-board-dbs',
    ]);
    assert.equal(steps.find((s) => s.kind === 'attachment' && s.verb === 'delete')!.serverId, 'srv-dbs');
    assert.deepEqual(dataLosingSteps(steps), []);
  });

  it('single: a new --tag replaces the VM; its volume moves to the new VM, nothing lost', () => {
    const steps = diff(want('single', { tag: 'v2' }), deployed(want('single')), 'ext');
    assert.ok(changed(steps).includes('replace server alice-board-vm'));
    assert.ok(changed(steps).includes('create attachment alice-board-dbs-data on alice-board-vm'));
    assert.deepEqual(dataLosingSteps(steps), []);
  });

  it('without block storage, replacing the server that holds the data is marked as losing it, in both layouts', () => {
    const lost = (layout: 'single' | 'tiered', flags: object) =>
      dataLosingSteps(diff(want(layout, flags, false), deployed(want(layout, {}, false)), 'ext')).map((s) => `${s.name}: ${s.loses}`);
    assert.deepEqual(lost('single', { tag: 'v2' }), ["alice-board-vm: dbs/data (on the server's own disk, no volume)"]);
    assert.deepEqual(lost('tiered', { tag: 'v2' }), ["alice-board-dbs: dbs/data (on the server's own disk, no volume)"], 'web and app hold no data');
  });

  it("a server from before berth kept volumes (no record) is taken to hold its tier's data on its disk", () => {
    const o = deployed(want('tiered', {}, false));
    for (const s of o.servers) delete s.metadata[META.diskData];
    const steps = diff(want('tiered', { tag: 'v2' }), o, 'ext');
    assert.deepEqual(
      dataLosingSteps(steps).map((s) => s.name),
      ['alice-board-dbs'],
    );
  });

  it('keeps a volume the plan no longer has, and says so', () => {
    const o = deployed(want('tiered'));
    o.volumes!.push({ id: 'old', name: 'alice-board-dbs-old', owned: true, status: 'available', size: 2, serverIds: [] });
    const steps = diff(want('tiered'), o, 'ext');
    assert.deepEqual(changed(steps), []);
    assert.match(renderSteps(steps), /keep\s+volume\s+alice-board-dbs-old\s+\(not in the plan: kept with its data/);
  });

  it("refuses a volume attached to a server that is not the stack's", () => {
    const o = deployed(want('tiered'));
    o.volumes![0]!.serverIds = ['someone-elses'];
    assert.throws(() => diff(want('tiered'), o, 'ext'), /attached to server someone-elses, which is not part of alice-board/);
  });
});

describe('plan marks, the guard, the deployed layout', () => {
  const lossy = diff(want('tiered', { tag: 'v2' }, false), deployed(want('tiered', {}, false)), 'ext');

  it('plan marks each step that loses data with ! and what is lost', () => {
    const out = renderSteps(lossy);
    assert.match(out, /^!\s+-\s+delete\s+server\s+alice-board-dbs .*\n\s+LOSES DATA: dbs\/data \(on the server's own disk, no volume\)$/m);
    assert.match(out, /1 step loses data \(!\)\n$/);
    assert.equal(out.split('\n').filter((l) => l.startsWith('!')).length, 1, 'only that line');
  });

  it('up and down stop before such a step, say what would be lost and how to go on; allowed, they go on', () => {
    assert.throws(
      () => guardDataLoss(lossy, false, 'up'),
      (err: unknown) => {
        assert.ok(err instanceof DataLossError);
        assert.equal(
          err.message,
          "up stopped before deleting data; nothing was changed. It would lose:\n  server alice-board-dbs: dbs/data (on the server's own disk, no volume)",
        );
        assert.match(err.hint!, /--allow-data-loss \(or --yes\)/);
        return true;
      },
    );
    guardDataLoss(lossy, true, 'up');
    guardDataLoss(diff(want('tiered'), deployed(want('tiered')), 'ext'), false, 'up');
  });

  it("up without --layout keeps the layout the stack is deployed in (the servers' berth-layout)", () => {
    assert.equal(deployedLayout(deployed(want('tiered'))), 'tiered');
    assert.equal(deployedLayout(deployed(want('single'))), 'single');
    assert.equal(deployedLayout({ networks: [], routers: [], groups: [], ports: [], servers: [], floatingIps: [] }), undefined);
  });
});

describe('signs of an up killed during a volume create or attach', () => {
  it('a volume being made or attached, or left unattached beside running servers, is waited for; after down it is not', () => {
    const o = deployed(want('tiered'));
    assert.deepEqual(interruptedSigns(o), []);
    o.volumes![0]!.status = 'attaching';
    assert.deepEqual(interruptedSigns(o), ['1 volume(s) being made or attached']);
    o.volumes![0]!.status = 'available';
    o.volumes![0]!.serverIds = [];
    assert.deepEqual(interruptedSigns(o), ['1 volume(s) not attached']);
    assert.deepEqual(interruptedSigns({ ...o, servers: [], ports: [] }), [], 'after down: volumes kept, no server');
  });
});
