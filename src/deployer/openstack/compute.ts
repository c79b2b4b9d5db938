// Nova: what a deployment needs. Every call sends the microversion negotiated from the
// endpoint's version document (OpenStack-API-Version), so responses have one known shape.
import { OpenStackError, type ServerFault } from './errors.js';
import { sleep } from './http.js';
import { collect, paginate } from './pagination.js';
import type { Session } from './session.js';

/** 2.52: tags at boot. 2.90 is the newest this client has been checked against (Zed has 2.93). */
export const CLIENT_MIN_MICROVERSION = '2.52';
export const CLIENT_MAX_MICROVERSION = '2.90';
/** Nova stores user_data base64-encoded in a 64 KiB column. */
export const MAX_USER_DATA_BASE64 = 65535;

export interface MicroversionRange {
  min: string;
  max: string;
  /** What this client sends: the newest both sides speak. */
  chosen: string;
}

export interface Flavor {
  id: string;
  name: string;
  ram: number;
  vcpus: number;
  disk: number;
  'os-flavor-access:is_public'?: boolean;
}

export interface Keypair {
  name: string;
  type?: string;
  fingerprint?: string;
  public_key?: string;
}

export interface Server {
  id: string;
  name: string;
  status: string;
  tenant_id?: string;
  key_name?: string | null;
  metadata?: Record<string, string>;
  tags?: string[];
  addresses?: Record<string, { addr: string; version: number; 'OS-EXT-IPS:type'?: string }[]>;
  flavor?: { original_name?: string; vcpus?: number; ram?: number };
  image?: { id: string } | string;
  fault?: ServerFault;
  'OS-EXT-STS:task_state'?: string | null;
  'OS-EXT-STS:vm_state'?: string;
  /** Only for admins (extended server attributes policy). */
  'OS-EXT-SRV-ATTR:user_data'?: string | null;
  security_groups?: { name: string }[];
}

export type ServerNetwork = { uuid: string; fixed_ip?: string } | { port: string };

export interface CreateServerRequest {
  name: string;
  flavorId: string;
  imageId: string;
  keyName?: string;
  /** cloud-init user data; sent base64-encoded, and its size checked before sending. */
  userData?: string | Buffer;
  networks: ServerNetwork[] | 'none' | 'auto';
  securityGroups?: string[];
  metadata?: Record<string, string>;
  tags?: string[];
  availabilityZone?: string;
}

export interface ServerFilters {
  /** An exact name (escaped and anchored: Nova treats the filter as a regular expression). */
  name?: string;
  status?: string;
  /** Servers with all of these tags. */
  tags?: string[];
  [other: string]: string | string[] | undefined;
}

export interface AbsoluteLimits {
  maxTotalInstances: number;
  totalInstancesUsed: number;
  maxTotalCores: number;
  totalCoresUsed: number;
  maxTotalRAMSize: number;
  totalRAMUsed: number;
  maxServerGroups?: number;
  totalServerGroupsUsed?: number;
  [k: string]: number | undefined;
}

export interface QuotaDetail {
  limit: number;
  in_use: number;
  reserved: number;
}

export class ComputeClient {
  private constructor(
    private readonly session: Session,
    readonly microversion: MicroversionRange,
  ) {}

  /** Reads the endpoint's version document and settles on a microversion. */
  static async connect(session: Session): Promise<ComputeClient> {
    const range = await negotiate(session);
    session.setServiceHeaders('compute', {
      'openstack-api-version': `compute ${range.chosen}`,
      'x-openstack-nova-api-version': range.chosen, // what pre-2.27 proxies still look at
    });
    return new ComputeClient(session, range);
  }

  // ---- flavors, key pairs, zones, limits
  listFlavors(pageSize?: number): Promise<Flavor[]> {
    return collect(paginate<Flavor>(this.session, 'compute', '/flavors/detail', 'flavors', { pageSize, query: { is_public: 'None' } }));
  }

  async findFlavor(name: string): Promise<Flavor | undefined> {
    return (await this.listFlavors()).find((f) => f.name === name || f.id === name);
  }

