// The posts repository: every query the board makes, the same on SQLite and MySQL/MariaDB.
// Each call is one piece of work with one deadline (Database.run): an answer of 503 means it
// stored nothing. Reads are retried once after a dead connection (the pool opens a fresh one);
// writes are not, because a lost reply to a COMMIT may still have stored the row (a client
// retries it safely with an Idempotency-Key). SQLITE_BUSY is different: nothing was done, so
// both are tried again until the deadline, without blocking the event loop.
import { sql, type ExpressionBuilder, type Kysely } from 'kysely';
import type { BoardSchema } from './schema.js';
import type { Database } from './connect.js';
import { encodeCursor, type Cursor } from '../shared/cursor.js';
import { DatabaseUnavailableError, isConnectionError, isDeadlock, isDuplicateKey } from './errors.js';
import { dropExpiredKey, findKey, pruneKeys, replay, saveKey, type KeyedRequest, type StoredAnswer } from './idempotency.js';
import { formatTimestamp } from './time.js';

export interface Post {
  id: number;
  timestamp: string | null;
  text: string | null;
}

export interface Page {
  posts: Post[];
  next: string | null;
}

const DAY_MS = 24 * 3600_000;
const PRUNE_EVERY_MS = 60_000;
const PRUNE_BATCH = 1000;

export class PostsRepository {
  private lastPruneMs = 0;

  constructor(
    private readonly database: Database,
    private readonly deadlineMs = 5000,
    /** How long an Idempotency-Key is remembered. */
    private readonly keyRetentionMs = DAY_MS,
  ) {}

  private get db() {
    return this.database.db;
  }

  /** Newest first: by timestamp, then id; `before` continues after the last row of a page. */
  async page(limit: number, before?: Cursor): Promise<Page> {
    const rows = await this.read('list posts', async () => {
      const dated = await this.newestFirst(limit + 1, before);
      // Rows with no timestamp (only in the original's data) come last; a separate query keeps
      // the first one a pure index range, so a deep page costs what the first page costs.
      if (!before || before.timestamp === null || dated.length > limit) return dated;
      return dated.concat(await this.undated(limit + 1 - dated.length));
    });
    const posts = rows.slice(0, limit).map(toPost);
    const last = posts[posts.length - 1];
    const next = rows.length > limit && last ? encodeCursor({ timestamp: last.timestamp, id: last.id }) : null;
    return { posts, next };
  }

  private newestFirst(limit: number, before?: Cursor) {
    return newestFirstQuery(this.db, limit, before).execute();
  }

  private undated(limit: number) {
    return this.db.selectFrom('contents').select(['id', 'timestamp', 'text']).where('timestamp', 'is', null).orderBy('id', 'desc').limit(limit).execute();
  }

  async get(id: number): Promise<Post | undefined> {
    const row = await this.read('get post', () => this.db.selectFrom('contents').select(['id', 'timestamp', 'text']).where('id', '=', id).executeTakeFirst());
    return row && toPost(row);
  }

  async create(text: string, now = new Date()): Promise<Post> {
    const timestamp = formatTimestamp(now);
    // A transaction even for one row: until COMMIT is sent, the work can be given up at the
    // deadline and nothing is stored (mysql-sessions.ts).
    const id = await this.once('store post', () =>
      this.db.transaction().execute(async (trx) => {
        const result = await trx.insertInto('contents').values({ timestamp, text }).executeTakeFirstOrThrow();
        return Number(result.insertId);
      }),
    );
    return { id, timestamp, text };
  }

  /**
   * Stores a post with its Idempotency-Key in one transaction, or, when the key is known, returns
   * the first answer (see idempotency.ts). `render` makes the answer's body from the new post.
   * All of it is one piece of work with one deadline.
   */
  async createOnce(text: string, req: KeyedRequest, render: (post: Post) => string, now = new Date()): Promise<StoredAnswer> {
    const cutoffMs = now.getTime() - this.keyRetentionMs;
    this.pruneSometimes(now.getTime(), cutoffMs);
    return this.once('store post', async () => {
      const known = await findKey(this.db, req.key);
      if (known && Number(known.created_ms) >= cutoffMs) return replay(known, req);
      for (let attempt = 1; ; attempt++) {
        try {
          return await this.storeWithKey(text, req, render, now, known ? cutoffMs : undefined);
        } catch (err) {
          // A deadlock victim stored nothing: one more try is safe.
          if (isDeadlock(err) && attempt === 1) continue;
          if (!isDuplicateKey(err)) throw err;
          // Another request with this key committed first: answer what it answered.
          const winner = await findKey(this.db, req.key);
          if (!winner) throw err;
          return replay(winner, req);
        }
      }
    });
  }

