// The single layout's user-data: generated from the stack, shellcheck-clean, and run for real as
// cloud-init would (root, no terminal, a minimal environment) against this machine's engine.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { berth, checkSecretFiles, docker, freePort, labelled, postWithForm, postsOnPage, purge, restartAndWait } from './helpers.js';

const PROJECT = 'berth-test-userdata';

describe('userdata --layout single', () => {
  after(async () => {
    await purge(PROJECT);
    rmSync(`/var/lib/berth/${PROJECT}`, { recursive: true, force: true });
  });

  it('is a shellcheck-clean bash script that runs the original commands', () => {
    const r = berth(['userdata', '--layout', 'single', '--repo', 'myuser', '--tag', 'ver1.0']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^#!\/bin\/bash\n/);
    assert.match(r.stdout, /'--name' 'app'.*'--link' 'dbs:db' 'myuser\/app:ver1.0'/);
    assert.match(r.stdout, /'--link' 'app:rest' '-p' '0.0.0.0:80:80' 'myuser\/web:ver1.0'/);
    const file = join(tmpdir(), `berth-userdata-${process.pid}.sh`);
    writeFileSync(file, r.stdout);
    const sc = spawnSync('shellcheck', ['--severity=style', file], { encoding: 'utf8' });
    rmSync(file);
    assert.equal(sc.status, 0, sc.stdout);
  });

  it('starts a working board as cloud-init would, and a post survives an app restart', async () => {
    const port = await freePort();
    const r = berth(['userdata', '--layout', 'single', '--project', PROJECT, '--port', String(port), '--bind', '127.0.0.1']);
    assert.equal(r.code, 0, r.stderr);
    const file = join(tmpdir(), `berth-userdata-run-${process.pid}.sh`);
    writeFileSync(file, r.stdout, { mode: 0o700 });
    const run = spawnSync('bash', [file], { env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', HOME: '/root', LANG: 'C.UTF-8' }, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', timeout: 600_000 });
    rmSync(file);
    assert.equal(run.status, 0, run.stderr);
    const url = `http://127.0.0.1:${port}/`;
    const text = `userdata ${Date.now()}`;
    await postWithForm(url, text);
    assert.equal((await postsOnPage(url))[0], text);
    assert.equal(await restartAndWait(`${PROJECT}-app`), 0, 'app exits 0 on SIGTERM');
    assert.equal((await postsOnPage(url))[0], text);
    const info = await docker.getContainer(`${PROJECT}-web`).inspect();
    assert.deepEqual(info.HostConfig.Links, [`/${PROJECT}-app:/${PROJECT}-web/rest`]);

    // The password: generated once into a root-only file on the VM, each service's copy mounted
    // read-only and readable by its user only, and nowhere in docker inspect.
    const password = await checkSecretFiles(PROJECT);
    const state = `/var/lib/berth/${PROJECT}`;
    assert.equal(readFileSync(`${state}/secrets/db-password`, 'utf8'), password);
    for (const [path, mode, uid] of [[state, 0o700, 0], [`${state}/secrets`, 0o700, 0], [`${state}/secrets/db-password`, 0o400, 0], [`${state}/files`, 0o700, 0], [`${state}/files/app/db-password`, 0o400, 10001]] as const) {
      const st = statSync(path);
      assert.deepEqual([st.mode & 0o777, st.uid], [mode, uid], path);
    }
    await purge(PROJECT);
    assert.deepEqual(await labelled(PROJECT), { containers: 0, networks: 0, volumes: 0 });
  });
});
