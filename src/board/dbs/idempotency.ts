// Idempotent posting (draft-ietf-httpapi-idempotency-key-header): a post sent with a key is
// stored together with that key in one transaction, and the key is the primary key of its table.
// So a retry — after a timeout, a lost answer, a killed connection, or sent twice at once — finds
// the key and gets the first answer back instead of storing a second row.
import type { Kysely, Transaction } from 'kysely';
import type { BoardSchema, IdempotencyKeysTable } from './schema.js';

export interface KeyedRequest {
  key: string;
  /** SHA-256 (hex) of what was asked, so a key reused for something else is refused. */
  fingerprint: string;
}

export interface StoredAnswer {
  postId: number;
  /** The body of the first answer. */
  response: string;
  /** True when this is the answer of an earlier request with the same key. */
  replayed: boolean;
}

/** The same key was first used with another request (422 in the API). */
export class IdempotencyKeyReusedError extends Error {
  constructor() {
    super('this Idempotency-Key was already used with a different request');
    this.name = 'IdempotencyKeyReusedError';
  }
}

type Db = Kysely<BoardSchema> | Transaction<BoardSchema>;

export function findKey(db: Db, key: string): Promise<IdempotencyKeysTable | undefined> {
  return db.selectFrom('idempotency_keys').selectAll().where('idem_key', '=', key).executeTakeFirst();
}

/** The earlier answer for this key, or an error when the key came with another request. */
export function replay(row: IdempotencyKeysTable, req: KeyedRequest): StoredAnswer {
  if (row.fingerprint !== req.fingerprint) throw new IdempotencyKeyReusedError();
  return { postId: Number(row.post_id), response: row.response, replayed: true };
}

export async function saveKey(trx: Transaction<BoardSchema>, req: KeyedRequest, postId: number, response: string, nowMs: number) {
  await trx.insertInto('idempotency_keys').values({ idem_key: req.key, fingerprint: req.fingerprint, post_id: postId, response, created_ms: nowMs }).execute();
}

/** A key that is past the retention window is forgotten, so it may be used again. */
export async function dropExpiredKey(trx: Transaction<BoardSchema>, key: string, cutoffMs: number) {
  await trx.deleteFrom('idempotency_keys').where('idem_key', '=', key).where('created_ms', '<', cutoffMs).execute();
}

/**
 * Deletes up to `batch` expired keys and says how many went. Batched, so a backlog never holds
 * SQLite (synchronous, in the event loop) or an InnoDB lock for long.
 */
export async function pruneKeys(db: Db, cutoffMs: number, batch = 1000): Promise<number> {
  // MySQL/MariaDB refuse LIMIT in an IN subquery, SQLite (as built) refuses DELETE ... LIMIT.
  const oldest = db.selectFrom('idempotency_keys').select('idem_key').where('created_ms', '<', cutoffMs).limit(batch);
  const keys = (await oldest.execute()).map((r) => r.idem_key);
  if (keys.length === 0) return 0;
  const result = await db.deleteFrom('idempotency_keys').where('idem_key', 'in', keys).where('created_ms', '<', cutoffMs).executeTakeFirst();
  return Number(result.numDeletedRows);
}
