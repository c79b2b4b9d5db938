// On the sandbox's real instances, tiered: `ansible -i <berth inventory> all -m ping` answers pong
// from web, app and dbs given only the key pair and the host's CIDR (app and dbs through web);
// then berth backup / restore over that SSH path: 10,000 posts with 4-byte characters and
// idempotency keys come back byte for byte and the board serves the same page and /bbs; a restore
// into the board with posts is refused without --force and changes nothing; a damaged file is
// refused; the database password is in no output and on no command line of this host.
import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import type { OpenStack } from '../../src/deployer/openstack/index.js';
import type { DbsChannel } from '../../src/deployer/data/index.js';
import { sshDbsChannel } from '../../src/deployer/targets/openstack/ssh.js';
import { boardBytes, loadSql, seedSql, withoutFormKey } from '../helpers/board-data.js';
import { CLOUDS_YAML as CLOUDS, connectAs } from './helpers.js';
import { berthAsync, NO_SANDBOX, prefix, pushBoardImages, ROOT, SANDBOX_KEY, sandboxArgs, spawnCollect } from './target-helpers.js';
import { commandLinesDuring } from '../helpers/processes.js';

const P = prefix();
const ID = `${P}-board`;
const where = ['--target', 'openstack', '--prefix', P];
const upArgs = [...sandboxArgs(P), '--layout', 'tiered'];
const dir = mkdtempSync(join(tmpdir(), 'berth-osdata-'));
const file = join(dir, 'board.sql');
const run = (args: string[]) => berthAsync(args, CLOUDS);

