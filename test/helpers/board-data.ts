// Shared by the backup/restore tests of both targets: a board's data as SQL (10,000 posts with
// 4-byte characters, given ids and timestamps), what a database holds (every row of every table,
// as hex, and each table's definition with its AUTO_INCREMENT) to compare byte for byte, and the
// page without its one-time form key.
import { writeFileSync } from 'node:fs';
import type { DbsChannel } from '../../src/deployer/data/index.js';

/** INSERTs of n posts: ids with gaps, timestamps over years (a few NULL, as the original wrote), emoji. */
export function seedSql(file: string, n: number): void {
  const texts = ['hello 😀', '𝄞 music 🎵 and 漢字', 'quote \' and "double" and \\ backslash', 'family 👨‍👩‍👧‍👦 flags 🇯🇵🇫🇷', 'plain ascii', '𠮷野家 🍣'];
  const rows: string[] = [];
  for (let i = 1; i <= n; i++) {
    const id = i * 3 + (i % 7);
    const t = new Date(Date.UTC(2020, 0, 1) + i * 61_000 + (i % 13) * 1000).toISOString().slice(0, 19).replace('T', ' ');
    const text = `${texts[i % texts.length]} #${i}`.replace(/\\/g, '\\\\').replace(/'/g, "\\'");
    rows.push(`(${id}, ${i % 2000 === 0 ? 'NULL' : `'${t}'`}, '${text}')`);
  }
  const chunks: string[] = [];
  for (let i = 0; i < rows.length; i += 1000) chunks.push(`INSERT INTO contents (id, timestamp, text) VALUES ${rows.slice(i, i + 1000).join(',\n')};`);
  // Keys as the app stores them (key, request fingerprint, post, first answer, when): three posts'.
  const keys = [1, 2, 3].map((i) => `('seed-key-${i}', '${String(i).repeat(64)}', ${i * 3 + (i % 7)}, '{"text":"answer ${i} 😀"}', ${1_700_000_000_000 + i})`);
  writeFileSync(
    file,
    `SET NAMES utf8mb4;\n${chunks.join('\n')}\nINSERT INTO idempotency_keys (idem_key, fingerprint, post_id, response, created_ms) VALUES ${keys.join(', ')};\n`,
  );
}

const DB = '"${DB_NAME:-sample_bbs}"';

/** Runs SQL from a file in the board's database. */
export async function loadSql(ch: DbsChannel, file: string): Promise<void> {
  const r = await ch.run(`mariadb --default-character-set=utf8mb4 ${DB}`, { input: file });
  if (r.code !== 0) throw new Error(`loading ${file}: ${r.stderr}`);
}

async function query(ch: DbsChannel, sql: string): Promise<string> {
  const r = await ch.run(`mariadb --default-character-set=utf8mb4 -N -B ${DB} -e "${sql.replace(/"/g, '\\"').replace(/`/g, '\\`').replace(/\$/g, '\\$')}"`);
  if (r.code !== 0) throw new Error(`${sql}: ${r.stderr}`);
  return r.stdout;
}

/** Every byte the board keeps: each table's definition (with AUTO_INCREMENT) and its rows, as hex. */
export async function boardBytes(ch: DbsChannel): Promise<{ posts: number; tables: string; contents: string; keys: string }> {
  const names = (await query(ch, 'SHOW TABLES')).trim().split('\n').sort();
  const defs = [];
  for (const t of names) defs.push(await query(ch, `SHOW CREATE TABLE ${t}`));
  return {
    posts: Number((await query(ch, 'SELECT COUNT(*) FROM contents')).trim()),
    tables: defs.join('\n'),
    contents: await query(ch, 'SELECT id, HEX(timestamp), HEX(text) FROM contents ORDER BY id'),
    keys: await query(ch, 'SELECT HEX(idem_key), fingerprint, post_id, HEX(response), created_ms FROM idempotency_keys ORDER BY idem_key'),
  };
}

/** The page as every visitor gets it, but for its one-time form key. */
// A page without what each app process makes its own: the form's one-time key and the cursors'
// signatures (the last 22 characters: an HMAC with a key made at start); the cursors' contents stay.
export const withoutFormKey = (html: string) =>
  html.replace(/(name="key" value=")[^"]*"/, '$1…"').replace(/(\?before=[A-Za-z0-9_-]+?)[A-Za-z0-9_-]{22}"/g, '$1…"');
