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

export function isConnectionError(err: unknown): boolean {
  if (err instanceof DatabaseUnavailableError) return true;
  const e = err as { code?: string; fatal?: boolean; errno?: number } | null;
  if (!e) return false;
  // 1927 = ER_CONNECTION_KILLED (MariaDB), 4031 = client disconnected for inactivity (MySQL 8).
  if (e.errno === 1927 || e.errno === 4031 || e.errno === 1969) return true;
  return Boolean(e.fatal) || (typeof e.code === 'string' && CONNECTION_CODES.has(e.code));
}

/** Rejects after `ms` so that no request waits on the database without bound. */
export function withDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DatabaseUnavailableError(`${what} took longer than ${ms} ms`)), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}
