// The original ships the board as three images and starts them with exactly
//   docker run -itd --name dbs <user>/dbs:ver1.0
//   docker run -itd --name app --link dbs:db <user>/app:ver1.0
//   docker run -itd --name web --link app:rest -p 80:80 <user>/web:ver1.0
// Here they run as literally as the docker CLI allows, with our images tagged <user>/*:ver1.0.
// Deviations: names carry a unique prefix (parallel stacks), port 80 is published as a free port
// on 127.0.0.1, and dbs is given its password once (`-e DB_PASSWORD`; the app gets it through the
// link as DB_ENV_DB_PASSWORD). Without it, the app cannot know the password dbs generates (there is
// never a fixed default): the exact commands then stop the app at start with a message that says
// what to do, which the second test checks.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { boardImage, docker, freePort, postWithForm, postsOnPage, waitHealthy } from './helpers.js';

const USER = `berth-orig-${process.pid}`;
const TAG = 'ver1.0';
const SERVICES = ['dbs', 'app', 'web'] as const;
const image = (svc: string) => `${USER}/${svc}:${TAG}`;
const created: string[] = [];

/** The docker CLI on PATH; stdin is not a terminal, as in a CI job or cloud-init. */
function dockerCli(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync('docker', args, { encoding: 'utf8', env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
  return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

function run(name: string, args: string[], env: Record<string, string> = {}) {
  created.push(name);
  const r = dockerCli(['run', '-itd', '--name', name, ...args], env);
  assert.equal(r.code, 0, `docker run --name ${name}: ${r.stderr}`);
}

async function waitExited(name: string, limitMs = 60_000): Promise<number> {
  const until = Date.now() + limitMs;
  for (;;) {
    const s = (await docker.getContainer(name).inspect()).State;
    if (!s.Running && !s.Restarting) return s.ExitCode;
    if (Date.now() > until) throw new Error(`${name} still running after ${limitMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

describe("the original's three docker run commands", () => {
  before(() => {
    for (const svc of SERVICES) {
      const r = dockerCli(['tag', boardImage(svc), image(svc)]);
      assert.equal(r.code, 0, `${r.stderr}(build the images first: bash scripts/ci/setup-10-docker.sh)`);
    }
  });

  after(() => {
    // Containers with their anonymous volumes (dbs keeps /var/lib/mysql on one), then the tags.
    if (created.length) dockerCli(['rm', '--force', '--volumes', ...created]);
    for (const svc of SERVICES) dockerCli(['rmi', image(svc)]);
  });

  it('run the board: a post through the web container shows on its page', async () => {
    const p = `${USER}-a-`;
    const port = await freePort();
    // What a user of the original adds, once: a password for dbs (here passed by name, so it is
    // not on the command line). app and web are started exactly as the original does.
    run(`${p}dbs`, ['-e', 'DB_PASSWORD', image('dbs')], { DB_PASSWORD: randomBytes(18).toString('base64url') });
    run(`${p}app`, ['--link', `${p}dbs:db`, image('app')]);
    run(`${p}web`, ['--link', `${p}app:rest`, '-p', `127.0.0.1:${port}:80`, image('web')]);
    for (const svc of SERVICES) await waitHealthy(`${p}${svc}`);

    const url = `http://127.0.0.1:${port}/`;
    const text = `original commands ${Date.now()}`;
    await postWithForm(url, text);
    assert.equal((await postsOnPage(url))[0], text);

    const links = (await docker.getContainer(`${p}web`).inspect()).HostConfig.Links;
    assert.deepEqual(links, [`/${p}app:/${p}web/rest`]);
  });

  it('dbs refuses a DB_USER or DB_NAME that is not a plain name, saying so, and creates nothing', async () => {
    const hostile = { DB_USER: "x'@'%' IDENTIFIED BY 'x'; GRANT ALL ON *.* TO 'x'@'%'; -- ", DB_NAME: 'b`; DROP DATABASE mysql; -- ' };
    for (const [variable, value] of Object.entries(hostile)) {
      const name = `${USER}-c-${variable.toLowerCase().replace('_', '')}`;
      run(name, ['-e', variable, '-e', 'DB_PASSWORD', image('dbs')], { [variable]: value, DB_PASSWORD: randomBytes(18).toString('base64url') });
      assert.equal(await waitExited(name), 2, 'a configuration error exits 2');
      const log = dockerCli(['logs', name]);
      const max = variable === 'DB_USER' ? 80 : 64;
      assert.match(log.stdout + log.stderr, new RegExp(`${variable} must be 1-${max} characters of A-Z a-z 0-9 _ \\(nothing was created\\)`));
      assert.ok(!(log.stdout + log.stderr).includes(value.trim()), 'the refused value is not echoed');
      // Nothing was created: the data volume is still empty (no system tables, no database).
      const volume = (await docker.getContainer(name).inspect()).Mounts.find((m) => m.Destination === '/var/lib/mysql')!.Name!;
      const ls = dockerCli(['run', '--rm', '--network', 'none', '-v', `${volume}:/data`, '--entrypoint', 'ls', image('dbs'), '-A', '/data']);
      assert.equal(ls.code, 0, ls.stderr);
      assert.equal(ls.stdout, '', `${variable}: the data volume holds nothing`);
    }
  });

  it('without a password: dbs generates one, and the app stops at once saying how to give it', async () => {
    const p = `${USER}-b-`;
    run(`${p}dbs`, [image('dbs')]);
    run(`${p}app`, ['--link', `${p}dbs:db`, image('app')]);
    assert.equal(await waitExited(`${p}app`), 2, 'a configuration error exits 2');
    const app = dockerCli(['logs', `${p}app`]);
    assert.match(app.stdout + app.stderr, /no database password: .*Start the dbs container with -e DB_PASSWORD=/);
    await waitHealthy(`${p}dbs`);
    const dbs = dockerCli(['logs', `${p}dbs`]);
    assert.match(dbs.stdout + dbs.stderr, /DB_PASSWORD not given: generated one for 'user', kept in \/var\/lib\/mysql\/\.berth-generated-password/);
    assert.match(dbs.stdout + dbs.stderr, /cannot learn a generated password/);
    const generated = dockerCli(['exec', `${p}dbs`, 'cat', '/var/lib/mysql/.berth-generated-password']).stdout.trim();
    assert.match(generated, /^[A-Za-z0-9]{24}$/);
    assert.ok(!(dbs.stdout + dbs.stderr).includes(generated), 'the generated password is not in the log');
  });
});
