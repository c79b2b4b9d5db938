// Block storage on the sandbox (Cinder with its loop-device driver, Nova on libvirt-LXC), through
// the raw APIs as the normal user demo: a volume is created, hot-plugged into a running server,
// formatted and written there by the guest, detached, plugged into a second server, and the
// bytes are read back there; deleting it leaves no file and no loop device on the host. The
// guests find the volume as docs/openstack.md says: /dev/disk/by-id/virtio-<first 20 characters
// of the volume id>, a link to the device Nova reports in the attachment. Also: berth's attach
// against an attach the compute host really fails, and the sandbox's guard of loop devices that
// a stopped server's delete would release.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { chooseEndpoint } from '../../src/deployer/openstack/catalog.js';
import type { Method } from '../../src/deployer/openstack/http.js';
import { isNotFound, OpenStackError, type OpenStack, type Server } from '../../src/deployer/openstack/index.js';
import { TargetError } from '../../src/deployer/targets/shared/errors.js';
import { attachVolume } from '../../src/deployer/targets/openstack/apply-volumes.js';
import { Cleanup, connectAs, GUEST_IMAGE, OSLAB, RUN_ID, uniq, waitFor } from './helpers.js';

const cleanup = new Cleanup();
const TOKEN = `bytes of ${RUN_ID}`;
const VOLUMES_DIR = join(OSLAB, 'state/cinder/volumes');
let os: OpenStack;
let netId: string;

interface Volume {
  id: string;
  status: string;
  size: number;
  volume_type: string;
  attachments: { server_id: string; device: string }[];
}
interface Attachment {
  id: string;
  volumeId: string;
  serverId: string;
  device: string;
}

before(async () => {
  os = await connectAs('demo');
  const net = await os.network.networks.create({ name: uniq('vnet') });
  cleanup.add('network', () => os.network.networks.delete(net.id));
  // No router: the DHCP agent serves metadata on an isolated network, which is all user-data needs.
  const subnet = await os.network.subnets.create({ network_id: net.id, cidr: '10.73.0.0/24', name: uniq('vsubnet') });
  cleanup.add('subnet', () => os.network.subnets.delete(subnet.id));
  netId = net.id;
});

after(async () => {
  try {
    await cleanup.run();
  } finally {
    await os?.close();
  }
});

/** A call to Cinder's v3 API (the catalog's volumev3 endpoint, the project's id in it). */
async function volumeApi<T>(method: Method, path: string, json?: unknown): Promise<T> {
  const token = await os.session.getToken();
  const base = chooseEndpoint(token.catalog, 'volumev3', 'public', os.cloud.regionName);
  const r = await os.session.http.call<T>({ service: 'volumev3', method, url: base + path, json, headers: { 'x-auth-token': token.value } });
  return r.body;
}
const getVolume = async (id: string) => (await volumeApi<{ volume: Volume }>('GET', `/volumes/${id}`)).volume;
const waitVolume = (id: string, status: string) =>
  waitFor(
    `volume ${id} ${status}`,
    120_000,
    async () => {
      const v = await getVolume(id);
      if (v.status === 'error') throw new Error(`volume ${id} went to error`);
      return v.status === status ? v : undefined;
    },
    500,
  );

/** The host's loop devices backed by `file` (also once it is deleted: "FILE (deleted)"). */
const loopsOf = (file: string) =>
  execFileSync('losetup', ['-n', '-l', '-O', 'NAME,BACK-FILE'], { encoding: 'utf8' })
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter(([, back]) => back === file)
    .map(([name]) => name!);

/** A 1 GiB volume, deleted at the end (detached first from whatever holds it then). */
async function newVolume(what: string): Promise<Volume> {
  const created = (await volumeApi<{ volume: Volume }>('POST', '/volumes', { volume: { size: 1, name: uniq(what) } })).volume;
  cleanup.add(`volume ${what}`, async () => {
    const v = await getVolume(created.id);
    for (const a of v.attachments) {
      // (a server deleted before this step has let its volume go already)
      await os.session.request('compute', 'DELETE', `/servers/${a.server_id}/os-volume_attachments/${v.id}`).catch((err) => {
        if (!isNotFound(err)) throw err;
      });
    }
    if (v.attachments.length) await waitVolume(v.id, 'available');
    await volumeApi('DELETE', `/volumes/${v.id}`);
  });
  return created;
}

