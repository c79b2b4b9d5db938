// Secrets (passwords, application-credential secrets, tokens) are registered here as soon as
// they are known, and every error message or log line the client makes goes through scrub().
// Belt and braces: the client never formats headers or request bodies into messages anyway.
// Separate from src/board/shared/redact.ts on purpose: the client knows its secrets' values and hides
// them wherever they appear in free text (a cloud's error body names no field); the board's
// logger knows no values and hides what secret names and URL shapes carry.

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