  private storeWithKey(text: string, req: KeyedRequest, render: (post: Post) => string, now: Date, expiredBefore?: number) {
    const timestamp = formatTimestamp(now);
    return this.db.transaction().execute(async (trx) => {
      if (expiredBefore !== undefined) await dropExpiredKey(trx, req.key, expiredBefore);
      const result = await trx.insertInto('contents').values({ timestamp, text }).executeTakeFirstOrThrow();
      const post = { id: Number(result.insertId), timestamp, text };
      const response = render(post);
      await saveKey(trx, req, post.id, response, now.getTime());
      return { postId: post.id, response, replayed: false };
    });
  }

  /** Forgets expired keys, a batch at most once a minute (sooner while a backlog lasts), without holding up the request. */
  private pruneSometimes(nowMs: number, cutoffMs: number): void {
    if (nowMs - this.lastPruneMs < PRUNE_EVERY_MS) return;
    this.lastPruneMs = nowMs;
    this.once('prune idempotency keys', () => pruneKeys(this.db, cutoffMs, PRUNE_BATCH)).then(
      (deleted) => {
        if (deleted === PRUNE_BATCH) this.lastPruneMs = 0;
      },
      () => undefined,
    );
  }

  async delete(id: number): Promise<boolean> {
    const result = await this.once('delete post', () =>
      this.db.transaction().execute((trx) => trx.deleteFrom('contents').where('id', '=', id).executeTakeFirst()),
    );
    return Number(result.numDeletedRows) > 0;
  }

  async ping(): Promise<void> {
    await this.read('ping', () => sql`SELECT 1`.execute(this.db));
  }

  /** Why a post cannot be stored now although the database answers (a full disk, a read-only file). */
  notWritable(): Promise<string | undefined> {
    return this.database.notWritable();
  }

  private async read<T>(what: string, run: () => Promise<T>): Promise<T> {
    const deadlineAt = Date.now() + this.deadlineMs;
    try {
      return await this.database.run(this.deadlineMs, run);
    } catch (err) {
      // A connection that died while idle in the pool fails once; a fresh one usually works.
      if (!isConnectionError(err) || err instanceof DatabaseUnavailableError) throw unavailable(what, err);
      return this.once(what, run, deadlineAt - Date.now());
    }
  }

  /** One try within the deadline; writes use only this (see the note at the top). */
  private async once<T>(what: string, run: () => Promise<T>, ms = this.deadlineMs): Promise<T> {
    try {
      return await this.database.run(Math.max(ms, 1), run);
    } catch (err) {
      throw unavailable(what, err);
    }
  }
}

function unavailable(what: string, err: unknown): unknown {
  if (err instanceof DatabaseUnavailableError || !isConnectionError(err)) return err;
  return new DatabaseUnavailableError(`database unavailable during ${what}`, { cause: err });
}

/** The listing query; exported so a test can check the database plans it as an index search. */
export function newestFirstQuery(db: Kysely<BoardSchema>, limit: number, before?: Cursor) {
  let q = db.selectFrom('contents').select(['id', 'timestamp', 'text']);
  if (before) q = q.where(afterCursor(before));
  return q.orderBy('timestamp', 'desc').orderBy('id', 'desc').limit(limit);
}

/** Rows after the cursor in (timestamp DESC, id DESC) order, undated rows excepted. */
function afterCursor(c: Cursor) {
  // `timestamp <= t AND (timestamp < t OR id < i)` rather than an OR of two ranges: SQLite
  // turns only this form into a search of the (timestamp, id) index instead of a scan.
  return (eb: ExpressionBuilder<BoardSchema, 'contents'>) =>
    c.timestamp === null
      ? eb.and([eb('timestamp', 'is', null), eb('id', '<', c.id)])
      : eb.and([eb('timestamp', '<=', c.timestamp), eb.or([eb('timestamp', '<', c.timestamp), eb('id', '<', c.id)])]);
}

function toPost(r: { id: number; timestamp: string | null; text: string | null }): Post {
  return { id: Number(r.id), timestamp: r.timestamp, text: r.text };
}
