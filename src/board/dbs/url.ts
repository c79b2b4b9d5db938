// Which database the app uses: DATABASE_URL, else the legacy Docker link variables of
// `docker run --link dbs:db`, else an embedded SQLite file. Parsed once at start.
import { ConfigError, readSecret, type Env } from '../shared/env.js';

export type DatabaseTarget =
  | { engine: 'sqlite'; file: string }
  | {
      engine: 'mysql';
      host: string;
      port: number;
      user: string;
      password: string;
      database: string;
    };

export const DEFAULT_SQLITE_FILE = '.data/board.sqlite';

export function databaseFromEnv(env: Env): DatabaseTarget {
  if (env.DATABASE_URL) return parseDatabaseUrl(env.DATABASE_URL);
  if (env.DB_PORT_3306_TCP_ADDR) return fromDockerLink(env);
  return { engine: 'sqlite', file: DEFAULT_SQLITE_FILE };
}

/** `sqlite:path`, `sqlite::memory:`, or `mysql://user:pass@host:port/db` (also `mariadb://`). */
export function parseDatabaseUrl(value: string): DatabaseTarget {
  if (value.startsWith('sqlite:')) {
    const file = value.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (!file) throw new ConfigError('invalid environment variable DATABASE_URL: sqlite: needs a file path');
    return { engine: 'sqlite', file };
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    // Do not echo the value: it may hold a password.
    throw new ConfigError('invalid environment variable DATABASE_URL: not a URL (expected sqlite:PATH or mysql://USER:PASSWORD@HOST:PORT/DATABASE)');
  }
  if (url.protocol !== 'mysql:' && url.protocol !== 'mariadb:') {
    throw new ConfigError(`invalid environment variable DATABASE_URL: unsupported scheme ${url.protocol} (use sqlite: or mysql:)`);
  }
  const database = decodePart(url.pathname.replace(/^\//, ''));
  if (!url.hostname || !database) {
    throw new ConfigError('invalid environment variable DATABASE_URL: needs a host and a database name');
  }
  return {
    engine: 'mysql',
    host: url.hostname,
    port: url.port ? Number(url.port) : 3306,
    user: decodePart(url.username) || 'root',
    password: decodePart(url.password),
    database,
  };
}

/** A %-encoded part of the URL; a bad escape (`p%zz`, bytes that are not UTF-8) is a ConfigError, not a URIError. */
function decodePart(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new ConfigError(
      'invalid environment variable DATABASE_URL: the user, password or database name has a %-escape that is not valid (write a literal % as %25)',
    );
  }
}

function fromDockerLink(env: Env): DatabaseTarget {
  const port = Number(env.DB_PORT_3306_TCP_PORT ?? 3306);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new ConfigError('invalid environment variable DB_PORT_3306_TCP_PORT: expected a port number');
  }
  // DB_PASSWORD or DB_PASSWORD_FILE (what berth up gives: a file, so the password is not in the
  // container's environment). A link also passes the linked container's environment as DB_ENV_*:
  // `docker run -e DB_PASSWORD=... dbs` reaches the app through `--link dbs:db` without being typed twice.
  const password = readSecret(env, 'DB_PASSWORD') ?? (env.DB_ENV_DB_PASSWORD || undefined);
  if (!password) {
    // The original's commands pass no password at all. Our dbs then generates one (never a fixed
    // default), which no linked container can learn: say so at start instead of failing to log in.
    throw new ConfigError(
      'no database password: the link to the database (DB_PORT_3306_TCP_ADDR) passes none (DB_ENV_DB_PASSWORD) and neither DB_PASSWORD nor DB_PASSWORD_FILE is set. ' +
        'Start the dbs container with -e DB_PASSWORD=... (the link passes it on), or give this container -e DB_PASSWORD=<the password in /var/lib/mysql/.berth-generated-password of the dbs container>',
    );
  }
  return {
    engine: 'mysql',
    host: env.DB_PORT_3306_TCP_ADDR!,
    port,
    user: env.DB_USER || 'user',
    password,
    // A link sets DB_NAME=/<container>/db (the link's own name), which is no database name.
    database: env.DB_NAME && !env.DB_NAME.startsWith('/') ? env.DB_NAME : 'sample_bbs',
  };
}

/** For logs and status output: where the data lives, never the password. */
export function describeTarget(t: DatabaseTarget): string {
  return t.engine === 'sqlite' ? `sqlite:${t.file}` : `mysql://${t.user}@${t.host}:${t.port}/${t.database}`;
}
