// Opening the database at start. An SQLite file is opened there and then, so a path that cannot
// be a database (a directory, a read-only or missing folder, a file that is something else) is
// a bad setting: one line naming DATABASE_URL and exit 2, not a stack trace. The path is not
// printed (the rule for every setting), nor any message that holds it (fs errors do).
import { ConfigError } from '../shared/env.js';
import { connect, type ConnectOptions, type Database } from '../dbs/connect.js';
import type { DatabaseTarget } from '../dbs/url.js';

const SQLITE_REASONS: Record<string, string> = {
  SQLITE_CANTOPEN: 'the file cannot be opened or created (a directory, or a folder that is missing or read-only?)',
  SQLITE_NOTADB: 'the file is not an SQLite database',
  SQLITE_READONLY: 'the database is read-only',
};

export function openDatabase(target: DatabaseTarget, opts: ConnectOptions): Database {
  try {
    return connect(target, opts);
  } catch (err) {
    // Only what the file or its folder caused (SQLite's errors, fs errors with their syscall).
    const { name, syscall } = err as { name?: string; syscall?: string };
    if (target.engine !== 'sqlite' || (name !== 'SqliteError' && syscall === undefined)) throw err;
    throw new ConfigError(`invalid environment variable DATABASE_URL: cannot use the SQLite database: ${reason(err)}`);
  }
}

function reason(err: unknown): string {
  const { name, code = 'error', message } = err as { name?: string; code?: string; message?: string };
  const known = Object.entries(SQLITE_REASONS).find(([prefix]) => code.startsWith(prefix));
  if (known) return `${known[1]} (${code})`;
  // SQLite's own messages never hold the path; Node's fs messages do, so give only their code.
  return name === 'SqliteError' ? `${message} (${code})` : `its folder cannot be made (${code})`;
}
