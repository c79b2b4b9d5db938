// The docker target keeps the openstack target's rule: no command loses data unless the user said
// so in that command. Recreating a container on the same named volumes loses nothing; one whose
// data is on an anonymous volume (a stack without `volumes:` for dbs) would: `up` and `down` say
// what would be lost and stop, changing nothing; --allow-data-loss (or --yes) goes on, and
// --backup-before takes a backup first, which `berth restore` brings back.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { request } from 'undici';
import { postCount } from '../../src/deployer/data/index.js';
import { planLayout } from '../../src/deployer/layouts/index.js';
import { loadStackFile } from '../../src/deployer/stack/load.js';
import { lostMounts } from '../../src/deployer/targets/docker/data-loss.js';
import { dockerDbsChannel } from '../../src/deployer/targets/docker/dbs-exec.js';
import { boardBytes } from '../helpers/board-data.js';
import { berth, boardImage, docker, freePort, purge, ROOT, snapshot } from './helpers.js';

async function post(app: string, text: string, key: string): Promise<{ status: number; body: string }> {
  const r = await request(`${app}api/v1/posts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': key },
    body: JSON.stringify({ text }),
  });
  return { status: r.statusCode, body: await r.body.text() };
}

describe('what up and down would lose (docker)', () => {
  const stack = loadStackFile(join(ROOT, 'stacks/board.yaml')).stack;
  const plan = planLayout('single', stack, {
    imageOf: boardImage,
    secrets: { 'db-password': 'x'.repeat(24) },
    links: false,
    publish: { hostIp: '127.0.0.1' },
    tieredPrefix: '172.30',
  });
  const dbs = plan.services.find((s) => s.service === 'dbs')!;
  const anon = 'a'.repeat(64);

  it('recreating a container that mounts the same named volumes loses nothing', () => {
    assert.deepEqual(
      lostMounts('p', dbs, [
        { Type: 'volume', Name: 'p-dbs-data', Destination: '/var/lib/mysql' },
        { Type: 'volume', Name: 'p-dbs-secrets', Destination: '/run/secrets' },
        { Type: 'bind', Destination: '/etc/x' },
      ]),
      [],
    );
  });

  it('an anonymous volume, or another named volume at the path, is a loss', () => {
    assert.deepEqual(lostMounts('p', dbs, [{ Type: 'volume', Name: anon, Destination: '/var/lib/mysql' }]), [
      'dbs: /var/lib/mysql on an anonymous volume (the new container mounts another volume there)',
    ]);
    assert.deepEqual(lostMounts('p', dbs, [{ Type: 'volume', Name: 'old-data', Destination: '/var/lib/mysql' }]), [
      'dbs: /var/lib/mysql on volume old-data (the new container mounts another volume there)',
    ]);
    assert.deepEqual(lostMounts('p', { ...dbs, volumes: [] }, [{ Type: 'volume', Name: anon, Destination: '/var/lib/mysql' }]), [
      'dbs: /var/lib/mysql on an anonymous volume (the new container gets a new, empty one)',
    ]);
  });
});

describe('up and down stop before losing data (docker)', () => {
  const C = 'berth-test-data-loss';
  const sdir = mkdtempSync(join(tmpdir(), 'berth-loss-'));
  // The board without a named volume for dbs: its data is on the image's anonymous VOLUME.
  const anon = join(sdir, 'anon.yaml');
  const changed = join(sdir, 'changed.yaml');
  const base = readFileSync(join(ROOT, 'stacks/board.yaml'), 'utf8').replace(/^ {4}volumes: \[\{ name: data, path: \/var\/lib\/mysql \}\]\n/m, '');
  writeFileSync(anon, base);
  writeFileSync(changed, base.replace(/( {6}DB_PASSWORD_FILE: \{ secret: db-password, as: file \}\n)/, "$1      BERTH_TEST_CHANGE: 'two'\n"));
  after(async () => {
    await purge(C);
    rmSync(sdir, { recursive: true, force: true });
  });

  it('up that would recreate dbs on an anonymous volume stops; --allow-data-loss --backup-before goes on after a backup', async () => {
    assert.notEqual(base, readFileSync(join(ROOT, 'stacks/board.yaml'), 'utf8'));
    const port = String(await freePort());
    const up = berth(['up', '--project', C, '--stack', anon, '--port', port]);
    assert.equal(up.code, 0, up.stderr);
    const ch = await dockerDbsChannel(docker, C, 'dbs');
    const ip = Object.values((await docker.getContainer(`${C}-app`).inspect()).NetworkSettings.Networks)[0]!.IPAddress;
    assert.equal((await post(`http://${ip}:5555/`, 'kept by the backup 😀', 'loss-key')).status, 201);

    const before = await snapshot(C);
    const stopped = berth(['up', '--project', C, '--stack', changed, '--port', port]);
    assert.equal(stopped.code, 1);
    assert.equal(
      stopped.stderr,
      'this would lose data:\n  - dbs: /var/lib/mysql on an anonymous volume (the new container gets a new, empty one)\n' +
        'berth: stopped before losing data: nothing was changed\nhint: to go on anyway: --allow-data-loss (or --yes); --backup-before [FILE] takes a backup first (berth restore brings it back)\n',
    );
    assert.deepEqual(await snapshot(C), before, 'nothing was changed');

    const copy = join(sdir, 'before.sql');
    const went = berth(['up', '--project', C, '--stack', changed, '--port', port, '--allow-data-loss', '--backup-before', copy]);
    assert.equal(went.code, 0, went.stderr);
    assert.match(went.stderr, new RegExp(`backed up 1 posts to ${copy} .*before going on`));
    assert.ok(existsSync(`${copy}.sha256`));
    const now = await dockerDbsChannel(docker, C, 'dbs');
    assert.equal(await postCount(now), 0, 'the new dbs started empty, as the warning said');
    const back = berth(['restore', copy, '--project', C, '--stack', changed]);
    assert.equal(back.code, 0, back.stderr);
    assert.match((await boardBytes(now)).contents, /F09F9880/);
    assert.equal(ch.where, now.where);

    const down = berth(['down', '--project', C, '--stack', changed]);
    assert.equal(down.code, 1);
    assert.match(down.stderr, /dbs: \/var\/lib\/mysql on an anonymous volume \(no later up finds it again\)\nberth: stopped before losing data/);
    assert.equal((await snapshot(C)).containers[`/${C}-dbs`]?.running, true);
    assert.equal(berth(['down', '--project', C, '--stack', changed, '--yes']).code, 0);
  });
});
