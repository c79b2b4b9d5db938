// `berth backup` and `berth restore`, the same for every target: MariaDB's own tools run inside
// the dbs container through a target's DbsChannel. The dump is `mariadb-dump --single-transaction`
// (one consistent snapshot of InnoDB tables, writers not blocked) of the board's database, all its
// tables: posts with their ids and timestamps, idempotency keys, the schema's migration record,
// and each table's AUTO_INCREMENT. utf8mb4 end to end, so 4-byte characters stay as they are.
// A restore loads the dump into a staging database first and then swaps every table in with one
// RENAME TABLE (atomic): a load that fails half-way leaves the board as it was.
import { createWriteStream, existsSync, rmSync } from 'node:fs';
import { finished } from 'node:stream/promises';
import { TargetError } from '../targets/shared/errors.js';
import type { Progress } from '../targets/shared/progress.js';
import type { DbsChannel, RunResult } from './channel.js';
import { checksumPath, finishBackup, partialPath, verifyBackup } from './dump-file.js';

export type { DbsChannel, RunOptions, RunResult } from './channel.js';
export { checksumPath, sha256File, verifyBackup } from './dump-file.js';

/** The board's database in the container: the dbs image's DB_NAME (identifier characters only, checked by its entrypoint). */
const DB = 'db=${DB_NAME:-sample_bbs}';

export const DUMP_SCRIPT = `${DB}; exec mariadb-dump --single-transaction --quick --default-character-set=utf8mb4 --hex-blob --skip-dump-date --add-drop-table --no-tablespaces "$db"`;

const COUNT_SCRIPT = `set -eu; ${DB}
t=$(mariadb -N -B -e "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema='$db' AND table_name='contents'")
if [ "$t" = 0 ]; then echo 0; else mariadb -N -B -e "SELECT COUNT(*) FROM $db.contents"; fi`;

/** stdin: the dump. Staging and old databases are dropped however the script ends. */
const RESTORE_SCRIPT = `set -eu; ${DB}; stg=\${db}_berth_restore; old=\${db}_berth_old
q() { mariadb -N -B -e "$1"; }
q "DROP DATABASE IF EXISTS $stg; DROP DATABASE IF EXISTS $old; CREATE DATABASE $stg CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci; CREATE DATABASE $old"
trap 'mariadb -e "DROP DATABASE IF EXISTS $stg; DROP DATABASE IF EXISTS $old"' EXIT
mariadb --default-character-set=utf8mb4 "$stg"
renames=$(q "SELECT GROUP_CONCAT(CONCAT(IF(d.table_name IS NULL, '', CONCAT('$db.', s.table_name, ' TO $old.', s.table_name, ', ')), '$stg.', s.table_name, ' TO $db.', s.table_name) SEPARATOR ', ') FROM information_schema.tables s LEFT JOIN information_schema.tables d ON d.table_schema = '$db' AND d.table_name = s.table_name WHERE s.table_schema = '$stg'")
[ -n "$renames" ] && [ "$renames" != NULL ] || { echo "the dump created no table" >&2; exit 1; }
q "RENAME TABLE $renames"
q "SELECT COUNT(*) FROM $db.contents"`;

function check(r: RunResult, what: string, ch: DbsChannel): RunResult {
  if (r.code === 0) return r;
  const why = r.stderr.trim().split('\n').filter(Boolean).pop() ?? `exit status ${r.code}`;
  throw new TargetError(`${what} in ${ch.where} failed: ${why}`, 'is the stack up and dbs healthy? (berth status)');
}

/** Posts in the board's table (0 when the table does not exist yet). */
export async function postCount(ch: DbsChannel): Promise<number> {
  const out = check(await ch.run(COUNT_SCRIPT), 'counting posts', ch).stdout.trim();
  if (!/^\d+$/.test(out)) throw new TargetError(`counting posts in ${ch.where}: unexpected answer`);
  return Number(out);
}

export interface BackupResult {
  file: string;
  checksumFile: string;
  bytes: number;
  sha256: string;
  /** Posts counted just before the dump (the dump is its own snapshot). */
  posts: number;
  seconds: number;
}

export async function backup(ch: DbsChannel, file: string, o: { force?: boolean }, progress: Progress): Promise<BackupResult> {
  if (!o.force && (existsSync(file) || existsSync(checksumPath(file)))) {
    throw new TargetError(`${file} exists: a backup never overwrites a file`, 'give another file name, or --force to replace it');
  }
  const started = Date.now();
  const posts = await postCount(ch);
  progress.step(`dumping the database of ${ch.where} (${posts} posts) to ${file}`);
  const part = partialPath(file);
  const out = createWriteStream(part, { mode: 0o600 });
  try {
    const done = finished(out);
    const r = await ch.run(DUMP_SCRIPT, { output: out });
    out.end();
    await done;
    check(r, 'mariadb-dump', ch);
    const { bytes, sha256 } = await finishBackup(file);
    return { file, checksumFile: checksumPath(file), bytes, sha256, posts, seconds: (Date.now() - started) / 1000 };
  } finally {
    rmSync(part, { force: true });
  }
}

export interface RestoreResult {
  /** Posts in the board before (non-zero only with force) and after. */
  before: number;
  posts: number;
  seconds: number;
}

/** Refuses, changing nothing, a damaged file or (without force) a board that holds posts. */
export async function restore(ch: DbsChannel, file: string, o: { force?: boolean }, progress: Progress): Promise<RestoreResult> {
  const started = Date.now();
  const { sha256 } = await verifyBackup(file);
  progress.step(`${file}: checksum ${sha256.slice(0, 12)}… verified`);
  const before = await postCount(ch);
  if (before > 0 && !o.force) {
    throw new TargetError(
      `the board in ${ch.where} holds ${before} posts: restore refuses to replace them (nothing was changed)`,
      'take a backup of it first (berth backup), then restore with --force to replace its data',
    );
  }
  progress.step(`loading ${file} into ${ch.where}${before ? ` (replacing ${before} posts)` : ''}`);
  const r = check(await ch.run(RESTORE_SCRIPT, { input: file }), 'restore', ch);
  return { before, posts: Number(r.stdout.trim().split('\n').pop()), seconds: (Date.now() - started) / 1000 };
}
