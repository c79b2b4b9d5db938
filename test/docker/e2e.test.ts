// End to end on the Docker Engine: `berth up` in both layouts, a post through a real browser, an
// app restart that keeps it, the database password as a file and nowhere in `docker inspect`, an
// idempotent re-run while dbs is unhealthy, a stopped container started again, tiered isolation,
// then `berth down` leaves nothing with the project's label.
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  berth,
  berthInBackground,
  checkSecretFiles,
  docker,
  execIn,
  freePort,
  labelled,
  postWithBrowser,
  postsOnPage,
  purge,
  restartAndWait,
  snapshot,
  waitHealth,
} from './helpers.js';

/** Every volume of the engine, by name (anonymous ones too). */
async function volumeNames(): Promise<string[]> {
  return ((await docker.listVolumes()).Volumes ?? []).map((v) => v.Name).sort();
}

/** The app's /readyz status, asked from inside its container. */
async function readyz(app: string): Promise<number> {
  const script = "fetch('http://127.0.0.1:5555/readyz',{signal:AbortSignal.timeout(30000)}).then((r)=>console.log(r.status),()=>console.log(0))";
  return Number((await execIn(app, ['node', '-e', script])).out.trim());
}

/** Waits until the app's /readyz answers 200 again (it asks the database each time). */
async function readyAgain(app: string, limitMs = 60_000): Promise<void> {
  const until = Date.now() + limitMs;
  while ((await readyz(app)) !== 200) {
    if (Date.now() > until) throw new Error(`${app} not ready again within ${limitMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Runs a TCP connect from inside a container; true when it connected. */
async function canConnect(container: string, host: string, port: number): Promise<boolean> {
  const script = `const s=require('net').connect(${port},'${host}');s.setTimeout(3000);s.on('connect',()=>process.exit(0));s.on('error',()=>process.exit(1));s.on('timeout',()=>process.exit(1))`;
  const exec = await docker.getContainer(container).exec({ Cmd: ['node', '-e', script], AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({});
  await new Promise((r) => {
    stream.on('end', r);
    stream.resume();
  });
  return (await exec.inspect()).ExitCode === 0;
}

for (const layout of ['single', 'tiered'] as const) {
  const project = `berth-test-e2e-${layout}`;
  describe(`berth up --target docker --layout ${layout}`, () => {
    after(() => purge(project));

    it('serves the board, keeps a post across an app restart, and down removes everything', async () => {
      const port = await freePort();
      const args = ['--project', project, '--target', 'docker'];
      const volumesBefore = await volumeNames();
      const first = berth(['up', ...args, '--layout', layout, '--port', String(port)]);
      assert.equal(first.code, 0, first.stderr);
      const url = first.stdout.trim();
      assert.equal(url, `http://127.0.0.1:${port}/`);

      const text = `hello from ${layout} ${Date.now()}`;
      const rows = await postWithBrowser(url, text);
      assert.equal(rows[0], text);
      assert.equal(await restartAndWait(`${project}-app`), 0, 'the app exits 0 on SIGTERM');
      assert.equal((await postsOnPage(url))[0], text);

      await checkSecretFiles(project);

      // A dbs whose probes fail (paused: Docker's probes of a paused container fail) is unhealthy
      // until its next probe passes, as a busy host's missed timeouts make it. A re-run of up that
      // finds it so waits for it to come back instead of failing: the flake the tiered test once showed.
      const before = await snapshot(project);
      const dbs = docker.getContainer(`${project}-dbs`);
      // (A broken up may have replaced the paused container by then.)
      const unpause = async () => {
        if ((await dbs.inspect()).State.Paused) await dbs.unpause();
      };
      await dbs.pause();
      try {
        await waitHealth(`${project}-dbs`, 'unhealthy');
        assert.equal(await readyz(`${project}-app`), 503, 'the app is not ready while its database does not answer');
        const again = berthInBackground(['up', ...args, '--layout', layout, '--port', String(port)]);
        await again.waitFor(/waiting for dbs to be healthy/);
        await unpause();
        const r = await again.done;
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stderr, /nothing changed/);
      } finally {
        await unpause();
      }
      // Nothing changed is nothing changed: the same containers, started at the same time, the same
      // networks and volumes.
      assert.deepEqual(await snapshot(project), before);
      // Docker still calls the app healthy (too few failed probes); its own /readyz comes back by itself.
      await readyAgain(`${project}-app`);

      // A stopped container is started again (the same one) and reported.
      await docker.getContainer(`${project}-app`).stop({ t: 20 });
      const restarted = berth(['up', ...args, '--layout', layout, '--port', String(port)]);
      assert.equal(restarted.code, 0, restarted.stderr);
      assert.match(restarted.stderr, /started \(was stopped\): app\n/);
      assert.doesNotMatch(restarted.stderr, /changed:|nothing changed/);
      const now = await snapshot(project);
      const app = `/${project}-app`;
      assert.equal(now.containers[app]!.running, true);
      assert.equal(now.containers[app]!.id, before.containers[app]!.id, 'the same app container');
      assert.notEqual(now.containers[app]!.startedAt, before.containers[app]!.startedAt, 'started again');
      assert.deepEqual({ ...now, containers: { ...now.containers, [app]: undefined } }, { ...before, containers: { ...before.containers, [app]: undefined } });
      assert.equal((await postsOnPage(url))[0], text);

      if (layout === 'single') {
        // A changed environment recreates just that container; the others keep running as they were.
        const ids = async () =>
          Object.fromEntries(await Promise.all(['dbs', 'app', 'web'].map(async (s) => [s, (await docker.getContainer(`${project}-${s}`).inspect()).Id])));
        const before = await ids();
        const stack = join(tmpdir(), `berth-e2e-stack-${process.pid}.yaml`);
        const original = (await import('node:fs')).readFileSync('stacks/board.yaml', 'utf8');
        writeFileSync(stack, original.replace('    tier: web\n', '    tier: web\n    environment: { PAGE_SIZE: "5" }\n'));
        try {
          const changed = berth(['up', ...args, '--stack', stack, '--layout', layout, '--port', String(port)]);
          assert.equal(changed.code, 0, changed.stderr);
          assert.match(changed.stderr, /recreating .*web/);
        } finally {
          rmSync(stack, { force: true });
        }
        const after = await ids();
        assert.equal(after.dbs, before.dbs, 'dbs untouched');
        assert.equal(after.app, before.app, 'app untouched');
        assert.notEqual(after.web, before.web, 'web recreated');
        assert.equal((await postsOnPage(url))[0], text);
        const back = berth(['up', ...args, '--layout', layout, '--port', String(port)]);
        assert.equal(back.code, 0, back.stderr);
      }

      // berth logs: what a service printed (here the request id web passed on to app); with
      // --follow, new lines as they come, until the container stops (down ends it).
      const follow = layout === 'single' ? berthInBackground(['logs', ...args, 'web', '--follow']) : undefined;
      if (follow) {
        await follow.waitFor(/"msg"/); // it shows what was logged so far; then a new request:
        const id = `follow-${Date.now()}`;
        assert.equal((await fetch(url, { headers: { 'x-request-id': id } })).status, 200);
        await follow.waitFor(new RegExp(`"reqId":"${id}"`));
        const logs = berth(['logs', ...args, 'app', '--tail', '20']);
        assert.equal(logs.code, 0, logs.stderr);
        assert.match(logs.stdout, new RegExp(`"reqId":"${id}"`));
      }

      const status = JSON.parse(berth(['status', ...args, '--json']).stdout) as { url: string; services: { health: string }[] };
      assert.equal(status.url, url);
      assert.deepEqual(
        status.services.map((s) => s.health),
        ['healthy', 'healthy', 'healthy'],
      );

      if (layout === 'tiered') {
        assert.equal(await canConnect(`${project}-app`, '172.30.3.30', 3306), true, 'app reaches dbs');
        for (const addr of ['172.30.1.30', '172.30.3.30', `${project}-dbs`]) {
          assert.equal(await canConnect(`${project}-web`, addr, 3306), false, `web must not reach dbs at ${addr}:3306`);
        }
      }

      const down = berth(['down', ...args, '--volumes']);
      assert.equal(down.code, 0, down.stderr);
      if (follow) assert.equal((await follow.done).code, 0, 'logs --follow ends when the container stops');
      assert.deepEqual(await labelled(project), { containers: 0, networks: 0, volumes: 0 });
      // Nor anonymous volumes: the helper container (dbs image, VOLUME /var/lib/mysql) made one
      // per use. (Assumes no other test makes volumes meanwhile: the suites run one file at a time.)
      assert.deepEqual(await volumeNames(), volumesBefore, 'the engine has the volumes it had before up');
    });
  });
}

