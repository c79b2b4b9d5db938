// A backup file: the SQL text mariadb-dump wrote, and beside it FILE.sha256 in sha256sum's format
// ("<hex>  <name>"), so `sha256sum -c FILE.sha256` checks it too. The dump is written to
// FILE.partial and renamed only when it is complete and its checksum is written: a crash or a
// failed dump never leaves a file that looks like a backup.
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, openSync, readFileSync, readSync, closeSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { TargetError } from '../targets/shared/errors.js';

export const checksumPath = (file: string) => `${file}.sha256`;
export const partialPath = (file: string) => `${file}.partial`;

/** The last line mariadb-dump writes once every table is out (a cut dump lacks it). */
const COMPLETED = /^-- Dump completed/m;
/** Within the first lines (MariaDB 10.11.8+ writes a "sandbox mode" comment before it). */
const HEADER = /^-- (MariaDB|MySQL) dump /m;
const CONTENTS_TABLE = 'CREATE TABLE `contents`';

export async function sha256File(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const c of createReadStream(file)) h.update(c as Buffer);
  return h.digest('hex');
}

function readEnds(file: string, n = 4096): { head: string; tail: string } {
  const size = statSync(file).size;
  const fd = openSync(file, 'r');
  try {
    const head = Buffer.alloc(Math.min(n, size));
    readSync(fd, head, 0, head.length, 0);
    const tail = Buffer.alloc(Math.min(n, size));
    readSync(fd, tail, 0, tail.length, size - tail.length);
    return { head: head.toString('utf8'), tail: tail.toString('utf8') };
  } finally {
    closeSync(fd);
  }
}

/** Whether the SQL text holds the board's table (searched in chunks, a chunk's end kept for the next). */
async function holdsContents(file: string): Promise<boolean> {
  let carry = '';
  for await (const c of createReadStream(file, { encoding: 'utf8' })) {
    const text = carry + (c as string);
    if (text.includes(CONTENTS_TABLE)) return true;
    carry = text.slice(-CONTENTS_TABLE.length);
  }
  return false;
}

/** Checks what mariadb-dump wrote to FILE.partial, then gives it its checksum and its name. */
export async function finishBackup(file: string): Promise<{ bytes: number; sha256: string }> {
  const part = partialPath(file);
  const { head, tail } = readEnds(part);
  if (!HEADER.test(head) || !COMPLETED.test(tail))
    throw new TargetError(`the dump in ${part} is incomplete (no "-- Dump completed" at its end)`, 'run the backup again');
  const sha256 = await sha256File(part);
  writeFileSync(checksumPath(file), `${sha256}  ${basename(file)}\n`);
  renameSync(part, file);
  return { bytes: statSync(file).size, sha256 };
}

/** Everything restore checks before it touches the database: the checksum, then that it is a whole board dump. */
export async function verifyBackup(file: string): Promise<{ bytes: number; sha256: string }> {
  if (!existsSync(file)) throw new TargetError(`${file}: no such file`);
  const sumFile = checksumPath(file);
  if (!existsSync(sumFile)) throw new TargetError(`${file}: its checksum ${sumFile} is missing`, 'restore needs the .sha256 that backup wrote beside the dump');
  const expected = /^([0-9a-f]{64})\b/.exec(readFileSync(sumFile, 'utf8').trim())?.[1];
  if (!expected) throw new TargetError(`${sumFile}: not a SHA-256 checksum line`);
  const sha256 = await sha256File(file);
  if (sha256 !== expected)
    throw new TargetError(
      `${file}: checksum mismatch (the file is ${sha256.slice(0, 12)}…, ${basename(sumFile)} says ${expected.slice(0, 12)}…): it was changed or damaged since the backup`,
      'nothing was restored; use an intact copy of the backup',
    );
  const { head, tail } = readEnds(file);
  if (!HEADER.test(head) || !COMPLETED.test(tail) || !(await holdsContents(file)))
    throw new TargetError(`${file}: not a complete mariadb-dump of the board (no table contents, or no "-- Dump completed")`);
  return { bytes: statSync(file).size, sha256 };
}
