// Cloud configuration the way openstacksdk reads it, so a user's existing clouds.yaml just works:
//   - clouds.yaml: $OS_CLIENT_CONFIG_FILE, else the first of ./, ~/.config/openstack/,
//     /etc/openstack/ (clouds.yaml or clouds.yml); secure.yaml likewise ($OS_CLIENT_SECURE_FILE)
//     and deep-merged over it (it holds the passwords);
//   - the cloud: --cloud, else $OS_CLOUD, else the plain OS_* variables as a cloud named
//     "envvars" (also selectable by that name);
//   - keys may use dashes or underscores; region from region_name, else the first of `regions`,
//     else $OS_REGION_NAME; interface public unless said otherwise.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { OpenStackConfigError } from './errors.js';

export type Interface = 'public' | 'internal' | 'admin';

export interface AuthSettings {
  authUrl: string;
  username?: string;
  userId?: string;
  password?: string;
  userDomainName?: string;
  userDomainId?: string;
  projectName?: string;
  projectId?: string;
  projectDomainName?: string;
  projectDomainId?: string;
  domainName?: string;
  domainId?: string;
  applicationCredentialId?: string;
  applicationCredentialName?: string;
  applicationCredentialSecret?: string;
}

export interface CloudConfig {
  /** The cloud's name in clouds.yaml, or "envvars". */
  name: string;
  /** Where it came from: a file path or "environment". */
  source: string;
  authType: 'password' | 'application_credential';
  auth: AuthSettings;
  regionName?: string;
  interface: Interface;
  /** `<service-type>_endpoint_override` keys, by service type. */
  endpointOverrides: Record<string, string>;
  /** Path of a PEM CA bundle (clouds.yaml `cacert`, $OS_CACERT), resolved against the cwd. */
  cacert?: string;
  insecure: boolean;
}

export interface LoadOptions {
  cloud?: string;
  env?: Record<string, string | undefined>;
  cwd?: string;
  home?: string;
}

const ENVVARS = 'envvars';

const authSchema = z
  .object({
    auth_url: z.string().url({ message: 'auth_url must be a URL' }),
    username: z.string().optional(),
    user_id: z.string().optional(),
    password: z.string().optional(),
    user_domain_name: z.string().optional(),
    user_domain_id: z.string().optional(),
    project_name: z.string().optional(),
    tenant_name: z.string().optional(),
    project_id: z.string().optional(),
    tenant_id: z.string().optional(),
    project_domain_name: z.string().optional(),
    project_domain_id: z.string().optional(),
    domain_name: z.string().optional(),
    domain_id: z.string().optional(),
    default_domain: z.string().optional(),
    application_credential_id: z.string().optional(),
    application_credential_name: z.string().optional(),
    application_credential_secret: z.string().optional(),
  })
  .passthrough();

const cloudSchema = z
  .object({
    auth: authSchema,
    auth_type: z.string().optional(),
    region_name: z.string().optional(),
    regions: z.array(z.union([z.string(), z.object({ name: z.string() }).passthrough()])).optional(),
    interface: z.string().optional(),
    endpoint_type: z.string().optional(),
    identity_api_version: z.union([z.string(), z.number()]).optional(),
    cacert: z.string().optional(),
    verify: z.union([z.boolean(), z.string()]).optional(),
    insecure: z.union([z.boolean(), z.string()]).optional(),
  })
  .passthrough();

type RawCloud = z.infer<typeof cloudSchema>;

/** Loads and validates the selected cloud. Throws OpenStackConfigError with a hint. */
export function loadCloudConfig(opts: LoadOptions = {}): CloudConfig {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  const home = opts.home ?? homedir();
  const files = configFiles(env, cwd, home);
  const clouds = readClouds(files);
  const envCloud = cloudFromEnv(env);
  const name = opts.cloud ?? nonEmpty(env.OS_CLOUD) ?? (envCloud ? ENVVARS : undefined);
  if (!name) {
    const known = Object.keys(clouds.clouds);
    throw new OpenStackConfigError(
      'no cloud selected',
      known.length
        ? `pass --cloud NAME or set OS_CLOUD (clouds in ${clouds.source}: ${known.join(', ')})`
        : 'write a clouds.yaml (./, ~/.config/openstack/ or /etc/openstack/) or set the OS_* variables (source an openrc)',
    );
  }
  if (name === ENVVARS && envCloud) return toCloudConfig(name, 'environment', envCloud, env, cwd, home);
  const raw = clouds.clouds[name];
  if (raw === undefined) {
    const known = Object.keys(clouds.clouds);
    throw new OpenStackConfigError(
      `cloud "${name}" not found${clouds.source ? ` in ${clouds.source}` : ' (no clouds.yaml found)'}`,
      known.length ? `known clouds: ${known.join(', ')}` : 'searched $OS_CLIENT_CONFIG_FILE, ./, ~/.config/openstack/, /etc/openstack/',
    );
  }
  return toCloudConfig(name, clouds.source ?? '', normalizeKeys(raw), env, cwd, home);
}

