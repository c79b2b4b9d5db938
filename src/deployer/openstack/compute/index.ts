// Nova (v2.1): servers (with tags and metadata), flavors, key pairs, availability zones, limits
// and quotas, each a Resource of the same shape. Every call sends the microversion negotiated
// from the endpoint's version document (OpenStack-API-Version).
import { enc, ignore404, Resource, type DeleteOptions } from '../resource.js';
import type { Session } from '../session.js';
import { negotiate, type MicroversionRange } from './microversion.js';
import { Servers } from './servers.js';
import type * as T from './types.js';

export class ComputeClient {
  readonly servers: Servers;
  readonly flavors: Resource<T.Flavor, T.FlavorCreate, T.FlavorUpdate>;
  /** Key pairs are named, not numbered: the name is the id in paths. No update. */
  readonly keypairs: Resource<T.Keypair, T.KeypairCreate, never>;
  readonly availabilityZones: AvailabilityZones;
  readonly limits: Limits;
  readonly quotas: ComputeQuotas;
  readonly volumeAttachments: VolumeAttachments;
  readonly instanceActions: InstanceActions;

  private constructor(
    session: Session,
    readonly microversion: MicroversionRange,
  ) {
    this.servers = new Servers(session);
    // Flavors: no name filter in the API; is_public=None lists public and private ones.
    this.flavors = new Resource(session, {
      service: 'compute',
      path: '/flavors',
      listPath: '/flavors/detail',
      key: 'flavor',
      plural: 'flavors',
      baseQuery: { is_public: 'None' },
    });
    this.keypairs = new Resource(session, {
      service: 'compute',
      path: '/os-keypairs',
      key: 'keypair',
      plural: 'keypairs',
      idField: 'name',
      unwrap: (e) => (e as { keypair: T.Keypair }).keypair,
    });
    this.availabilityZones = new AvailabilityZones(session);
    this.limits = new Limits(session);
    this.quotas = new ComputeQuotas(session);
    this.volumeAttachments = new VolumeAttachments(session);
    this.instanceActions = new InstanceActions(session);
  }

  /** Reads the endpoint's version document and settles on a microversion. */
  static async connect(session: Session): Promise<ComputeClient> {
    const range = await negotiate(session);
    session.setServiceHeaders('compute', {
      'openstack-api-version': `compute ${range.chosen}`,
      'x-openstack-nova-api-version': range.chosen, // what pre-2.27 proxies still look at
    });
    return new ComputeClient(session, range);
  }
}

export class AvailabilityZones {
  constructor(private readonly session: Session) {}

  /** The zones this project may boot in (no pagination in the API). */
  async list(): Promise<T.AvailabilityZone[]> {
    return (await this.session.request<{ availabilityZoneInfo: T.AvailabilityZone[] }>('compute', 'GET', '/os-availability-zone')).body.availabilityZoneInfo;
  }
}

export class Limits {
  constructor(private readonly session: Session) {}

  /** This project's absolute limits and what it uses of them. */
  async get(): Promise<T.AbsoluteLimits> {
    return (await this.session.request<{ limits: { absolute: T.AbsoluteLimits } }>('compute', 'GET', '/limits')).body.limits.absolute;
  }
}

export class ComputeQuotas {
  constructor(private readonly session: Session) {}

  /** Per resource (instances, cores, ram, ...): limit, in_use and reserved. */
  async details(projectId: string): Promise<Record<string, T.QuotaDetail>> {
    const res = await this.session.request<{ quota_set: Record<string, T.QuotaDetail | string> }>('compute', 'GET', `/os-quota-sets/${enc(projectId)}/detail`);
    const { id: _id, ...rest } = res.body.quota_set;
    return rest as Record<string, T.QuotaDetail>;
  }
}

/**
 * A server's volumes (os-volume_attachments): Nova attaches a Cinder volume to a server and
 * detaches it. The attachment's id is the volume's id.
 */
export class VolumeAttachments {
  constructor(private readonly session: Session) {}

  async list(serverId: string): Promise<T.VolumeAttachment[]> {
    return (await this.session.request<{ volumeAttachments: T.VolumeAttachment[] }>('compute', 'GET', this.path(serverId))).body.volumeAttachments;
  }

  /** Attaches (a POST: never blindly retried; Nova refuses a volume already attached). */
  async create(serverId: string, body: T.VolumeAttachmentCreate): Promise<T.VolumeAttachment> {
    return (await this.session.request<{ volumeAttachment: T.VolumeAttachment }>('compute', 'POST', this.path(serverId), { json: { volumeAttachment: body } }))
      .body.volumeAttachment;
  }

  /** Detaches; Nova answers 202 and carries it out after. */
  async delete(serverId: string, volumeId: string, o: DeleteOptions = {}): Promise<void> {
    await ignore404(this.session.request('compute', 'DELETE', `${this.path(serverId)}/${enc(volumeId)}`), o.ignoreMissing);
  }

  private path(serverId: string): string {
    return `/servers/${enc(serverId)}/os-volume_attachments`;
  }
}

/**
 * What Nova did to a server (os-instance-actions), newest first: where an accepted request
 * (a 202) that failed later on the compute host says why.
 */
export class InstanceActions {
  constructor(private readonly session: Session) {}

  async list(serverId: string): Promise<T.InstanceAction[]> {
    return (await this.session.request<{ instanceActions: T.InstanceAction[] }>('compute', 'GET', this.path(serverId))).body.instanceActions;
  }

  /** One action with its events. */
  async get(serverId: string, requestId: string): Promise<T.InstanceAction> {
    return (await this.session.request<{ instanceAction: T.InstanceAction }>('compute', 'GET', `${this.path(serverId)}/${enc(requestId)}`)).body.instanceAction;
  }

  /**
   * The newest `action` (attach_volume, ...) when it failed, with its failed event (whose
   * `details` Nova may withhold from this user); undefined when it did not fail, or is not there.
   */
  async lastFailure(serverId: string, action: string): Promise<T.FailedAction | undefined> {
    const last = (await this.list(serverId)).find((a) => a.action === action);
    if (!last) return undefined;
    const full = await this.get(serverId, last.request_id);
    const event = (full.events ?? []).find((e) => e.result === 'Error');
    if (!event && last.message !== 'Error') return undefined;
    return { action: full, ...(event ? { event } : {}) };
  }

  private path(serverId: string): string {
    return `/servers/${enc(serverId)}/os-instance-actions`;
  }
}

export type * from './types.js';
export { CLIENT_MAX_MICROVERSION, CLIENT_MIN_MICROVERSION, cmp, type MicroversionRange } from './microversion.js';
export {
  encodeUserData,
  exactNameRegex,
  isServerErrorState,
  MAX_USER_DATA_BASE64,
  SERVER_ERROR,
  SERVER_TIMEOUT,
  Servers,
  ServerMetadata,
  type WaitOptions,
} from './servers.js';
