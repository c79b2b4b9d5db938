// The posts repository: every query the board makes, the same on SQLite and MySQL/MariaDB.
// Reads are retried once after a dead connection (the pool opens a fresh one); writes are not,
// because a lost reply to an INSERT may still have stored the row.
import { sql, type ExpressionBuilder, type Kysely } from 'kysely';
import type { BoardSchema } from './schema.js';
import type { Database } from './connect.js';
import { encodeCursor, type Cursor } from './cursor.js';
import { DatabaseUnavailableError, isConnectionError, withDeadline } from './errors.js';
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

export class PostsRepository {
  constructor(
    private readonly database: Database,
    private readonly deadlineMs = 5000,
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
    return this.db
      .selectFrom('contents')
      .select(['id', 'timestamp', 'text'])
      .where('timestamp', 'is', null)
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
  }

  async get(id: number): Promise<Post | undefined> {
    const row = await this.read('get post', () =>
      this.db.selectFrom('contents').select(['id', 'timestamp', 'text']).where('id', '=', id).executeTakeFirst(),
    );
    return row && toPost(row);
  }

  async create(text: string, now = new Date()): Promise<Post> {
    const timestamp = formatTimestamp(now);
    const result = await this.once('store post', () =>
      this.db.insertInto('contents').values({ timestamp, text }).executeTakeFirstOrThrow(),
    );
    return { id: Number(result.insertId), timestamp, text };
  }

  async delete(id: number): Promise<boolean> {
    const result = await this.once('delete post', () =>
      this.db.deleteFrom('contents').where('id', '=', id).executeTakeFirst(),
    );
    return Number(result.numDeletedRows) > 0;
  }

  async ping(): Promise<void> {
    await this.read('ping', () => sql`SELECT 1`.execute(this.db));
  }

  private async read<T>(what: string, run: () => Promise<T>): Promise<T> {
    try {
      return await withDeadline(run(), this.deadlineMs, what);
    } catch (err) {
      // A connection that died while idle in the pool fails once; a fresh one usually works.
      if (!isConnectionError(err) || err instanceof DatabaseUnavailableError) throw unavailable(what, err);
      return this.once(what, run);
    }
  }

  /** One try within the deadline; writes use only this (see the note at the top). */
  private async once<T>(what: string, run: () => Promise<T>): Promise<T> {
    try {
      return await withDeadline(run(), this.deadlineMs, what);
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