describe('berth up errors', () => {
  it('says how to build a missing image', () => {
    const r = berth(['up', '--project', 'berth-test-missing', '--tag', 'no-such-tag']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /image berth\/dbs:no-such-tag is missing\nhint: build it: berth build/);
  });

  it("says the same when only a later service's image is missing", async () => {
    const tag = `only-dbs-${process.pid}`;
    await docker.getImage('berth/dbs:latest').tag({ repo: 'berth/dbs', tag });
    try {
      const r = berth(['up', '--project', 'berth-test-missing-app', '--tag', tag]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, new RegExp(`image berth/app:${tag} is missing\nhint: build it: berth build`));
    } finally {
      await docker.getImage(`berth/dbs:${tag}`).remove();
    }
  });

  it('shows the last check and log lines of a service that never becomes healthy', () => {
    const file = join(tmpdir(), `berth-unhealthy-${process.pid}.yaml`);
    writeFileSync(
      file,
      `name: unhealthy
services:
  stuck:
    image: berth-base/debian:bookworm
    command: ["bash", "-c", "echo starting up; echo cannot reach the config server >&2; exec sleep infinity"]
    healthcheck: { test: "echo config server unreachable; exit 1", interval: 1s, timeout: 2s, retries: 2, start_period: 1s }
`,
    );
    try {
      const r = berth(['up', '--stack', file, '--project', 'berth-test-unhealthy']);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /berth-test-unhealthy-stuck did not become healthy \(unhealthy; last check: config server unreachable\):\n {2}\| /);
      // Its last log lines (stdout and stderr, in either order).
      assert.match(r.stderr, /\n {2}\| starting up\n/);
      assert.match(r.stderr, /\n {2}\| cannot reach the config server\n/);
      assert.match(r.stderr, /hint: see its log: berth logs stuck/);
    } finally {
      rmSync(file, { force: true });
    }
  });

  after(async () => {
    await purge('berth-test-missing');
    await purge('berth-test-missing-app');
    await purge('berth-test-unhealthy');
  });
});
