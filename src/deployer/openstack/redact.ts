// Secrets (passwords, application-credential secrets, tokens) are registered here as soon as
// they are known, and every error message or log line the client makes goes through scrub().
// Belt and braces: the client never formats headers or request bodies into messages anyway.

export class Redactor {
  private readonly secrets = new Set<string>();

  add(secret: string | undefined): void {
    // Very short values would mangle ordinary text and are not worth hiding from it.
    if (secret && secret.length >= 4) this.secrets.add(secret);
  }

  scrub(text: string): string {
    let out = text;
    for (const s of this.secrets) out = out.split(s).join('***');
    // Fernet tokens and similar bearer strings that may not have been registered.
    return out.replace(/gAAAAA[A-Za-z0-9_-]{40,}/g, '***');
  }
}
