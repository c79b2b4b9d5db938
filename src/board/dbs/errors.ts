// Database failures the API turns into 503: the server is down, a connection died, or a
// statement ran past its deadline. Anything else is a bug and stays a 500.
const CONNECTION_CODES = new Set([
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ER_CON_COUNT_ERROR',
  'ER_SERVER_SHUTDOWN',
  'ER_QUERY_INTERRUPTED',
  'ER_STATEMENT_TIMEOUT',
  'SQLITE_BUSY',
]);

export class DatabaseUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DatabaseUnavailableError';
  }
}

/**
 * COMMIT was sent and the server did not answer in time: the post may or may not be stored.
 * Never reported as "not stored" (503); a retry with the same Idempotency-Key is safe.
 */
export class DatabaseOutcomeUnknownError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatabaseOutcomeUnknownError';
  }
}

/** The database can be read but not written: SQLite's disk is full or its file is read-only. */
export class DatabaseNotWritableError extends DatabaseUnavailableError {
  constructor(
    readonly reason: 'full' | 'read-only' | 'io',
    options?: { cause?: unknown },
  ) {
    const code = (options?.cause as { code?: string } | undefined)?.code;
    super(`${NOT_WRITABLE_MESSAGES[reason]}${code ? ` (${code})` : ''}`, options);
    this.name = 'DatabaseNotWritableError';
  }
}

const NOT_WRITABLE_MESSAGES = {
  full: 'the database cannot store anything: its disk is full',
  'read-only': 'the database cannot store anything: its file is read-only',
  io: 'the database cannot store anything: a disk I/O error',
};

/** SQLite's codes for "this write cannot succeed now", whatever is written. */
export function notWritableReason(err: unknown): DatabaseNotWritableError['reason'] | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return undefined;
  if (code === 'SQLITE_FULL') return 'full';
  if (code.startsWith('SQLITE_READONLY') || code === 'SQLITE_CANTOPEN' || code === 'SQLITE_PERM') return 'read-only';
  if (code.startsWith('SQLITE_IOERR')) return 'io';
  return undefined;
}

export function isConnectionError(err: unknown): boolean {
  if (err instanceof DatabaseUnavailableError) return true;
  const e = err as { code?: string; fatal?: boolean; errno?: number } | null;
  if (!e) return false;
  // 1927 = ER_CONNECTION_KILLED (MariaDB), 4031 = client disconnected for inactivity (MySQL 8).
  if (e.errno === 1927 || e.errno === 4031 || e.errno === 1969) return true;
  return Boolean(e.fatal) || (typeof e.code === 'string' && CONNECTION_CODES.has(e.code));
}

/** Another transaction stored this key first (it waited on it, then found it committed). */
export function isDuplicateKey(err: unknown): boolean {
  const e = err as { code?: string; errno?: number } | null;
  return e?.errno === 1062 || e?.code === 'ER_DUP_ENTRY' || e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** InnoDB rolled this transaction back to break a deadlock: nothing of it was stored. */
export function isDeadlock(err: unknown): boolean {
  const e = err as { code?: string; errno?: number } | null;
  return e?.errno === 1213 || e?.code === 'ER_LOCK_DEADLOCK';
}

/** Rejects after `ms` so that no request waits on the database without bound. */
export function withDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DatabaseUnavailableError(`${what} took longer than ${ms} ms`)), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** SQLite's "another connection holds the lock": nothing was done, so trying again is safe. */
export function isBusy(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}

/**
 * Runs `work` again while SQLite answers SQLITE_BUSY, waiting 2 ms, then up to 50 ms between
 * tries on a timer (the event loop stays free), and gives up at `untilMs` or once `stop()` says so.
 */
export async function retryWhileBusy<T>(work: () => Promise<T>, untilMs: number, stop: () => boolean = () => false): Promise<T> {
  for (let delay = 2; ; delay = Math.min(delay * 2, 50)) {
    try {
      return await work();
    } catch (err) {
      if (!isBusy(err) || Date.now() + delay >= untilMs || stop()) throw err;
      await sleep(delay);
      // A late timer must not start a try after the deadline has answered for it.
      if (Date.now() >= untilMs || stop()) throw err;
    }
  }
}
