// Keystone beyond logging in: application credentials (what a CI or a long-lived deployment
// should use instead of a password) and token revocation. Credentials live under the user the
// token is for, so their paths are made per call.
import { Resource, type DeleteOptions, type Filters, type ListOptions } from '../resource.js';
import type { Session } from '../session.js';

export interface ApplicationCredential {
  id: string;
  name: string;
  project_id: string;
  description?: string | null;
  /** Only in the create response: Keystone keeps a hash. */
  secret?: string;
  expires_at?: string | null;
  unrestricted?: boolean;
  roles?: { id: string; name: string }[];
}

export interface ApplicationCredentialCreate {
  name: string;
  description?: string;
  /** ISO 8601; never when left out. */
  expires_at?: string;
  roles?: ({ id: string } | { name: string })[];
  unrestricted?: boolean;
}

export class ApplicationCredentials {
  constructor(private readonly session: Session) {}

  async list(filters: Filters = {}, o: ListOptions = {}): Promise<ApplicationCredential[]> {
    return (await this.resource()).list(filters, o);
  }

  async get(id: string): Promise<ApplicationCredential> {
    return (await this.resource()).get(id);
  }

  /** The secret comes back once; it is registered with the redactor before it is returned. */
  async create(body: ApplicationCredentialCreate): Promise<ApplicationCredential> {
    const cred = await (await this.resource()).create(body);
    this.session.http.redactor.add(cred.secret);
    return cred;
  }

  async delete(id: string, o: DeleteOptions = {}): Promise<void> {
    await (await this.resource()).delete(id, o);
  }

  private async resource(): Promise<Resource<ApplicationCredential, ApplicationCredentialCreate, never>> {
    const user = (await this.session.getToken()).user.id;
    return new Resource(this.session, {
      service: 'identity',
      path: `/users/${encodeURIComponent(user)}/application_credentials`,
      key: 'application_credential',
      plural: 'application_credentials',
      nameFilter: true,
    });
  }
}

export class IdentityClient {
  readonly applicationCredentials: ApplicationCredentials;

  constructor(private readonly session: Session) {
    this.applicationCredentials = new ApplicationCredentials(session);
  }

  /** Revokes a token (one's own, or any as admin). */
  async revokeToken(token: string): Promise<void> {
    await this.session.request('identity', 'DELETE', '/auth/tokens', { headers: { 'x-subject-token': token } });
  }
}
