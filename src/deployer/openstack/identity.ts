// Keystone beyond logging in: who the token is for, application credentials (what a CI or a
// long-lived deployment should use instead of a password), and token revocation.
import type { Session } from './session.js';

export interface ApplicationCredential {
  id: string;
  name: string;
  project_id: string;
  /** Only in the create response: Keystone keeps a hash. */
  secret?: string;
  expires_at?: string | null;
}

export class IdentityClient {
  constructor(private readonly session: Session) {}

  async createApplicationCredential(name: string, o: { description?: string; expiresAt?: Date } = {}): Promise<ApplicationCredential> {
    const token = await this.session.getToken();
    const res = await this.session.request<{ application_credential: ApplicationCredential }>(
      'identity',
      'POST',
      `/users/${encodeURIComponent(token.user.id)}/application_credentials`,
      { json: { application_credential: { name, description: o.description, expires_at: o.expiresAt?.toISOString() } } },
    );
    const cred = res.body.application_credential;
    this.session.http.redactor.add(cred.secret);
    return cred;
  }

  async deleteApplicationCredential(id: string): Promise<void> {
    const token = await this.session.getToken();
    await this.session.request('identity', 'DELETE', `/users/${encodeURIComponent(token.user.id)}/application_credentials/${encodeURIComponent(id)}`);
  }

  /** Revokes a token (one's own, or any as admin). */
  async revokeToken(token: string): Promise<void> {
    await this.session.request('identity', 'DELETE', '/auth/tokens', { headers: { 'x-subject-token': token } });
  }
}