interface ConfigFiles {
  clouds?: string;
  secure?: string;
}

function configFiles(env: Record<string, string | undefined>, cwd: string, home: string): ConfigFiles {
  const dirs = [cwd, join(home, '.config', 'openstack'), '/etc/openstack'];
  const first = (explicit: string | undefined, base: string) => {
    if (explicit) {
      if (!existsSync(explicit)) throw new OpenStackConfigError(`${explicit} does not exist`, `check OS_CLIENT_CONFIG_FILE / OS_CLIENT_SECURE_FILE`);
      return resolve(explicit);
    }
    for (const d of dirs) for (const ext of ['yaml', 'yml']) if (existsSync(join(d, `${base}.${ext}`))) return join(d, `${base}.${ext}`);
    return undefined;
  };
  return { clouds: first(nonEmpty(env.OS_CLIENT_CONFIG_FILE), 'clouds'), secure: first(nonEmpty(env.OS_CLIENT_SECURE_FILE), 'secure') };
}

function readClouds(files: ConfigFiles): { source?: string; clouds: Record<string, unknown> } {
  const base = files.clouds ? cloudsOf(files.clouds) : {};
  const secure = files.secure ? cloudsOf(files.secure) : {};
  return { source: files.clouds, clouds: deepMerge(base, secure) as Record<string, unknown> };
}

function cloudsOf(path: string): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new OpenStackConfigError(`cannot read ${path}: ${(err as Error).message.split('\n')[0]}`);
  }
  const clouds = (doc as { clouds?: unknown } | null)?.clouds;
  if (clouds === undefined) return {};
  if (!clouds || typeof clouds !== 'object') throw new OpenStackConfigError(`${path}: "clouds" must be a mapping`);
  return clouds as Record<string, unknown>;
}

/** The OS_* variables as a cloud (openstacksdk's "envvars"); undefined when there are none. */
function cloudFromEnv(env: Record<string, string | undefined>): Record<string, unknown> | undefined {
  const authKeys = [
    'auth_url',
    'username',
    'user_id',
    'password',
    'user_domain_name',
    'user_domain_id',
    'project_name',
    'tenant_name',
    'project_id',
    'tenant_id',
    'project_domain_name',
    'project_domain_id',
    'domain_name',
    'domain_id',
    'default_domain',
    'application_credential_id',
    'application_credential_name',
    'application_credential_secret',
  ];
  const auth: Record<string, string> = {};
  for (const k of authKeys) {
    const v = nonEmpty(env[`OS_${k.toUpperCase()}`]);
    if (v !== undefined) auth[k] = v;
  }
  if (!auth.auth_url) return undefined;
  const cloud: Record<string, unknown> = { auth };
  const top: Record<string, string | undefined> = {
    auth_type: env.OS_AUTH_TYPE,
    region_name: env.OS_REGION_NAME,
    interface: env.OS_INTERFACE ?? env.OS_ENDPOINT_TYPE,
    identity_api_version: env.OS_IDENTITY_API_VERSION,
    cacert: env.OS_CACERT,
    insecure: env.OS_INSECURE,
  };
  for (const [k, v] of Object.entries(top)) if (nonEmpty(v) !== undefined) cloud[k] = v;
  return cloud;
}

function toCloudConfig(name: string, source: string, raw: unknown, env: Record<string, string | undefined>, cwd: string, home: string): CloudConfig {
  const parsed = cloudSchema.safeParse(raw);
  if (!parsed.success) {
    const why = parsed.error.issues.map((i) => `${i.path.join('.') || '(cloud)'}: ${i.message}`).join('; ');
    throw new OpenStackConfigError(`cloud "${name}" (${source}) is invalid: ${why}`);
  }
  const c = parsed.data;
  const authType = authTypeOf(name, c.auth_type);
  const auth = authSettings(c);
  checkAuth(name, authType, auth);
  return {
    name,
    source,
    authType,
    auth,
    regionName: c.region_name ?? firstRegion(c.regions) ?? nonEmpty(env.OS_REGION_NAME),
    interface: interfaceOf(name, c.interface ?? c.endpoint_type),
    endpointOverrides: endpointOverrides(c),
    cacert: c.cacert ? resolve(cwd, c.cacert.replace(/^~(?=\/)/, home)) : undefined,
    insecure: c.verify === false || c.verify === 'false' || c.insecure === true || c.insecure === 'true',
  };
}