  async listKeypairs(pageSize?: number): Promise<Keypair[]> {
    const items = await collect(paginate<{ keypair: Keypair }>(this.session, 'compute', '/os-keypairs', 'keypairs', { pageSize }));
    return items.map((k) => k.keypair);
  }

  async getKeypair(name: string): Promise<Keypair> {
    return (await this.session.request<{ keypair: Keypair }>('compute', 'GET', `/os-keypairs/${enc(name)}`)).body.keypair;
  }

  /** Imports a public key (Nova stopped generating key pairs in 2.92). */
  async createKeypair(name: string, publicKey: string, type: 'ssh' | 'x509' = 'ssh'): Promise<Keypair> {
    const res = await this.session.request<{ keypair: Keypair }>('compute', 'POST', '/os-keypairs', {
      json: { keypair: { name, public_key: publicKey, type } },
    });
    return res.body.keypair;
  }

  deleteKeypair(name: string, o: { ignoreMissing?: boolean } = {}): Promise<void> {
    return ignore404(this.session.request('compute', 'DELETE', `/os-keypairs/${enc(name)}`), o.ignoreMissing);
  }

  async listAvailabilityZones(): Promise<{ name: string; available: boolean }[]> {
    const res = await this.session.request<{ availabilityZoneInfo: { zoneName: string; zoneState: { available: boolean } }[] }>(
      'compute',
      'GET',
      '/os-availability-zone',
    );
    return res.body.availabilityZoneInfo.map((z) => ({ name: z.zoneName, available: z.zoneState.available }));
  }

  async getLimits(): Promise<AbsoluteLimits> {
    return (await this.session.request<{ limits: { absolute: AbsoluteLimits } }>('compute', 'GET', '/limits')).body.limits.absolute;
  }

  async getQuotas(projectId: string): Promise<Record<string, QuotaDetail>> {
    const res = await this.session.request<{ quota_set: Record<string, QuotaDetail | string> }>(
      'compute',
      'GET',
      `/os-quota-sets/${enc(projectId)}/detail`,
    );
    const { id: _id, ...rest } = res.body.quota_set;
    return rest as Record<string, QuotaDetail>;
  }

  // ---- servers
  async createServer(r: CreateServerRequest): Promise<Server> {
    const server: Record<string, unknown> = {
      name: r.name,
      flavorRef: r.flavorId,
      imageRef: r.imageId,
      networks: r.networks,
    };
    if (r.keyName) server.key_name = r.keyName;
    if (r.userData !== undefined) server.user_data = encodeUserData(r.userData);
    if (r.securityGroups?.length) server.security_groups = r.securityGroups.map((name) => ({ name }));
    if (r.metadata) server.metadata = r.metadata;
    if (r.tags?.length) server.tags = r.tags;
    if (r.availabilityZone) server.availability_zone = r.availabilityZone;
    const res = await this.session.request<{ server: Server }>('compute', 'POST', '/servers', { json: { server } });
    return res.body.server;
  }

  async getServer(id: string): Promise<Server> {
    return (await this.session.request<{ server: Server }>('compute', 'GET', `/servers/${enc(id)}`)).body.server;
  }

  listServers(filters: ServerFilters = {}, pageSize?: number): Promise<Server[]> {
    const { name, tags, ...rest } = filters;
    const query = { ...rest, name: name === undefined ? undefined : exactNameRegex(name), tags: tags?.join(',') };
    return collect(paginate<Server>(this.session, 'compute', '/servers/detail', 'servers', { query, pageSize }));
  }

  /** Delete; a 409 while the server is mid-task is retried by the HTTP layer. */
  deleteServer(id: string, o: { ignoreMissing?: boolean } = {}): Promise<void> {
    return ignore404(this.session.request('compute', 'DELETE', `/servers/${enc(id)}`), o.ignoreMissing);
  }

