// The volume half of `up`: a volume moving to another server is detached first (before its old
// server is deleted), new volumes are made (after the ports, so a run killed during the create
// leaves unbound ports behind: the next `up` waits for the cloud to settle, and sees the volume),
// and each is attached through Nova once its server is ACTIVE. An attach is a POST that Nova
// refuses for a volume already attached: the answer is checked against the volume, and the POST
// is sent again only when Nova has given the volume back (the attach failed, nothing attached).
import { setTimeout as sleep } from 'node:timers/promises';
import { OpenStackError, type OpenStack, type Volume } from '../../openstack/index.js';
import { TargetError } from '../shared/errors.js';
import type { Progress } from '../shared/progress.js';
import { each, stepsOf, type ApplyContext } from './context.js';
import { ownerDescription } from './names.js';

const WAIT = { timeoutMs: 300_000 };

/** Ids of the volumes that exist (the first `keep` of a name is the one used). */
function knownVolumes(c: ApplyContext): void {
  for (const s of stepsOf(c, 'volume', 'keep')) if (!c.ids.volume.has(s.name) && c.d.volumes.some((v) => v.name === s.name)) c.ids.volume.set(s.name, s.id!);
}

/**
 * Detaches a volume from a server about to be deleted. That server is stopped first (a clean
 * shutdown: the database stops, the filesystem is unmounted), so nothing is detached under a
 * mounted filesystem.
 */
export async function detachMoving(c: ApplyContext): Promise<void> {
  const servers = c.os.compute.servers;
  const holders = [...new Set(stepsOf(c, 'attachment', 'delete').map((s) => s.serverId!))];
  await each(c, holders, async (id) => {
    const s = c.o.servers.find((x) => x.id === id);
    if (s?.status !== 'ACTIVE') return;
    c.progress.step(`stopping ${s.name} (a clean shutdown before its volume is detached)`);
    await servers.stop(id).catch((err) => {
      if (!(err instanceof OpenStackError && err.status === 409)) throw err;
    });
    await servers.waitFor(id, 'SHUTOFF', { timeoutMs: 300_000 });
  });
  await each(c, stepsOf(c, 'attachment', 'delete'), async (s) => {
    c.progress.step(`detaching volume ${s.name} (${s.why})`);
    await c.os.compute.volumeAttachments.delete(s.serverId!, s.id!, { ignoreMissing: true });
    await c.os.blockStorage.volumes.waitFor(s.id!, ['available'], WAIT);
  });
}

export async function applyVolumes(c: ApplyContext): Promise<void> {
  knownVolumes(c);
  const bs = c.os.blockStorage.volumes;
  await each(c, stepsOf(c, 'volume', 'create'), async (s) => {
    const v = c.d.volumes.find((x) => x.name === s.name)!;
    c.progress.step(`creating volume ${v.name} (${v.size} GiB)`);
    const made = await bs.create({
      name: v.name,
      size: v.size,
      description: ownerDescription(c.d.id),
      metadata: v.metadata,
      ...(v.type ? { volume_type: v.type } : {}),
    });
    c.ids.volume.set(v.name, made.id);
    await bs.waitFor(made.id, ['available'], WAIT);
  });
}

/** A server's user-data with the ids of its volumes filled in. */
export function withVolumeIds(c: ApplyContext, userData: string, volumes: string[]): string {
  return volumes.reduce((ud, name) => ud.replaceAll(`<volume-id:${name}>`, c.ids.volume.get(name)!), userData);
}

/** Attaches the volumes of a server berth just booted (its user-data waits for them). */
export async function attachVolumes(c: ApplyContext, serverKey: string, serverId: string): Promise<void> {
  const server = c.d.servers.find((s) => s.key === serverKey)!;
  await each(c, server.volumes, (name) => attach(c, name, serverId, server.name));
}

/** Volumes of kept servers that are not attached (an attach an interrupted run did not make). */
export async function attachToKept(c: ApplyContext): Promise<void> {
  await each(
    c,
    stepsOf(c, 'attachment', 'create').filter((s) => s.serverId),
    (s) => attach(c, c.d.volumes.find((v) => s.name.startsWith(`${v.name} on `))!.name, s.serverId!, s.name.split(' on ')[1]!),
  );
}

/**
 * Tries of one attach. Nova answers an attach at once (202) and makes it on the compute host
 * after; when that fails, Nova gives the volume back (available, attached to nothing) and records
 * why in the server's actions. Such a try attached nothing, so another cannot attach twice.
 */
const ATTACH_TRIES = 3;

function attach(c: ApplyContext, name: string, serverId: string, serverName: string): Promise<void> {
  return attachVolume(c.os, c.progress, { id: c.ids.volume.get(name)!, name }, { id: serverId, name: serverName });
}

type Named = { id: string; name: string };

/** Attaches a volume to a server and waits until it is in use there; see ATTACH_TRIES. */
export async function attachVolume(os: OpenStack, progress: Progress, volume: Named, server: Named): Promise<void> {
  for (let n = 1; ; n++) {
    progress.step(`attaching volume ${volume.name} to ${server.name}`);
    const v = await requestAttach(os, volume.id, server.id);
    if (v.attachments.some((a) => a.server_id === server.id)) return;
    const why = await whyAttachFailed(os, server.id);
    if (n === ATTACH_TRIES)
      throw new TargetError(
        `volume ${volume.name} could not be attached to ${server.name}: Nova took the attach ${n} times and failed it on the compute host each time (the last: ${why})`,
        `the volume and its data are as they were (available, attached to nothing); what the cloud recorded: openstack server event list ${server.name}; run the same command again: berth continues where it stopped`,
      );
    progress.detail(`the attach failed on the compute host (${why}); nothing was attached: trying again (${n + 1} of ${ATTACH_TRIES})`);
  }
}

/**
 * Nova's reason for the failed attach. The compute host gives the volume back before it records
 * the failed event, so a read that finds none yet is made again, twice, a second apart.
 */
async function whyAttachFailed(os: OpenStack, serverId: string): Promise<string> {
  for (let n = 0; n < 3; n++) {
    if (n) await sleep(1000);
    const failed = await os.compute.instanceActions.lastFailure(serverId, 'attach_volume').catch(() => undefined);
    if (failed) return failed.event?.details ?? `${failed.event?.event ?? 'attach_volume'} failed (Nova gives no details to this user)`;
  }
  return 'Nova did not say why';
}

/**
 * The attach's POST, then the volume once Nova is done with it (in use, or given back). A POST
 * refused because the volume is already attached, or on its way, to this very server (the attach
 * of an interrupted run) counts as made; any other refusal stands.
 */
async function requestAttach(os: OpenStack, id: string, serverId: string): Promise<Volume> {
  let refused: OpenStackError | undefined;
  try {
    await os.compute.volumeAttachments.create(serverId, { volumeId: id });
  } catch (err) {
    if (!(err instanceof OpenStackError && (err.status === 400 || err.status === 409))) throw err;
    refused = err;
  }
  const v = await os.blockStorage.volumes.waitFor(id, ['in-use', 'available'], WAIT);
  if (refused && !v.attachments.some((a) => a.server_id === serverId)) throw refused;
  return v;
}
