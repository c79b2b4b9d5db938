// Versioned schema migrations. The first one is written so that a `sample_bbs` database made by
// the original app (table `contents` already there, maybe latin1, no index) is taken over in
// place: nothing is dropped or rewritten, only converted and indexed.
import { Migrator, sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import type { Engine } from './connect.js';
import type { BoardSchema } from './schema.js';

type AnyDb = Kysely<BoardSchema>;

function migrationsFor(engine: Engine): Record<string, Migration> {
  return {
    '001_contents': {
      async up(db: AnyDb) {
        if (engine === 'sqlite') {
          await sql`CREATE TABLE IF NOT EXISTS contents (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            timestamp DATETIME,
            text VARCHAR(255))`.execute(db);
        } else {
          await sql`CREATE TABLE IF NOT EXISTS contents (
            id INT AUTO_INCREMENT PRIMARY KEY,
            timestamp DATETIME,
            text VARCHAR(255))
            ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`.execute(db);
        }
      },
    },
    '002_utf8mb4': {
      async up(db: AnyDb) {
        // The original's table may be latin1/utf8mb3, which cannot hold emoji. CONVERT keeps
        // every character and changes only how it is stored.
        if (engine !== 'mysql') return;
        await sql`ALTER TABLE contents CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`.execute(db);
      },
    },
    '003_newest_first_index': {
      async up(db: AnyDb) {
        // Newest-first listing and its keyset cursor read (timestamp, id) backwards.
        await sql`CREATE INDEX contents_timestamp_id ON contents (timestamp, id)`.execute(db);
      },
    },
    '004_idempotency_keys': {
      async up(db: AnyDb) {
        // The key is the primary key: two requests with one key cannot both store a post, however
        // they interleave (a unique constraint, not a check-then-insert). ASCII, compared exactly.
        if (engine === 'sqlite') {
          await sql`CREATE TABLE idempotency_keys (
            idem_key TEXT NOT NULL PRIMARY KEY,
            fingerprint TEXT NOT NULL,
            post_id INTEGER NOT NULL,
            response TEXT NOT NULL,
            created_ms INTEGER NOT NULL)`.execute(db);
        } else {
          await sql`CREATE TABLE idempotency_keys (
            idem_key VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
            fingerprint CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
            post_id INT NOT NULL,
            response TEXT NOT NULL,
            created_ms BIGINT NOT NULL)
            ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`.execute(db);
        }
        await sql`CREATE INDEX idempotency_keys_created ON idempotency_keys (created_ms)`.execute(db);
      },
    },
    '005_idempotency_keys_exact_and_wide': {
      async up(db: AnyDb) {
        // SQLite has this already: TEXT keys compared byte for byte, TEXT answers of any length,
        // 64-bit integers. On MariaDB, ascii_bin pads (`k` and `k ` were one key), TEXT holds
        // 64 KiB (a 16 KiB body re-serialised by POST /bbs can be larger) and INT ends at 2^31-1.
        if (engine !== 'mysql') return;
        await sql`ALTER TABLE idempotency_keys
          MODIFY idem_key VARBINARY(255) NOT NULL,
          MODIFY response MEDIUMTEXT NOT NULL,
          MODIFY post_id BIGINT NOT NULL`.execute(db);
      },
    },
    '006_contents_bigint_id': {
      async up(db: AnyDb) {
        // The original's INT id stops at 2,147,483,647. BIGINT reads the same to its clients
        // (a JSON number; exact up to 2^53) and keeps every row and id.
        if (engine !== 'mysql') return;
        await sql`ALTER TABLE contents MODIFY id BIGINT NOT NULL AUTO_INCREMENT`.execute(db);
      },
    },
  };
}

class InlineProvider implements MigrationProvider {
  constructor(private readonly engine: Engine) {}
  async getMigrations() {
    return migrationsFor(this.engine);
  }
}

/** Brings the schema up to date; safe to run from several app instances at once. */
export async function migrate(db: AnyDb, engine: Engine): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider: new InlineProvider(engine),
    migrationTableName: 'berth_migration',
    migrationLockTableName: 'berth_migration_lock',
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error;
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
