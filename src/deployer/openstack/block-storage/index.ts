// Cinder (v3): volumes, volume types and quotas, each in the same resource shape as the other
// services. A volume carries metadata, not tags (Cinder has no tags): berth puts its marks there,
// and they are set in the create itself, so a volume is never seen unmarked. Attaching a volume to
// a server is Nova's (compute.volumeAttachments); Cinder only reports it in `attachments`.
import { setTimeout as sleep } from 'node:timers/promises';
import { OpenStackError } from '../errors.js';
import { enc, Resource, type DeleteOptions } from '../resource.js';
import type { Session } from '../session.js';
import type * as T from './types.js';

/** Statuses a volume passes through on its way somewhere: an action is still going on. */
export const VOLUME_BUSY = new Set(['creating', 'reserved', 'attaching', 'detaching', 'deleting', 'downloading', 'uploading', 'extending', 'maintenance']);

/** Deleting a volume still detaching (Nova has not told Cinder yet) is refused for a moment. */
const STILL_ATTACHED = (e: OpenStackError) => /in-use|attached|status must be|detaching|Invalid volume/i.test(`${e.osMessage}`);

export class BlockStorageClient {
  readonly volumes: Volumes;
  readonly types: Resource<T.VolumeType, T.VolumeTypeCreate, Partial<T.VolumeTypeCreate>>;
  readonly quotas: VolumeQuotas;

  constructor(private readonly session: Session) {
    this.volumes = new Volumes(session, {
      service: 'block-storage',
      path: '/volumes',
      listPath: '/volumes/detail',
      key: 'volume',
      plural: 'volumes',
      nameFilter: true,
      deleteConflict: STILL_ATTACHED,
    });
    this.types = new Resource(session, { service: 'block-storage', path: '/types', key: 'volume_type', plural: 'volume_types', nameFilter: false });
    this.quotas = new VolumeQuotas(session);
  }

  /** Whether the cloud offers block storage at all (a volume service in the catalog). */
  available(): Promise<boolean> {
    return this.session.hasService('block-storage');
  }
}

export class Volumes extends Resource<T.Volume, T.VolumeCreate, T.VolumeUpdate> {
  /** Polls until the volume has one of `statuses`; `error…` fails at once. */
  async waitFor(id: string, statuses: string[], o: { timeoutMs?: number } = {}): Promise<T.Volume> {
    const timeoutMs = o.timeoutMs ?? 300_000;
    const deadline = Date.now() + timeoutMs;
    for (let delay = 500; ; delay = Math.min(delay * 1.5, 3000)) {
      const v = await this.get(id);
      if (statuses.includes(v.status)) return v;
      if (v.status.startsWith('error')) throw volumeError(v, `volume ${v.name ?? v.id} went to ${v.status}`);
      if (Date.now() + delay > deadline)
        throw volumeError(v, `volume ${v.name ?? v.id} not ${statuses.join(' or ')} after ${timeoutMs} ms (status ${v.status})`);
      await sleep(delay);
    }
  }

  /** Polls until the volume is gone. */
  async waitForDeleted(id: string, o: { timeoutMs?: number } = {}): Promise<void> {
    const deadline = Date.now() + (o.timeoutMs ?? 300_000);
    for (let delay = 500; ; delay = Math.min(delay * 1.5, 3000)) {
      const v = await this.getIfExists(id);
      if (!v) return;
      if (v.status === 'error_deleting') throw volumeError(v, `volume ${v.name ?? v.id} could not be deleted (error_deleting)`);
      if (Date.now() + delay > deadline) throw volumeError(v, `volume ${v.name ?? v.id} still there (status ${v.status})`);
      await sleep(delay);
    }
  }

  /** Deletes a volume; a 400 "still attached" while a detach finishes is retried like a 409. */
  override async delete(id: string, o: DeleteOptions = {}): Promise<void> {
    for (let n = 0; ; n++) {
      try {
        return await super.delete(id, o);
      } catch (err) {
        if (!(err instanceof OpenStackError && err.status === 400 && STILL_ATTACHED(err) && n < 20)) throw err;
        await sleep(1500);
      }
    }
  }
}

export class VolumeQuotas {
  constructor(private readonly session: Session) {}

  /** Per resource (volumes, gigabytes, snapshots, per-type ones): limit, in_use, reserved. */
  async details(projectId: string): Promise<Record<string, T.VolumeQuotaUsage>> {
    const res = await this.session.request<{ quota_set: Record<string, T.VolumeQuotaUsage | string> }>(
      'block-storage',
      'GET',
      `/os-quota-sets/${enc(projectId)}`,
      { query: { usage: 'true' } },
    );
    const { id: _id, ...rest } = res.body.quota_set;
    return rest as Record<string, T.VolumeQuotaUsage>;
  }
}

function volumeError(v: T.Volume, what: string): OpenStackError {
  return new OpenStackError({ service: 'block-storage', method: 'GET', path: `/volumes/${v.id}`, status: 200, osMessage: what, osType: 'VolumeError' });
}

export type * from './types.js';
