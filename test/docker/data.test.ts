// berth backup / restore on the Docker Engine: a board with 10,000 posts (4-byte characters, ids
// with gaps, given timestamps) and idempotency keys is backed up and restored into another
// deployment, which then holds the same bytes and serves the same page and /bbs; a key used before
// the backup is still honoured after. A restore into a board with posts is refused without --force
// and changes nothing; a damaged file (checksum) is refused; the database password is in no
// output and no process's command line during either.
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import { dockerDbsChannel } from '../../src/deployer/targets/docker/dbs-exec.js';
import type { DbsChannel } from '../../src/deployer/data/index.js';
import { boardBytes, loadSql, seedSql, withoutFormKey } from '../helpers/board-data.js';
import { berth, berthInBackground, docker, execIn, freePort, purge } from './helpers.js';
import { commandLinesDuring } from '../helpers/processes.js';

const A = 'berth-test-data-a';
const B = 'berth-test-data-b';
const dir = mkdtempSync(join(tmpdir(), 'berth-data-'));
const file = join(dir, 'board.sql');
const board: Record<string, { url: string; ch: DbsChannel; app: string }> = {};

async function get(url: string): Promise<{ status: number; body: string }> {
  const r = await request(url);
  return { status: r.statusCode, body: await r.body.text() };
}

