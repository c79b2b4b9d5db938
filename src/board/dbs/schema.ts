// The data tier's schema as Kysely sees it: the original's table `contents`, unchanged in shape.
import type { Generated } from 'kysely';

export interface ContentsTable {
  id: Generated<number>;
  /** `YYYY-MM-DD HH:MM:SS`; NULL only in rows written by the original app. */
  timestamp: string | null;
  text: string | null;
}

/** One Idempotency-Key per row: what the first request with it stored and answered. */
export interface IdempotencyKeysTable {
  /** The client's key (printable ASCII, compared exactly). */
  idem_key: string;
  /** SHA-256 of the request the key was first used with: the same key on another request is refused. */
  fingerprint: string;
  post_id: number;
  /** The body of the first answer, replayed as it was. */
  response: string;
  /** When the key was first used (ms since the epoch); rows older than the retention are pruned. */
  created_ms: number;
}

export interface BoardSchema {
  contents: ContentsTable;
  idempotency_keys: IdempotencyKeysTable;
}
