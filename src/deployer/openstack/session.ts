// An authenticated session on one cloud: it finds each service's endpoint in the catalog, adds
// the token, re-authenticates once when the token is about to expire or a call gets 401 (a
// revoked or expired token), and sends every call through the retrying HTTP client.
import { authenticate, type Token } from './auth.js';
import { chooseEndpoint } from './catalog.js';
import { readCaBundle, type CloudConfig } from './config.js';
import { OpenStackError } from './errors.js';
import { HttpClient, type CallOptions, type HttpOptions, type HttpResponse, type Method } from './http.js';

export type ServiceType = 'identity' | 'compute' | 'network' | 'image' | 'block-storage' | 'load-balancer';

/** The API version each client speaks, appended when the catalog gives an unversioned URL. */
const VERSION_SUFFIX: Record<ServiceType, RegExp | undefined> = {
  identity: undefined,
  compute: undefined, // the catalog names the version (…/v2.1)
  network: /\/v2\.0$/,
  image: /\/v2$/,
  'block-storage': undefined, // the catalog names the version and the project (…/v3/<project>)
  'load-balancer': /\/v2(\.0)?$/, // Octavia's catalog URL is usually unversioned (http://host:9876)
};
/** Catalog types a service goes by, newest first (Cinder: block-storage, and volumev3 before it). */
const CATALOG_TYPES: Partial<Record<ServiceType, string[]>> = { 'block-storage': ['block-storage', 'volumev3'] };
const SUFFIX: Partial<Record<ServiceType, string>> = { network: '/v2.0', image: '/v2', 'load-balancer': '/v2' };
const RENEW_BEFORE_MS = 120_000;

/** Query parameters; undefined values are left out, arrays repeat the key. */
export type Query = Record<string, string | number | boolean | string[] | undefined>;

export interface RequestOptions extends Omit<CallOptions, 'service' | 'method' | 'url'> {
  query?: Query;
}

export class Session {
  readonly http: HttpClient;
  private token?: Token;
  private authing?: Promise<Token>;
  private readonly extraHeaders = new Map<ServiceType, Record<string, string>>();

  constructor(
    readonly cloud: CloudConfig,
    httpOptions: HttpOptions = {},
  ) {
    const ca = cloud.cacert ? readCaBundle(cloud.name, cloud.cacert) : undefined;
    this.http = new HttpClient({ ca, insecure: cloud.insecure, ...httpOptions });
  }

  /** The current token, fetching or renewing it when needed. */
  async getToken(): Promise<Token> {
    const t = this.token;
    if (t && t.expiresAt.getTime() - Date.now() > RENEW_BEFORE_MS) return t;
    return this.reauthenticate();
  }

  /** One authentication at a time, shared by every caller that needs it. */
  reauthenticate(): Promise<Token> {
    this.authing ??= authenticate(this.http, this.cloud)
      .then((t) => (this.token = t))
      .finally(() => (this.authing = undefined));
    return this.authing;
  }

  async endpoint(service: ServiceType): Promise<string> {
    const types = CATALOG_TYPES[service] ?? [service];
    const base = this.override(types) ?? (await this.catalogEndpoint(types));
    const suffix = SUFFIX[service];
    const trimmed = base.replace(/\/+$/, '');
    return suffix && !VERSION_SUFFIX[service]?.test(trimmed) ? trimmed + suffix : trimmed;
  }

  /** True when the catalog (or an override) has the service: block storage is optional. */
  async hasService(service: ServiceType): Promise<boolean> {
    const types = CATALOG_TYPES[service] ?? [service];
    if (this.override(types)) return true;
    const catalog = (await this.getToken()).catalog;
    return catalog.some((e) => types.includes(e.type));
  }

  /** clouds.yaml's <type>_endpoint_override (block_storage_endpoint_override, volumev3_…). */
  private override(types: string[]): string | undefined {
    return types.map((t) => this.cloud.endpointOverrides[t.replaceAll('-', '_')]).find(Boolean);
  }

  /** The first of the catalog types present; the error names the first type when none is. */
  private async catalogEndpoint(types: string[]): Promise<string> {
    const catalog = (await this.getToken()).catalog;
    const type = types.find((t) => catalog.some((e) => e.type === t)) ?? types[0]!;
    return chooseEndpoint(catalog, type, this.cloud.interface, this.cloud.regionName);
  }

  /** Headers added to every call to a service (Nova's microversion). */
  setServiceHeaders(service: ServiceType, headers: Record<string, string>): void {
    this.extraHeaders.set(service, headers);
  }

  /** A call to `path` under the service's endpoint (or to an absolute URL). */
  async request<T = unknown>(service: ServiceType, method: Method, path: string, o: RequestOptions = {}): Promise<HttpResponse<T>> {
    const url = withQuery(/^https?:/.test(path) ? path : (await this.endpoint(service)) + path, o.query);
    const { query: _q, ...rest } = o;
    const call = async (token: Token) =>
      this.http.call<T>({
        ...rest,
        service,
        method,
        url,
        headers: { ...this.extraHeaders.get(service), ...o.headers, 'x-auth-token': token.value },
      });
    const token = await this.getToken();
    try {
      return await call(token);
    } catch (err) {
      // 401 on a token we believed valid: it was revoked or expired early. Once, not in a loop.
      if (!(err instanceof OpenStackError) || err.status !== 401) throw err;
      if (this.token === token) this.token = undefined;
      return call(await this.getToken());
    }
  }

  async close(): Promise<void> {
    await this.http.close();
  }
}

export function withQuery(url: string, query: Query | undefined): string {
  if (!query) return url;
  const u = new URL(url);
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined) continue;
    for (const item of Array.isArray(v) ? v : [v]) u.searchParams.append(k, String(item));
  }
  return u.toString();
}