  /** Polls until the server has `status`; ERROR fails at once, with the server's fault. */
  async waitForServer(id: string, status = 'ACTIVE', timeoutMs = 300_000): Promise<Server> {
    const deadline = Date.now() + timeoutMs;
    for (let delay = 500; ; delay = Math.min(delay * 1.5, 5000)) {
      const s = await this.getServer(id);
      if (s.status === status) return s;
      if (s.status === 'ERROR') throw serverError(s, `server ${s.name} went to ERROR`);
      if (Date.now() + delay > deadline) throw serverError(s, `server ${s.name} not ${status} after ${timeoutMs} ms (status ${s.status})`);
      await sleep(delay);
    }
  }

  async waitForServerDeleted(id: string, timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (let delay = 500; ; delay = Math.min(delay * 1.5, 5000)) {
      try {
        const s = await this.getServer(id);
        if (s.status === 'DELETED') return;
        if (Date.now() + delay > deadline) throw serverError(s, `server ${s.name} still there after ${timeoutMs} ms`);
      } catch (err) {
        if (err instanceof OpenStackError && err.status === 404) return;
        throw err;
      }
      await sleep(delay);
    }
  }

  /** The server's console log (last `lines` lines, or all). */
  async getConsoleOutput(id: string, lines?: number): Promise<string> {
    const res = await this.session.request<{ output: string }>('compute', 'POST', `/servers/${enc(id)}/action`, {
      json: { 'os-getConsoleOutput': lines === undefined ? {} : { length: lines } },
    });
    return res.body.output;
  }
}

async function negotiate(session: Session): Promise<MicroversionRange> {
  const url = await session.endpoint('compute');
  // The catalog URL may carry the project id (…/v2.1/<project>); its version document is one up.
  const candidates = [url, url.replace(/\/v2(\.1)?\/[^/]+$/, '/v2$1')];
  let doc: { version?: string; min_version?: string } | undefined;
  for (const u of new Set(candidates)) {
    const res = await session.request<{ version?: { version?: string; min_version?: string } }>('compute', 'GET', `${u}/`);
    doc = res.body?.version;
    if (doc?.version) break;
  }
  if (!doc?.version) {
    return { min: '2.0', max: '2.0', chosen: '2.0' }; // a v2.0-only endpoint; too old for berth anyway
  }
  const max = doc.version;
  const min = doc.min_version || '2.1';
  if (cmp(max, CLIENT_MIN_MICROVERSION) < 0) {
    throw new OpenStackError({
      service: 'compute',
      method: 'GET',
      path: new URL(url).pathname,
      status: 200,
      osMessage: `compute API microversions ${min}-${max}; berth needs at least ${CLIENT_MIN_MICROVERSION}`,
    });
  }
  return { min, max, chosen: cmp(max, CLIENT_MAX_MICROVERSION) < 0 ? max : CLIENT_MAX_MICROVERSION };
}

/** Compares microversions "2.9" < "2.10" numerically. */
export function cmp(a: string, b: string): number {
  const [am = 0, an = 0] = a.split('.').map(Number);
  const [bm = 0, bn = 0] = b.split('.').map(Number);
  return am - bm || an - bn;
}

export function encodeUserData(data: string | Buffer): string {
  const b64 = Buffer.from(data).toString('base64');
  if (b64.length > MAX_USER_DATA_BASE64) {
    throw new RangeError(`user data is ${b64.length} bytes base64-encoded; Nova accepts at most ${MAX_USER_DATA_BASE64} (compress it, or ship files another way)`);
  }
  return b64;
}

/** Nova's name filter is a regular expression (MySQL REGEXP / Python re): escape and anchor. */
export function exactNameRegex(name: string): string {
  return `^${name.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&')}$`;
}

function serverError(s: Server, what: string): OpenStackError {
  return new OpenStackError({
    service: 'compute',
    method: 'GET',
    path: `/servers/${s.id}`,
    status: 200,
    osMessage: what,
    fault: s.fault,
  });
}

export async function ignore404(p: Promise<unknown>, ignore?: boolean): Promise<void> {
  try {
    await p;
  } catch (err) {
    if (!(ignore && err instanceof OpenStackError && err.status === 404)) throw err;
  }
}

const enc = encodeURIComponent;
