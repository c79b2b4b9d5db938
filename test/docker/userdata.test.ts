// The single layout's user-data: generated from the stack, shellcheck-clean, and run for real as
// cloud-init would (root, no terminal, a minimal environment) against this machine's engine.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PRELUDE } from '../../src/deployer/userdata/prelude.js';
import { berth, boardImage, checkSecretFiles, docker, execIn, freePort, labelled, postWithForm, postsOnPage, purge, restartAndWait } from './helpers.js';

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
    const run = spawnSync('bash', [file], {
      env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', HOME: '/root', LANG: 'C.UTF-8' },
      stdio: ['ignore', 'pipe', 'pipe'],
      encoding: 'utf8',
      timeout: 600_000,
    });
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
    for (const [path, mode, uid] of [
      [state, 0o700, 0],
      [`${state}/secrets`, 0o700, 0],
      [`${state}/secrets/db-password`, 0o400, 0],
      [`${state}/files`, 0o700, 0],
      [`${state}/files/app/db-password`, 0o400, 10001],
    ] as const) {
      const st = statSync(path);
      assert.deepEqual([st.mode & 0o777, st.uid], [mode, uid], path);
    }
    await purge(PROJECT);
    assert.deepEqual(await labelled(PROJECT), { containers: 0, networks: 0, volumes: 0 });
  });
});

describe('userdata --registry, --registry-ca', () => {
  // A registry with a certificate of its own CA, on the host's Docker bridge address (the Engine
  // trusts any certificate on 127.0.0.0/8, so the loopback would not show the error).
  const dir = mkdtempSync(join(tmpdir(), 'berth-registry-'));
  const project = `berth-test-pull-${process.pid}`;
  let server: Server;
  let registry = '';
  after(async () => {
    server?.close();
    rmSync(dir, { recursive: true, force: true });
    rmSync(`/var/lib/berth/${project}`, { recursive: true, force: true });
    if (registry) rmSync(`/etc/docker/certs.d/${registry}`, { recursive: true, force: true });
  });

  before(async () => {
    const ssl = spawnSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=berth-test-registry',
        '-addext',
        'subjectAltName=IP:172.17.0.1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'ca.pem'),
      ],
      { encoding: 'utf8' },
    );
    assert.equal(ssl.status, 0, ssl.stderr);
    // It knows no image: every request is a 404 (what a registry says of an unknown repository).
    server = createServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'ca.pem')) }, (_req, res) => {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"errors":[{"code":"NAME_UNKNOWN","message":"repository name not known to registry"}]}');
    });
    await new Promise<void>((resolve) => server.listen(0, '172.17.0.1', resolve));
    registry = `172.17.0.1:${(server.address() as AddressInfo).port}`;
  });

  /** Runs the user-data as cloud-init would; its exit status and what it printed (the console).
   *  (Not spawnSync: the registry answers from this process.) */
  async function runUserdata(args: string[]) {
    const r = berth(['userdata', '--project', project, '--registry', registry, ...args]);
    assert.equal(r.code, 0, r.stderr);
    const file = join(dir, 'userdata.sh');
    writeFileSync(file, r.stdout, { mode: 0o700 });
    const child = spawn('bash', [file], {
      env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', HOME: '/root', LANG: 'C.UTF-8' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let console = '';
    child.stderr.on('data', (d: Buffer) => (console += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    return { script: r.stdout, code, console };
  }

  it("a pull that fails says why on the console (x509: certificate signed by unknown authority), not only in the guest's log", async () => {
    const r = await runUserdata([]);
    assert.equal(r.code, 1);
    assert.match(
      r.console,
      new RegExp(`ERROR: image ${registry}/${boardImage('dbs')} is missing and cannot be pulled: .*x509: certificate signed by unknown authority`),
    );
  });

  it("with --registry-ca the Engine trusts the registry: the pull gets as far as the registry's own answer", async () => {
    const r = await runUserdata(['--registry-ca', join(dir, 'ca.pem')]);
    assert.ok(
      r.script.includes(`cat >'/etc/docker/certs.d/${registry}/ca.crt' <<'BERTH_CA'\n${readFileSync(join(dir, 'ca.pem'), 'utf8').trim()}\nBERTH_CA\n`),
      'the CA is written where the Engine looks for it',
    );
    assert.equal(r.code, 1);
    assert.match(r.console, new RegExp(`ERROR: image ${registry}/${boardImage('dbs')} is missing and cannot be pulled: .*(not found|unknown|404)`, 'i'));
    assert.doesNotMatch(r.console, /x509/);
  });
});

describe("the user-data's health wait", () => {
  const names = [`berth-test-probe-shell-${process.pid}`, `berth-test-probe-exec-${process.pid}`];
  after(async () => {
    for (const n of names)
      await docker
        .getContainer(n)
        .remove({ force: true })
        .catch(() => undefined);
  });

  it("runs the container's own health check (shell and exec forms) rather than waiting for Docker's next probe, and only passes once it does", async () => {
    // Docker's first probe is an hour away: only berth's own run of the check can say healthy.
    const hour = 3600e9;
    const start = { Image: boardImage('dbs'), Entrypoint: ['sh'], Cmd: ['-c', 'sleep 2; touch /tmp/ready; sleep 120'] };
    const tests = [
      ['CMD-SHELL', 'test -e /tmp/ready'],
      ['CMD', 'test', '-e', '/tmp/ready'],
    ];
    for (const [i, name] of names.entries()) {
      const c = await docker.createContainer({ ...start, name, Healthcheck: { Test: tests[i], Interval: hour, StartPeriod: hour } });
      await c.start();
      const r = spawnSync('bash', ['-c', `${PRELUDE}\nwait_healthy ${name}`], { encoding: 'utf8', timeout: 120_000 });
      assert.equal(r.status, 0, `wait_healthy ${name}: ${r.error?.message ?? `exit ${r.status}`}\n${r.stderr}`);
      const said = new RegExp(`(\\d+\\.\\d{3}) berth: ${name} is healthy$`, 'm').exec(r.stderr);
      assert.ok(said, r.stderr);
      const ready = Number((await execIn(name, ['stat', '-c', '%.3Y', '/tmp/ready'])).out.trim());
      assert.ok(Number(said[1]) >= ready, `${name}: said healthy at ${said[1]}, before its check could pass (${ready})`);
      assert.equal((await c.inspect()).State.Health?.Status, 'starting', "Docker's own probe has not run");
    }
  });
});