async function boot(what: string, userData: string): Promise<Server> {
  const flavor = await os.compute.flavors.find('m1.tiny');
  const image = await os.image.findActive(GUEST_IMAGE);
  assert.ok(flavor && image, `flavor m1.tiny and image ${GUEST_IMAGE} exist`);
  const created = await os.compute.servers.create({
    name: uniq(what),
    flavorRef: flavor.id,
    imageRef: image.id,
    networks: [{ uuid: netId }],
    user_data: userData,
  });
  cleanup.add(`server ${what}`, async () => {
    await os.compute.servers.delete(created.id, { ignoreMissing: true });
    await os.compute.servers.waitForDeleted(created.id);
  });
  return { ...created, name: uniq(what) }; // (a create's answer has no name)
}

/** What the user data printed after "BERTH-TEST <marker>" on the console ('' for none). */
async function consoleLine(server: Server, marker: string, timeoutMs = 300_000): Promise<string> {
  return waitFor(
    `"${marker}" on the console of ${server.name}`,
    timeoutMs,
    async () => {
      const out = await os.compute.servers.consoleOutput(server.id);
      const line = out.split(/\r?\n/).find((l) => l.includes(`BERTH-TEST ${marker}`));
      return line?.slice(line.indexOf(`BERTH-TEST ${marker}`) + `BERTH-TEST ${marker}`.length).trim();
    },
    2000,
  );
}

async function attach(server: Server, volumeId: string): Promise<Attachment> {
  const r = await os.session.request<{ volumeAttachment: Attachment }>('compute', 'POST', `/servers/${server.id}/os-volume_attachments`, {
    json: { volumeAttachment: { volumeId } },
  });
  await waitVolume(volumeId, 'in-use');
  return r.body.volumeAttachment;
}

async function detach(server: Server, volumeId: string): Promise<void> {
  await os.session.request('compute', 'DELETE', `/servers/${server.id}/os-volume_attachments/${volumeId}`);
  await waitVolume(volumeId, 'available');
}

// The guest waits for its volume's link, says which device it points to, formats the volume
// only when it holds no filesystem, mounts it and writes (first server) or reads (second).
const userData = (volumeId: string, job: string) => `#!/bin/sh
link=/dev/disk/by-id/virtio-${volumeId.slice(0, 20)}
until [ -e "$link" ]; do sleep 0.5; done
echo "BERTH-TEST device $(readlink -f "$link")"
blkid "$link" >/dev/null || mkfs.ext4 -q -L data "$link"
mkdir -p /mnt/data && mount "$link" /mnt/data && echo "BERTH-TEST mounted"
${job}
`;
const writeJob = `echo '${TOKEN}' > /mnt/data/token && umount /mnt/data && echo "BERTH-TEST written"
until [ ! -e "$link" ]; do sleep 0.5; done
echo "BERTH-TEST link gone"`;
const readJob = `echo "BERTH-TEST read $(cat /mnt/data/token)"; umount /mnt/data`;

