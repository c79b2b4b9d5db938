// Keystone v3 authentication: password (user by name+domain or id) or application credential,
// scoped to a project (id, or name+domain) or a domain. The token, who it is for and the catalog
// come back together; the secret values are registered with the redactor first thing.
import type { CloudConfig } from './config.js';
import type { CatalogEntry } from './catalog.js';
import { OpenStackError } from './errors.js';
import type { HttpClient } from './http.js';

export interface Named {
  id: string;
  name: string;
  domain?: { id: string; name: string };
}

export interface Token {
  value: string;
  expiresAt: Date;
  user: Named;
  project?: Named;
  domain?: { id: string; name: string };
  roles: string[];
  catalog: CatalogEntry[];
}

export async function authenticate(http: HttpClient, cloud: CloudConfig): Promise<Token> {
  const a = cloud.auth;
  http.redactor.add(a.password);
  http.redactor.add(a.applicationCredentialSecret);
  try {
    const res = await http.call<{ token: RawToken }>({
      service: 'identity',
      method: 'POST',
      url: `${a.authUrl}/auth/tokens`,
      json: { auth: authBody(cloud) },
    });
    const value = res.headers['x-subject-token'];
    if (!value) throw new Error('Keystone answered without X-Subject-Token');
    http.redactor.add(value);
    return toToken(value, res.body.token);
  } catch (err) {
    if (err instanceof OpenStackError && err.status === 401) {
      // Keystone says only "The request you have made requires authentication." - say which.
      throw new OpenStackError({
        service: err.service,
        method: err.method,
        path: err.path,
        status: 401,
        requestId: err.requestId,
        osMessage: `authentication failed for cloud "${cloud.name}" (${who(cloud)}): wrong credentials or scope (${err.osMessage})`,
      });
    }
    throw err;
  }
}

function authBody(cloud: CloudConfig): object {
  const a = cloud.auth;
  if (cloud.authType === 'application_credential') {
    // Application credentials carry their own scope: a scope in the request is an error.
    const cred = a.applicationCredentialId
      ? { id: a.applicationCredentialId, secret: a.applicationCredentialSecret }
      : { name: a.applicationCredentialName, secret: a.applicationCredentialSecret, user: userRef(cloud) };
    return { identity: { methods: ['application_credential'], application_credential: cred } };
  }
  const body: Record<string, unknown> = {
    identity: { methods: ['password'], password: { user: { ...userRef(cloud), password: a.password } } },
  };
  const scope = scopeOf(cloud);
  if (scope) body.scope = scope;
  return body;
}

function userRef(cloud: CloudConfig): object {
  const a = cloud.auth;
  if (a.userId) return { id: a.userId };
  return { name: a.username, domain: domainRef(a.userDomainId, a.userDomainName) };
}

function scopeOf(cloud: CloudConfig): object | undefined {
  const a = cloud.auth;
  if (a.projectId) return { project: { id: a.projectId } };
  if (a.projectName) return { project: { name: a.projectName, domain: domainRef(a.projectDomainId, a.projectDomainName) } };
  if (a.domainId) return { domain: { id: a.domainId } };
  if (a.domainName) return { domain: { name: a.domainName } };
  return undefined; // unscoped: Keystone may use the user's default project
}

/** A name without a domain means the "default" domain, as keystoneauth assumes too. */
const domainRef = (id?: string, name?: string) => (id ? { id } : name ? { name } : { id: 'default' });

function who(cloud: CloudConfig): string {
  const a = cloud.auth;
  if (cloud.authType === 'application_credential') return `application credential ${a.applicationCredentialId ?? a.applicationCredentialName}`;
  const project = a.projectName ?? a.projectId;
  return `user ${a.username ?? a.userId}${project ? `, project ${project}` : ''}`;
}

interface RawToken {
  expires_at: string;
  user: Named;
  project?: Named;
  domain?: { id: string; name: string };
  roles?: { id: string; name: string }[];
  catalog?: CatalogEntry[];
}

function toToken(value: string, t: RawToken): Token {
  return {
    value,
    expiresAt: new Date(t.expires_at),
    user: t.user,
    project: t.project,
    domain: t.domain,
    roles: (t.roles ?? []).map((r) => r.name),
    catalog: t.catalog ?? [],
  };
}
