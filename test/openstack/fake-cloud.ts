// A scripted OpenStack endpoint for the cloud-free client tests: a real node:http (or node:https)
// server on 127.0.0.1, as gophercloud's fixture tests have beside its acceptance tests. Each
// route answers its calls in turn from a list of replies (the last one from then on); every
// request is recorded. Keystone is faked far enough to log in: tokens tok-1, tok-2, ... and a
// catalog pointing back at this server. The sandbox tests stay the acceptance layer.
import { createServer as createHttp, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttps } from 'node:https';
import { readFileSync } from 'node:fs';
import type { AddressInfo, Socket } from 'node:net';
import { Session, type CloudConfig } from '../../src/deployer/openstack/index.js';

export interface Seen {
  method: string;
  /** Path and query as sent. */
  url: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
  /** Date.now() when the request arrived. */
  at: number;
}

export type Reply = (req: Seen, res: ServerResponse) => void;

/** A JSON answer (OpenStack's own error bodies included). */
export const json =
  (status: number, body?: unknown, headers: Record<string, string> = {}): Reply =>
  (_req, res) => {
    res.writeHead(status, { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers });
    res.end(body !== undefined ? JSON.stringify(body) : undefined);
  };
/** Nova's error body: { <type>: { code, message } }. */
export const novaError = (status: number, type: string, message: string, headers: Record<string, string> = {}): Reply =>
  json(status, { [type]: { code: status, message } }, { 'x-openstack-request-id': `req-${type}`, ...headers });
/** The connection closed without an answer, after the request was read (a reset). */
export const reset: Reply = (_req, res) => void res.socket?.destroy();
/** No answer at all (a hung endpoint). */
export const hang: Reply = () => {};

interface Route {
  method: string;
  path: RegExp;
  replies: Reply[];
  calls: number;
}

export class FakeServer {
  readonly seen: Seen[] = [];
  /** TCP connections accepted. */
  connections = 0;
  url = '';
  private readonly routes: Route[] = [];
  private server?: Server;
  private readonly sockets = new Set<Socket>();

  /** tls: PEM files of the server's key and certificate (an https server). */
  constructor(private readonly tls?: { key: string; cert: string }) {}

  /** Answers `method path` with the replies in turn (the last one from then on). Later routes win. */
  on(method: string, path: RegExp | string, ...replies: Reply[]): this {
    const re = typeof path === 'string' ? new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) : path;
    this.routes.unshift({ method, path: re, replies, calls: 0 });
    return this;
  }

  /** The requests to a path (and method). */
  calls(method: string, path: RegExp | string): Seen[] {
    return this.seen.filter((s) => s.method === method && (typeof path === 'string' ? s.path === path : path.test(s.path)));
  }

  async start(): Promise<string> {
    const handler = (req: import('node:http').IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const u = new URL(req.url ?? '/', 'http://x');
        const seen: Seen = {
          method: req.method ?? '',
          url: req.url ?? '',
          path: u.pathname,
          query: u.searchParams,
          headers: req.headers,
          body: Buffer.concat(chunks).toString(),
          at: Date.now(),
        };
        this.seen.push(seen);
        const route = this.routes.find((r) => r.method === seen.method && r.path.test(seen.path));
        if (!route) return json(404, { itemNotFound: { code: 404, message: `fake: no route for ${seen.method} ${seen.path}` } })(seen, res);
        const reply = route.replies[Math.min(route.calls++, route.replies.length - 1)]!;
        reply(seen, res);
      });
    };
    this.server = this.tls ? createHttps({ key: readFileSync(this.tls.key), cert: readFileSync(this.tls.cert) }, handler) : createHttp(handler);
    this.server.on('connection', (s: Socket) => {
      this.connections++;
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    this.server.on('tlsClientError', () => {}); // a client refusing our certificate: what a test expects
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `${this.tls ? 'https' : 'http'}://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}

export interface KeystoneOptions {
  /** Lifetime of each token issued, in ms (default 1 h). */
  lifetimeMs?: (n: number) => number;
  /** Catalog URLs (default: this server's /compute/v2.1, /network, /image). */
  catalog?: { type: string; endpoints: { interface: string; region_id?: string; url: string }[] }[];
}

/** Keystone's POST /v3/auth/tokens on `server`: token tok-<n>, user alice, project demo. */
export function fakeKeystone(server: FakeServer, o: KeystoneOptions = {}): void {
  let n = 0;
  server.on('POST', '/v3/auth/tokens', (req, res) => {
    n++;
    const base = server.url;
    const catalog = o.catalog ?? [
      { type: 'identity', endpoints: [{ interface: 'public', region_id: 'RegionOne', url: `${base}/v3` }] },
      { type: 'compute', endpoints: [{ interface: 'public', region_id: 'RegionOne', url: `${base}/compute/v2.1` }] },
      { type: 'network', endpoints: [{ interface: 'public', region_id: 'RegionOne', url: `${base}/network` }] },
      { type: 'image', endpoints: [{ interface: 'public', region_id: 'RegionOne', url: `${base}/image` }] },
    ];
    const expires = new Date(Date.now() + (o.lifetimeMs?.(n) ?? 3_600_000)).toISOString();
    json(
      201,
      {
        token: {
          expires_at: expires,
          user: { id: 'u1', name: 'alice', domain: { id: 'default', name: 'Default' } },
          project: { id: 'p1', name: 'demo', domain: { id: 'default', name: 'Default' } },
          roles: [{ id: 'r1', name: 'member' }],
          catalog,
        },
      },
      { 'x-subject-token': `tok-${n}` },
    )(req, res);
  });
}

/** Nova's version document at the compute endpoint (…/v2.1/). */
export function fakeNovaVersion(server: FakeServer, max = '2.93', min = '2.1'): void {
  server.on('GET', /^\/compute\/v2\.1\/?$/, json(200, { version: { id: 'v2.1', status: 'CURRENT', version: max, min_version: min } }));
}

/** A password cloud whose Keystone is `base`/v3 (as loadCloudConfig would give it). */
export function fakeCloud(base: string, o: Partial<CloudConfig> = {}): CloudConfig {
  return {
    name: 'fake',
    source: 'test',
    authType: 'password',
    auth: { authUrl: `${base}/v3`, username: 'alice', password: 'pw-Secret-123', userDomainName: 'Default', projectName: 'demo', projectDomainName: 'Default' },
    interface: 'public',
    endpointOverrides: {},
    insecure: false,
    ...o,
  };
}

/** A fake cloud with Keystone, and a session on it that retries quickly (a test's beforeEach). */
export async function startFakeCloud(): Promise<{ server: FakeServer; session: Session }> {
  const server = new FakeServer();
  await server.start();
  fakeKeystone(server);
  return { server, session: new Session(fakeCloud(server.url), { retry: { attempts: 2, baseDelayMs: 5 } }) };
}

/** Closes what startFakeCloud made (a test's afterEach). */
export async function stopFakeCloud(f: { server: FakeServer; session: Session }): Promise<void> {
  await f.session.close();
  await f.server.stop();
}
