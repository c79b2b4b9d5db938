// Nova servers: the resource (list with exact-name and tag filters, create with user data), its
// tags and metadata, waiting for a status (ERROR fails with the server's fault) or for the
// delete, start and stop, and the console log.
import { setTimeout as sleep } from 'node:timers/promises';
import { OpenStackError } from '../errors.js';
import { enc, joinTagFilters, TaggedResource, type Filters } from '../resource.js';
import type { Query, Session } from '../session.js';
import type { Server, ServerCreate, ServerFilters, ServerUpdate } from './types.js';

/** Nova stores user_data base64-encoded in a 64 KiB column. */
export const MAX_USER_DATA_BASE64 = 65535;

/** osType of a wait's error: the server went to ERROR (its fault attached), or time ran out. */
export const SERVER_ERROR = 'ServerError';
export const SERVER_TIMEOUT = 'ServerTimeout';

/** True for waitFor's error when the server itself went to ERROR (not a timeout, not an API error). */
export const isServerErrorState = (err: unknown): boolean => err instanceof OpenStackError && err.osType === SERVER_ERROR;

export interface WaitOptions {
  timeoutMs?: number;
  /** The longest pause between two reads (they start at 0.5 s and grow by half; default 5 s). */
  maxIntervalMs?: number;
}

export class Servers extends TaggedResource<Server, ServerCreate, ServerUpdate, ServerFilters> {
  readonly metadata: ServerMetadata;

  constructor(session: Session) {
    super(session, {
      service: 'compute',
      path: '/servers',
      listPath: '/servers/detail',
      key: 'server',
      plural: 'servers',
      nameFilter: true,
      query: serverQuery,
    });
    this.metadata = new ServerMetadata(session);
  }

  /** Boots a server; user_data is base64-encoded here. A POST: never blindly retried. */
  override create(r: ServerCreate): Promise<Server> {
    const { user_data, ...rest } = r;
    const body = user_data === undefined ? rest : { ...rest, user_data: encodeUserData(user_data) };
    return super.create(body as ServerCreate);
  }

  /** Polls until the server has `status`; ERROR fails at once, with the server's fault. */
  async waitFor(id: string, status = 'ACTIVE', o: WaitOptions = {}): Promise<Server> {
    const timeoutMs = o.timeoutMs ?? 300_000;
    const deadline = Date.now() + timeoutMs;
    for (let delay = 500; ; delay = Math.min(delay * 1.5, o.maxIntervalMs ?? 5000)) {
      const s = await this.get(id);
      if (s.status === status) return s;
      if (s.status === 'ERROR') throw serverError(s, `server ${s.name} went to ERROR`, SERVER_ERROR);
      if (Date.now() + delay > deadline) throw serverError(s, `server ${s.name} not ${status} after ${timeoutMs} ms (status ${s.status})`, SERVER_TIMEOUT);
      await sleep(delay);
    }
  }

  /** Polls until the server is gone (404 or DELETED). */
  async waitForDeleted(id: string, o: WaitOptions = {}): Promise<void> {
    const timeoutMs = o.timeoutMs ?? 120_000;
    const deadline = Date.now() + timeoutMs;
    for (let delay = 500; ; delay = Math.min(delay * 1.5, 5000)) {
      const s = await this.getIfExists(id);
      if (!s || s.status === 'DELETED') return;
      if (Date.now() + delay > deadline) throw serverError(s, `server ${s.name} still there after ${timeoutMs} ms`, SERVER_TIMEOUT);
      await sleep(delay);
    }
  }

  /** Starts a stopped (SHUTOFF) server; Nova answers 409 for one that is not stopped. */
  async start(id: string): Promise<void> {
    await this.call('POST', `${this.itemPath(id)}/action`, { json: { 'os-start': null } });
  }

  /** Stops a server (SHUTOFF); its disk, ports and addresses stay. */
  async stop(id: string): Promise<void> {
    await this.call('POST', `${this.itemPath(id)}/action`, { json: { 'os-stop': null } });
  }

  /** The console log: the last `length` lines, or all of it. A POST that only reads: retried. */
  async consoleOutput(id: string, o: { length?: number } = {}): Promise<string> {
    const action = { 'os-getConsoleOutput': o.length === undefined ? {} : { length: o.length } };
    const body = (await this.call('POST', `${this.itemPath(id)}/action`, { json: action, idempotent: true })) as { output: string };
    return body.output;
  }
}

/** Server metadata: key/value strings Nova keeps with the server (and shows to the guest). */
export class ServerMetadata {
  constructor(private readonly session: Session) {}

  async get(id: string): Promise<Record<string, string>> {
    return (await this.session.request<{ metadata: Record<string, string> }>('compute', 'GET', this.path(id))).body.metadata;
  }

  /** Replaces all of it (PUT). */
  async replace(id: string, metadata: Record<string, string>): Promise<Record<string, string>> {
    return (await this.session.request<{ metadata: Record<string, string> }>('compute', 'PUT', this.path(id), { json: { metadata } })).body.metadata;
  }

  /** Sets these keys, keeping the others (POST, but the same call twice has the same result). */
  async merge(id: string, metadata: Record<string, string>): Promise<Record<string, string>> {
    return (await this.session.request<{ metadata: Record<string, string> }>('compute', 'POST', this.path(id), { json: { metadata } })).body.metadata;
  }

  async set(id: string, key: string, value: string): Promise<void> {
    await this.session.request('compute', 'PUT', `${this.path(id)}/${enc(key)}`, { json: { meta: { [key]: value } } });
  }

  async delete(id: string, key: string): Promise<void> {
    await this.session.request('compute', 'DELETE', `${this.path(id)}/${enc(key)}`);
  }

  private path(id: string): string {
    return `/servers/${enc(id)}/metadata`;
  }
}

/** Nova's name filter is a regular expression: an exact name is escaped and anchored. */
function serverQuery(filters: Filters): Query {
  const { name, ...rest } = filters;
  return joinTagFilters({ ...rest, name: typeof name === 'string' ? exactNameRegex(name) : name });
}

export function encodeUserData(data: string | Buffer): string {
  const b64 = Buffer.from(data).toString('base64');
  if (b64.length > MAX_USER_DATA_BASE64) {
    throw new RangeError(
      `user data is ${b64.length} bytes base64-encoded; Nova accepts at most ${MAX_USER_DATA_BASE64} (compress it, or ship files another way)`,
    );
  }
  return b64;
}

/** Nova's name filter is a regular expression (MySQL REGEXP / Python re): escape and anchor. */
export function exactNameRegex(name: string): string {
  return `^${name.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&')}$`;
}

function serverError(s: Server, what: string, osType: typeof SERVER_ERROR | typeof SERVER_TIMEOUT): OpenStackError {
  return new OpenStackError({ service: 'compute', method: 'GET', path: `/servers/${s.id}`, status: 200, osMessage: what, osType, fault: s.fault });
}