test('a volume is hot-plugged, written, detached, plugged into another server and read there; delete leaves nothing', async (t) => {
  // (durations reported for docs/openstack.md's figures, never asserted)
  const timed = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    const t0 = Date.now();
    const r = await fn();
    t.diagnostic(`${what}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    return r;
  };
  const t0 = Date.now();
  const created = await newVolume('vol');
  const volume = await waitVolume(created.id, 'available');
  t.diagnostic(`create → available: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  assert.equal(volume.volume_type, 'local', "the sandbox's default volume type");
  const file = join(VOLUMES_DIR, `volume-${volume.id}`);
  assert.ok(existsSync(file), `the volume's file ${file} exists`);
  assert.deepEqual(loopsOf(file), [], 'no loop device before an attachment');

  const writer = await boot('writer', userData(volume.id, writeJob));
  const reader = await boot('reader', userData(volume.id, readJob));
  await os.compute.servers.waitFor(writer.id, 'ACTIVE', { timeoutMs: 240_000 });
  await os.compute.servers.waitFor(reader.id, 'ACTIVE', { timeoutMs: 240_000 });

  // Hot-plugged into the running writer: the guest finds it by its link, formats and writes it.
  const first = await timed('attach → in-use', () => attach(writer, volume.id));
  assert.match(first.device, /^\/dev\/vd[b-z]$/);
  assert.equal(await consoleLine(writer, 'device'), first.device, 'the link points to the device Nova reports');
  await consoleLine(writer, 'written');
  assert.equal(loopsOf(file).length, 1, 'one loop device while attached');

  // Detached: the guest's link goes, and so does the host's loop device; the bytes stay.
  await timed('detach → available', () => detach(writer, volume.id));
  await consoleLine(writer, 'link gone', 60_000);
  assert.deepEqual(loopsOf(file), []);

  const second = await attach(reader, volume.id);
  assert.equal(await consoleLine(reader, 'device'), second.device);
  assert.equal(await consoleLine(reader, 'read'), TOKEN, 'the bytes written on the first server');
  await detach(reader, volume.id);

  await volumeApi('DELETE', `/volumes/${volume.id}`);
  await timed('delete → gone', () =>
    waitFor(
      `volume ${volume.id} deleted`,
      60_000,
      async () => {
        try {
          await getVolume(volume.id);
          return undefined;
        } catch (err) {
          return (err as { status?: number }).status === 404 ? true : undefined;
        }
      },
      500,
    ),
  );
  assert.ok(!existsSync(file), "the volume's file is gone");
  assert.deepEqual(loopsOf(file), [], 'no loop device is left on it');
});

// berth's own attach (what `up` runs for a server it booted), against a real failure on the
// compute host: the volume's file hidden from Cinder's driver, so Nova takes the attach (202) and
// its compute host fails it (Cinder cannot connect the volume).
test("berth's attach: one that Nova took and then failed on the compute host is made again; failing every time, it stops with Nova's reason, the volume available; an attach already made is taken, one to another server refused", async (t) => {
  const volume = await waitVolume((await newVolume('avol')).id, 'available');
  const named = { id: volume.id, name: uniq('avol') };
  const [server, other] = (await Promise.all(['attacher', 'other'].map((what) => boot(what, '#!/bin/sh\ntrue\n')))) as [Server, Server];
  for (const s of [server, other]) await os.compute.servers.waitFor(s.id, 'ACTIVE', { timeoutMs: 240_000 });
  const file = join(VOLUMES_DIR, `volume-${volume.id}`);
  const hidden = `${file}.hidden`;
  renameSync(file, hidden);
  cleanup.add('the hidden volume file', async () => existsSync(hidden) && renameSync(hidden, file));
  const said = (onDetail: () => void = () => {}) => {
    const lines: string[] = [];
    return { lines, progress: { step: (m: string) => lines.push(`==> ${m}`), detail: (m: string) => (lines.push(m), onDetail()) } };
  };
  const novaAttachments = async () => (await os.compute.volumeAttachments.list(server.id)).map((a) => a.volumeId);

  // Every try fails: three tries, then the reason; nothing is attached.
  const all = said();
  let failure: TargetError | undefined;
  await assert.rejects(attachVolume(os, all.progress, named, server), (err: Error) => {
    assert.ok(err instanceof TargetError, String(err));
    t.diagnostic(err.message);
    failure = err;
    assert.match(
      err.message,
      new RegExp(
        `^volume ${named.name} could not be attached to ${server.name}: Nova took the attach 3 times and failed it on the compute host each time \\(the last: .+\\)$`,
      ),
    );
    assert.match(err.hint!, /available, attached to nothing/);
    assert.match(err.hint!, new RegExp(`openstack server event list ${server.name}`));
    return true;
  });
  assert.equal(all.lines.filter((l) => l === `==> attaching volume ${named.name} to ${server.name}`).length, 3, all.lines.join('\n'));
  assert.deepEqual(
    all.lines.filter((l) => !l.startsWith('==>')).map((l) => l.replace(/^the attach failed on the compute host \(.+\); /, '')),
    ['nothing was attached: trying again (2 of 3)', 'nothing was attached: trying again (3 of 3)'],
  );
  const after3 = await getVolume(volume.id);
  assert.deepEqual([after3.status, after3.attachments], ['available', []]);
  assert.deepEqual(await novaAttachments(), []);
  // The reason is what Nova recorded for the last try: its failed event's details, or the event's
  // name when Nova keeps the details from this (non-admin) user.
  const failedEvent = await lastAttachFailure(server.id);
  const why = failedEvent.details ?? `${failedEvent.event} failed (Nova gives no details to this user)`;
  assert.ok(failure!.message.endsWith(`(the last: ${why})`), `${failure!.message}\nNova recorded: ${JSON.stringify(failedEvent)}`);

  // The first try fails, the file is back before the second: attached, once.
  const once = said(() => existsSync(hidden) && renameSync(hidden, file));
  await attachVolume(os, once.progress, named, server);
  assert.equal(once.lines.filter((l) => l.startsWith('==> attaching')).length, 2, once.lines.join('\n'));
  const attached = await getVolume(volume.id);
  assert.deepEqual([attached.status, attached.attachments.map((a) => a.server_id)], ['in-use', [server.id]]);
  assert.deepEqual(await novaAttachments(), [volume.id]);

  // Asked again while it is attached here (the attach of an interrupted run): Nova refuses the
  // POST, berth finds the volume on this server and is done; still one attachment.
  const again = said();
  await attachVolume(os, again.progress, named, server);
  assert.deepEqual(again.lines, [`==> attaching volume ${named.name} to ${server.name}`]);
  assert.deepEqual(await novaAttachments(), [volume.id]);
  // Asked to attach it to another server: Nova's refusal stands, nothing moves.
  await assert.rejects(attachVolume(os, said().progress, named, other), (err: Error) => {
    assert.ok(err instanceof OpenStackError && [400, 409].includes(err.status ?? 0), String(err));
    return true;
  });
  const still = await getVolume(volume.id);
  assert.deepEqual([still.status, still.attachments.map((a) => a.server_id)], ['in-use', [server.id]]);
  assert.deepEqual((await os.compute.volumeAttachments.list(other.id)).length, 0);
});

/** The failed event of the server's newest attach_volume action, read from Nova directly. */
async function lastAttachFailure(serverId: string): Promise<{ event: string; result: string | null; details?: string | null }> {
  type Event = { event: string; result: string | null; details?: string | null };
  const path = `/servers/${serverId}/os-instance-actions`;
  const actions = (await os.session.request<{ instanceActions: { action: string; request_id: string }[] }>('compute', 'GET', path)).body.instanceActions;
  const last = actions.find((a) => a.action === 'attach_volume');
  assert.ok(last, 'Nova recorded the attach');
  const events = (await os.session.request<{ instanceAction: { events: Event[] } }>('compute', 'GET', `${path}/${last.request_id}`)).body.instanceAction.events;
  const failed = events.find((e) => e.result === 'Error');
  assert.ok(failed, `a failed event: ${JSON.stringify(events)}`);
  return failed;
}

// Nova on LXC lets go of a container's root loop device at each destroy: at a stop, and again at
// the delete after it, by the device's number recorded at the start. By then the number may be a
// volume's (Cinder's driver takes the first free loop device): the sandbox's driver keeps that one.
test("a stopped server's delete leaves alone the loop device that was its root and is now another file's (a volume's)", async () => {
  const server = await boot('stopped', '#!/bin/sh\ntrue\n');
  await os.compute.servers.waitFor(server.id, 'ACTIVE', { timeoutMs: 240_000 });
  const disk = join(OSLAB, 'state/nova/instances', server.id, 'disk');
  const roots = loopsOf(disk);
  assert.equal(roots.length, 1, `one loop device on ${disk}: ${roots.join(', ')}`);
  const root = roots[0]!;
  await os.compute.servers.stop(server.id);
  await os.compute.servers.waitFor(server.id, 'SHUTOFF');
  assert.deepEqual(loopsOf(disk), [], 'the stop let go of its root');
  // Another file on the same device, as a volume's attach would take it.
  const other = join(mkdtempSync(join(tmpdir(), 'berth-loop-')), 'volume');
  writeFileSync(other, Buffer.alloc(1 << 20));
  execFileSync('losetup', [root, other]);
  cleanup.add('the loop device of the other file', async () => {
    for (const dev of loopsOf(other)) execFileSync('losetup', ['-d', dev]);
    rmSync(dirname(other), { recursive: true, force: true });
  });
  await os.compute.servers.delete(server.id);
  await os.compute.servers.waitForDeleted(server.id);
  assert.deepEqual(loopsOf(other), [root], `${root} still holds the other file after the delete`);
});

test('block storage is in the catalog, with the type "local" and the demo project\'s volume quotas; status shows cinder', async () => {
  const token = await os.session.getToken();
  const urls = ['volumev3', 'block-storage'].map((t) => chooseEndpoint(token.catalog, t, 'public', os.cloud.regionName));
  assert.deepEqual(urls, Array(2).fill(`http://127.0.0.1:8776/v3/${token.project!.id}`));
  const types = (await volumeApi<{ volume_types: { name: string }[] }>('GET', '/types')).volume_types.map((t) => t.name);
  assert.ok(types.includes('local'), `types: ${types.join(', ')}`);
  const q = (await volumeApi<{ quota_set: Record<string, number> }>('GET', `/os-quota-sets/${token.project!.id}`)).quota_set;
  assert.deepEqual([q.volumes, q.gigabytes], [20, 100]);

  const root = fileURLToPath(new URL('../..', import.meta.url));
  const status = spawnSync('bash', ['scripts/openstack-sandbox.sh', 'status'], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  assert.match(status.stdout, /^ {2}answers {2}cinder-api http:\/\/127\.0\.0\.1:8776$/m);
  for (const bin of ['cinder-scheduler on berth-compute', 'cinder-volume on berth-compute@local']) {
    assert.match(status.stdout, new RegExp(`^  alive    ${bin} \\(`, 'm'));
  }
  assert.match(status.stdout, /^ {2}volumes {2}\d+ \(\d+ GB\), \d+ attached$/m);
});