async function post(app: string, text: string, key: string): Promise<{ status: number; body: string }> {
  const r = await request(`${app}api/v1/posts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': key },
    body: JSON.stringify({ text }),
  });
  return { status: r.statusCode, body: await r.body.text() };
}

const cli = (args: string[]) => berthInBackground(args).done;

describe('berth backup and restore (docker)', () => {
  let password = '';
  before(async () => {
    for (const p of [A, B]) {
      await purge(p);
      const up = berth(['up', '--project', p, '--port', String(await freePort())]);
      assert.equal(up.code, 0, up.stderr);
      const ip = (await docker.getContainer(`${p}-app`).inspect()).NetworkSettings.Networks;
      board[p] = { url: up.stdout.trim(), ch: await dockerDbsChannel(docker, p, 'dbs'), app: `http://${Object.values(ip)[0]!.IPAddress}:5555/` };
    }
    password = (await execIn(`${A}-dbs`, ['cat', '/run/secrets/db-password'])).out.trim();
    assert.match(password, /^[A-Za-z0-9]{24}$/);
    seedSql(join(dir, 'seed.sql'), 10_000);
    await loadSql(board[A]!.ch, join(dir, 'seed.sql'));
    for (const [i, text] of ['first 😀 key', 'second 𝄞 key', 'third 🇯🇵 key'].entries()) assert.equal((await post(board[A]!.app, text, `key-${i}`)).status, 201);
  });
  after(async () => {
    await purge(A);
    await purge(B);
    rmSync(dir, { recursive: true, force: true });
  });

  it("the channel's output keeps a character its script wrote in two pieces (stdout and stderr)", async () => {
    // 😀 is F0 9F 98 80: its first three bytes, a pause (a chunk of its own), then the last.
    const r = await board[A]!.ch.run(String.raw`printf '\360\237\230'; printf '\360\237' >&2; sleep 0.3; printf '\200 ok'; printf '\230\200 err' >&2`);
    assert.deepEqual(r, { code: 0, stdout: '😀 ok', stderr: '😀 err' });
  });

  it('backs up 10,003 posts to a file with its checksum, the password nowhere', async () => {
    const { result: r, lines } = await commandLinesDuring(() => cli(['backup', file, '--project', A]));
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${file}\n`);
    assert.match(r.stderr, /backed up 10003 posts: [\d.]+ MB, sha256 [0-9a-f]{64}/);
    assert.equal(spawnSync('sha256sum', ['-c', `${basename(file)}.sha256`], { cwd: dir, encoding: 'utf8' }).stdout, `${basename(file)}: OK\n`);
    assert.equal(existsSync(`${file}.partial`), false);
    assert.ok(
      [...lines].some((l) => l.includes('mariadb-dump --single-transaction')),
      'the sampler saw mariadb-dump run',
    );
    for (const l of lines) assert.equal(l.includes(password), false, `the password is on a command line: ${l}`);
    assert.equal(`${r.stdout}${r.stderr}`.includes(password), false);
    assert.equal(readFileSync(file, 'utf8').includes(password), false);
    const again = await cli(['backup', file, '--project', A]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /exists: a backup never overwrites a file/);
  });

  it('restores into an empty board: the same bytes, the same page and /bbs, keys still honoured', async () => {
    const before = await boardBytes(board[B]!.ch);
    assert.equal(before.posts, 0);
    const { result: r, lines } = await commandLinesDuring(() => cli(['restore', file, '--project', B]));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /restored 10003 posts/);
    for (const l of lines) assert.equal(l.includes(password), false, `the password is on a command line: ${l}`);
    assert.equal(`${r.stdout}${r.stderr}`.includes(password), false);

    const [a, b] = [await boardBytes(board[A]!.ch), await boardBytes(board[B]!.ch)];
    assert.equal(b.posts, 10_003);
    assert.equal(b.tables, a.tables, 'every table, with its AUTO_INCREMENT');
    assert.equal(b.contents, a.contents, 'every post: id, timestamp and text, byte for byte');
    assert.equal(b.keys, a.keys, 'every idempotency key and its stored answer');
    assert.match(b.contents, /F09F9880/, 'an emoji (4 bytes) is among them');

    const bbs = [await get(`${board[A]!.app}bbs`), await get(`${board[B]!.app}bbs`)];
    assert.equal(bbs[0]!.status, 200);
    assert.equal(bbs[1]!.body, bbs[0]!.body);
    assert.equal(Object.keys(JSON.parse(bbs[1]!.body)).length, 1000);
    const pages = [await get(board[A]!.url), await get(board[B]!.url)];
    assert.equal(pages[0]!.status, 200);
    assert.equal(withoutFormKey(pages[1]!.body), withoutFormKey(pages[0]!.body));
    assert.match(pages[1]!.body, /third 🇯🇵 key/);

    // A client retrying a post it sent before the move gets the first answer; nothing is stored twice.
    const first = JSON.parse((await get(`${board[A]!.app}bbs`)).body) as Record<string, { text: string }>;
    const replay = await post(board[B]!.app, 'second 𝄞 key', 'key-1');
    assert.equal(replay.status, 201);
    assert.equal(JSON.parse(replay.body).text, 'second 𝄞 key');
    assert.ok(first[String(JSON.parse(replay.body).id)], 'the replay names the post stored before the backup');
    assert.equal((await boardBytes(board[B]!.ch)).posts, 10_003);
  });

  it('refuses a board that holds posts without --force and changes nothing; --force replaces them', async () => {
    assert.equal((await post(board[B]!.app, 'written after the restore', 'late-key')).status, 201);
    const before = await boardBytes(board[B]!.ch);
    const r = await cli(['restore', file, '--project', B]);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /\nberth: the board in container berth-test-data-b-dbs holds 10004 posts: restore refuses to replace them \(nothing was changed\)\nhint: .*--force/,
    );
    assert.deepEqual(await boardBytes(board[B]!.ch), before);

    const forced = await cli(['restore', file, '--project', B, '--force']);
    assert.equal(forced.code, 0, forced.stderr);
    assert.match(forced.stderr, /restored 10003 posts \(replaced 10004\)/);
    assert.deepEqual(await boardBytes(board[B]!.ch), await boardBytes(board[A]!.ch));
  });

  it('refuses a damaged file or one without its checksum, and changes nothing', async () => {
    const before = await boardBytes(board[B]!.ch);
    const bad = join(dir, 'damaged.sql');
    const bytes = readFileSync(file);
    const mid = Math.floor(bytes.length / 2);
    bytes[mid] = bytes[mid]! ^ 0x01;
    writeFileSync(bad, bytes);
    copyFileSync(`${file}.sha256`, `${bad}.sha256`);
    const r = await cli(['restore', bad, '--project', B, '--force']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^berth: .*damaged\.sql: checksum mismatch .*: it was changed or damaged since the backup\nhint: nothing was restored/);
    rmSync(`${bad}.sha256`);
    const bare = await cli(['restore', bad, '--project', B, '--force']);
    assert.equal(bare.code, 1);
    assert.match(bare.stderr, /its checksum .*damaged\.sql\.sha256 is missing/);
    assert.deepEqual(await boardBytes(board[B]!.ch), before);
  });
});