/**
 * The PEM text of a `cacert` file, as openstacksdk reads it (a path, not the certificates
 * themselves). Only these CAs are trusted for the cloud's endpoints, as with requests' verify.
 */
export function readCaBundle(name: string, path: string): string {
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (err) {
    throw new OpenStackConfigError(
      `cloud "${name}": cacert ${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
      'cacert is the path of a PEM file with the CA certificates',
    );
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    throw new OpenStackConfigError(`cloud "${name}": cacert ${path} holds no PEM certificate`, 'cacert is the path of a PEM file with the CA certificates');
  }
  return pem;
}

function authTypeOf(name: string, t: string | undefined): CloudConfig['authType'] {
  if (t === undefined || t === 'password' || t === 'v3password') return 'password';
  if (t === 'v3applicationcredential' || t === 'application_credential') return 'application_credential';
  throw new OpenStackConfigError(`cloud "${name}": auth_type "${t}" is not supported`, 'use password or v3applicationcredential');
}

function authSettings(c: RawCloud): AuthSettings {
  const a = c.auth;
  // default_domain stands in for any domain left unset, as in openstacksdk.
  const dd = a.default_domain;
  return {
    authUrl: withIdentityVersion(a.auth_url),
    username: a.username,
    userId: a.user_id,
    password: a.password,
    userDomainName: a.user_domain_name,
    userDomainId: a.user_domain_id ?? (a.user_domain_name ? undefined : dd),
    projectName: a.project_name ?? a.tenant_name,
    projectId: a.project_id ?? a.tenant_id,
    projectDomainName: a.project_domain_name,
    projectDomainId: a.project_domain_id ?? (a.project_domain_name ? undefined : dd),
    domainName: a.domain_name,
    domainId: a.domain_id,
    applicationCredentialId: a.application_credential_id,
    applicationCredentialName: a.application_credential_name,
    applicationCredentialSecret: a.application_credential_secret,
  };
}

function checkAuth(name: string, type: CloudConfig['authType'], a: AuthSettings): void {
  const missing = (what: string) => new OpenStackConfigError(`cloud "${name}": ${what} missing in auth`);
  if (type === 'application_credential') {
    if (!a.applicationCredentialSecret) throw missing('application_credential_secret');
    if (!a.applicationCredentialId && !(a.applicationCredentialName && (a.username || a.userId))) {
      throw missing('application_credential_id (or application_credential_name with username)');
    }
    return;
  }
  if (!a.username && !a.userId) throw missing('username (or user_id)');
  if (a.password === undefined) throw missing('password');
}

/** Keystone v3 is the only one left; an auth_url without a version gets /v3. */
function withIdentityVersion(url: string): string {
  const trimmed = url.replace(/\/+$/, '');
  return /\/v3$/.test(trimmed) ? trimmed : /\/v2\.0$/.test(trimmed) ? trimmed.replace(/v2\.0$/, 'v3') : `${trimmed}/v3`;
}

function interfaceOf(name: string, i: string | undefined): Interface {
  const v = (i ?? 'public').replace(/URL$/, '');
  if (v === 'public' || v === 'internal' || v === 'admin') return v;
  throw new OpenStackConfigError(`cloud "${name}": interface "${i}" is not one of public, internal, admin`);
}

function firstRegion(regions: RawCloud['regions']): string | undefined {
  const r = regions?.[0];
  return typeof r === 'string' ? r : r?.name;
}

function endpointOverrides(c: RawCloud): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(c)) {
    const m = /^(.+)_endpoint_override$/.exec(k);
    if (m?.[1] && typeof v === 'string') out[m[1]] = v;
  }
  return out;
}

/** openstacksdk accepts dashes for underscores in keys (project-name). */
function normalizeKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(normalizeKeys);
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k.replaceAll('-', '_'), normalizeKeys(x)]));
  }
  return v;
}

function deepMerge(a: unknown, b: unknown): unknown {
  if (!isObj(a) || !isObj(b)) return b === undefined ? a : b;
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = deepMerge(a[k], v);
  return out;
}

const isObj = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);
const nonEmpty = (v: string | undefined) => (v === undefined || v === '' ? undefined : v);