describe('ansible, backup and restore over SSH (openstack, tiered)', { skip: NO_SANDBOX }, () => {
  let os: OpenStack;
  let url = '';
  let dbs: DbsChannel;
  let web: DbsChannel;
  const home = mkdtempSync(join(tmpdir(), 'berth-home-'));
  const key = join(home, 'id_ed25519');
  /** The web tier's /bbs, asked from inside its container (5555 is closed to the outside). */
  const bbs = async () =>
    (await web.run("node -e \"fetch('http://'+process.env.REST_PORT_5555_TCP_ADDR+':5555/bbs').then(r=>r.text()).then(t=>process.stdout.write(t))\"")).stdout;
  const page = async () => {
    const r = await request(url);
    return withoutFormKey(await r.body.text());
  };

  before(async () => {
    os = await connectAs('demo');
    // A copy of the key this user owns (ssh refuses a key others can read).
    copyFileSync(SANDBOX_KEY, key);
    chmodSync(key, 0o600);
    pushBoardImages();
    const up = await run(['up', ...upArgs]);
    assert.equal(up.code, 0, up.stderr);
    url = up.stdout.trim();
    dbs = await sshDbsChannel(os, ID, 'board', 'dbs', { user: 'debian', key });
    web = await sshDbsChannel(os, ID, 'board', 'web', { user: 'debian', key });
  });
  after(async () => {
    try {
      await run(['down', ...where, '--volumes', '--allow-data-loss']);
    } finally {
      await os?.close();
      rmSync(dir, { recursive: true, force: true });
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('ansible -i <berth inventory> all -m ping: pong from web, app and dbs', async () => {
    const script = join(dir, 'inventory.sh');
    writeFileSync(
      script,
      `#!/bin/sh\nexport OS_CLIENT_CONFIG_FILE='${CLOUDS}' OS_CLOUD=berth-demo\nexec '${process.execPath}' '${join(ROOT, 'bin/berth.js')}' inventory --prefix '${P}' --ssh-key '${key}' "$@"\n`,
      { mode: 0o755 },
    );
    const r = await spawnCollect('ansible', ['-i', script, 'all', '-m', 'ping', '-o'], {
      env: { PATH: process.env.PATH, HOME: home, ANSIBLE_LOCAL_TEMP: join(home, 'tmp'), ANSIBLE_PYTHON_INTERPRETER: 'auto_silent', ANSIBLE_TIMEOUT: '30' },
    });
    assert.equal(r.code, 0, `${r.stdout}${r.stderr}`);
    for (const t of ['web', 'app', 'dbs']) assert.match(r.stdout, new RegExp(`^${ID}-${t} \\| SUCCESS => .*"ping": "pong"`, 'm'));
  });

  it("the SSH channel's output keeps a character its script wrote in two pieces (stdout and stderr)", async () => {
    // 😀 is F0 9F 98 80: its first three bytes, a pause (a chunk of its own), then the last.
    const r = await dbs.run(String.raw`printf '\360\237\230'; printf '\360\237' >&2; sleep 0.3; printf '\200 ok'; printf '\230\200 err' >&2`);
    // stderr is the script's alone: the guest knows its own name (no "sudo: unable to resolve host").
    assert.deepEqual({ code: r.code, stdout: r.stdout, stderr: r.stderr }, { code: 0, stdout: '😀 ok', stderr: '😀 err' });
  });

  it('backup then restore: refused over posts without --force, the same bytes, page and /bbs after --force', async () => {
    seedSql(join(dir, 'seed.sql'), 10_000);
    await loadSql(dbs, join(dir, 'seed.sql'));
    const password = (await dbs.run('cat /run/secrets/db-password')).stdout.trim();
    assert.match(password, /^[A-Za-z0-9]{24}$/);
    const saved = { bytes: await boardBytes(dbs), page: await page(), bbs: await bbs() };
    assert.equal(saved.bytes.posts, 10_000);
    assert.match(saved.page, /𝄞 music 🎵/);

    const { result: b, lines } = await commandLinesDuring(() => run(['backup', file, ...where, '--ssh-key', key]));
    assert.equal(b.code, 0, b.stderr);
    assert.match(b.stderr, new RegExp(`dumping the database of server ${ID}-dbs \\(192\\.168\\.0\\.30 through [\\d.]+\\) \\(10000 posts\\)`));
    assert.ok(
      [...lines].some((l) => l.startsWith('ssh ') && l.includes('ProxyCommand=ssh -W %h:%p')),
      'the sampler saw ssh run through the jump host',
    );
    for (const l of lines) assert.equal(l.includes(password), false, `the password is on a command line: ${l}`);
    assert.equal(`${b.stdout}${b.stderr}`.includes(password), false);

    // Changed after the backup: a restore without --force refuses and changes nothing.
    writeFileSync(join(dir, 'late.sql'), "INSERT INTO contents (timestamp, text) VALUES ('2030-01-01 00:00:00', 'written after the backup 🙂');\n");
    await loadSql(dbs, join(dir, 'late.sql'));
    const changed = await boardBytes(dbs);
    const refused = await run(['restore', file, ...where, '--ssh-key', key]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /berth: the board in server .*-dbs .* holds 10001 posts: restore refuses to replace them \(nothing was changed\)/);
    assert.deepEqual(await boardBytes(dbs), changed);

    const damaged = join(dir, 'damaged.sql');
    const bytes = readFileSync(file);
    bytes[100] = bytes[100]! ^ 0x20;
    writeFileSync(damaged, bytes);
    copyFileSync(`${file}.sha256`, `${damaged}.sha256`);
    const bad = await run(['restore', damaged, ...where, '--ssh-key', key, '--force']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /checksum mismatch/);
    assert.deepEqual(await boardBytes(dbs), changed);

    const { result: r, lines: rl } = await commandLinesDuring(() => run(['restore', file, ...where, '--ssh-key', key, '--force']));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /restored 10000 posts \(replaced 10001\)/);
    for (const l of rl) assert.equal(l.includes(password), false, `the password is on a command line: ${l}`);
    assert.equal(`${r.stdout}${r.stderr}`.includes(password), false);
    assert.deepEqual(await boardBytes(dbs), saved.bytes, 'every post, key and table definition, byte for byte');
    assert.equal(await page(), saved.page);
    assert.equal(await bbs(), saved.bbs);
  });
});
