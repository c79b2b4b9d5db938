// The board's posts against berth's own commands, on the sandbox's real instances: nothing
// deletes them without asking.
// - With block storage (Cinder), one stack followed through its life (one deployment shared by
//   the steps, each step a test): a first `up` killed right after Cinder took the volume create
//   is converged by the next (one volume, attached once); posts made through the page; a changed
//   dbs environment replaces dbs, every post is still there (rows: time and text); `down` keeps
//   the volume (and says so); an `up` killed right after Nova took the attach is converged by the
//   next, the posts are back; `up --layout single` moves the volume to the one VM; a new --tag
//   replaces that VM, the posts are kept; `down --volumes` deletes the volume.
// - Without block storage (no volume service in the catalog, or, when the sandbox has Cinder, a
//   project of its own whose volume quota is 0): `plan` marks the loss, `up` stops before it and
//   changes nothing, `up` without --layout keeps the stack tiered, `down` stops too;
//   `--allow-data-loss --backup-before FILE` goes on after writing a backup (and the posts are
//   indeed gone), and `berth restore FILE` brings them back.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { parse, stringify } from 'yaml';
import type { OpenStack } from '../../src/deployer/openstack/index.js';
import { loadStackFile } from '../../src/deployer/stack/load.js';
import { boardRows, launchChromium, postOnBoard } from '../helpers/browser.js';
import { CLOUDS_YAML as CLOUDS, connectAs } from './helpers.js';
import { berthAsync, leftovers, NO_SANDBOX, prefix, proxiedCloud, pushBoardImages, SANDBOX_KEY, sandboxArgs, type Proxied } from './target-helpers.js';

const common = sandboxArgs;
const run = (args: string[], clouds = CLOUDS, onStart?: (c: ChildProcess) => void) => berthAsync(args, clouds, onStart);
/** The sandbox's APIs sometimes answer nothing for a minute when the machine is loaded. */
const CLOUD_TIMEOUT = /: no response: no answer within \d+ ms/;

/**
 * An `up` that should succeed; when a cloud API gave no answer in time (the loaded sandbox, not
 * what these tests are about) it is run once more, as its hint says: the next `up` continues where
 * it stopped. The retry is reported (a diagnostic), never hidden.
 */
async function upOk(t: { diagnostic: (m: string) => void }, args: string[], clouds = CLOUDS) {
  let r = await run(args, clouds);
  if (r.code !== 0 && CLOUD_TIMEOUT.test(r.stderr)) {
    t.diagnostic(`a cloud API did not answer in time; up run again: ${r.stderr.split('\n').find((l) => CLOUD_TIMEOUT.test(l))}`);
    r = await run(args, clouds);
  }
  assert.equal(r.code, 0, r.stderr);
  return r;
}
const dir = mkdtempSync(join(tmpdir(), 'berth-data-'));
const key = join(dir, 'id_ed25519');

let os: OpenStack;
let browser: Browser;
let blockStorage = false;
const stacks: string[] = [];

/** The board stack with one more variable in dbs's environment (what replaces the dbs server). */
function dbsChanged(value: string): string {
  const { stack } = loadStackFile();
  const file = join(dir, `board-${value}.yaml`);
  writeFileSync(
    file,
    JSON.stringify({
      ...stack,
      services: { ...stack.services, dbs: { ...stack.services.dbs!, environment: { ...stack.services.dbs!.environment, TZ: value } } },
    }),
  );
  return file;
}

async function post(url: string, texts: string[]): Promise<void> {
  const page = await browser.newPage();
  try {
    await page.goto(url);
    for (const t of texts) assert.equal((await postOnBoard(page, t))?.status(), 200);
  } finally {
    await page.close();
  }
}

/** The posts as the page shows them (newest first): [time, text]. */
async function rows(url: string): Promise<[string, string][]> {
  const page = await browser.newPage();
  try {
    await page.goto(url);
    return await boardRows(page);
  } finally {
    await page.close();
  }
}

const serverId = async (name: string) => (await os.compute.servers.list({ name }))[0]?.id;

/** The volumes named `name` and the servers each is attached to. */
async function volumesNamed(name: string): Promise<{ id: string; status: string; servers: string[] }[]> {
  return (await os.blockStorage.volumes.list())
    .filter((v) => v.name === name)
    .map((v) => ({ id: v.id, status: v.status, servers: (v.attachments ?? []).map((a) => a.server_id) }));
}

/**
 * `up` through the proxies, SIGKILLed as soon as the call `killAfter` matches has been answered
 * (the cloud has taken the request; berth has not seen the result).
 */
async function killedUp(px: Proxied, proxy: 'nova' | 'cinder', killAfter: RegExp, args: string[]) {
  let child: ChildProcess | undefined;
  px[proxy]!.onAnswer = (method, url, status) => {
    if (method === 'POST' && killAfter.test(url) && status < 300) child?.kill('SIGKILL');
  };
  const r = await run(args, px.cloudsFile, (c) => (child = c));
  px[proxy]!.onAnswer = undefined;
  return r;
}

before(async () => {
  if (NO_SANDBOX) return;
  os = await connectAs('demo');
  blockStorage = await os.blockStorage.available();
  browser = await launchChromium();
  // A copy of the key this user owns (ssh refuses a key others can read): --backup-before's SSH.
  copyFileSync(SANDBOX_KEY, key);
  chmodSync(key, 0o600);
  pushBoardImages();
});
after(async () => {
  try {
    for (const p of stacks) await run(['down', '--target', 'openstack', '--volumes', '--allow-data-loss', '--prefix', p]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await browser?.close();
    await os?.close();
  }
});

describe('posts on a Cinder volume (one stack through its life)', { skip: NO_SANDBOX }, () => {
  const p = prefix();
  const id = `${p}-board`;
  const vol = `${id}-dbs-data`;
  let px: Proxied;
  let url = '';
  let want: [string, string][] = [];

  before(async () => {
    if (!blockStorage) return;
    stacks.push(p);
    px = await proxiedCloud({ cinderProject: (await os.session.getToken()).project!.id });
  });
  after(() => px?.stop());

  /** One volume of that name, attached once, to the server named `to`. */
  async function attachedOnce(to: string): Promise<void> {
    const vols = await volumesNamed(vol);
    assert.equal(vols.length, 1, `one volume ${vol}: ${JSON.stringify(vols)}`);
    assert.deepEqual(vols[0]!.servers, [await serverId(to)], `attached once, to ${to}`);
    assert.equal(vols[0]!.status, 'in-use');
  }

  it('tiered: an up killed right after Cinder took the volume create is converged by the next: one volume, attached once', async (t) => {
    if (!blockStorage) return t.skip('the sandbox has no volume service');
    const killed = await killedUp(px, 'cinder', /\/volumes$/, ['up', ...common(p), '--layout', 'tiered']);
    assert.equal(killed.signal, 'SIGKILL', `killed during the volume create: ${killed.stderr}`);
    assert.match(killed.stderr, /creating volume \S+-board-dbs-data/);
    px.clear();
    const up = await upOk(t, ['up', ...common(p), '--layout', 'tiered'], px.cloudsFile);
    assert.equal(px.cinder!.count('POST', /\/volumes$/), 0, 'no second volume create');
    assert.equal(px.nova.count('POST', /\/os-volume_attachments$/), 1, 'one attach');
    await attachedOnce(`${id}-dbs`);
    url = up.stdout.trim();
    await post(url, [`${p} one`, `${p} two 🐳`, `${p} three`]);
    want = await rows(url);
    assert.deepEqual(
      want.map((r) => r[1]),
      [`${p} three`, `${p} two 🐳`, `${p} one`],
    );
  });

  it('tiered: a changed dbs environment replaces dbs (up without --layout stays tiered); every post is still there', async (t) => {
    if (!blockStorage) return t.skip('the sandbox has no volume service');
    const dbsBefore = await serverId(`${id}-dbs`);
    const again = await upOk(t, ['up', ...common(p), '--stack', dbsChanged('UTC')]);
    assert.match(again.stderr, /\(tiered layout\)/, 'without --layout it stays tiered');
    assert.match(again.stderr, /replace\s+server\s+\S+-dbs/);
    assert.match(again.stderr, /delete\s+attachment\s+\S+-dbs-data on \S+-dbs/);
    assert.doesNotMatch(again.stderr, /LOSES DATA/);
    assert.notEqual(await serverId(`${id}-dbs`), dbsBefore, 'dbs was replaced');
    await attachedOnce(`${id}-dbs`);
    assert.deepEqual(await rows(url), want, 'every post (time and text), on the volume the new dbs got back');
  });

  it('down keeps the volume; an up killed right after Nova took the attach is converged by the next; the posts are back', async (t) => {
    if (!blockStorage) return t.skip('the sandbox has no volume service');
    const down = await run(['down', '--target', 'openstack', '--prefix', p]);
    assert.equal(down.code, 0, down.stderr);
    assert.match(down.stderr, /kept 1 volume with the data \(\S+-board-dbs-data\)/);
    assert.deepEqual(await leftovers(os, id), { volumes: [vol] });

    const args = ['up', ...common(p), '--layout', 'tiered', '--stack', dbsChanged('UTC')];
    px.clear();
    const killed = await killedUp(px, 'nova', /\/os-volume_attachments$/, args);
    assert.equal(killed.signal, 'SIGKILL', `killed during the attach: ${killed.stderr}`);
    const back = await upOk(t, args, px.cloudsFile);
    assert.equal(px.cinder!.count('POST', /\/volumes$/), 0, 'the kept volume is used, none made');
    assert.equal(px.nova.count('POST', /\/os-volume_attachments$/), 1, "only the killed run's attach");
    await attachedOnce(`${id}-dbs`);
    url = back.stdout.trim();
    assert.deepEqual(await rows(url), want, 'the posts after down and up');
  });

  it('single: --layout single moves the volume to the one VM; a new --tag replaces the VM; the posts are kept', async (t) => {
    if (!blockStorage) return t.skip('the sandbox has no volume service');
    const single = await upOk(t, ['up', ...common(p), '--layout', 'single', '--stack', dbsChanged('UTC')]);
    assert.match(single.stderr, /\(single layout\)/);
    assert.doesNotMatch(single.stderr, /LOSES DATA/);
    await attachedOnce(`${id}-vm`);
    url = single.stdout.trim();
    assert.deepEqual(await rows(url), want, 'the posts, on the VM');
    await post(url, [`${p} on the VM`]);
    want = await rows(url);
    assert.equal(want.length, 4);

    pushBoardImages('v2');
    const vm = await serverId(`${id}-vm`);
    const tagged = await upOk(t, ['up', ...common(p), '--tag', 'v2', '--stack', dbsChanged('UTC')]);
    assert.match(tagged.stderr, /\(single layout\)/);
    assert.doesNotMatch(tagged.stderr, /LOSES DATA/);
    assert.notEqual(await serverId(`${id}-vm`), vm, 'the VM was replaced');
    await attachedOnce(`${id}-vm`);
    assert.deepEqual(await rows(tagged.stdout.trim()), want);
  });

  it('down --volumes deletes the volume, and nothing of the stack is left', async (t) => {
    if (!blockStorage) return t.skip('the sandbox has no volume service');
    const gone = await run(['down', '--target', 'openstack', '--prefix', p, '--volumes', '--allow-data-loss']);
    assert.equal(gone.code, 0, gone.stderr);
    assert.deepEqual(await leftovers(os, id), {}, 'the volume is gone too');
    assert.deepEqual(await volumesNamed(vol), []);
  });
});

/**
 * A project of its own for the demo user, whose Cinder volume quota is 0 (a cloud where this
 * project has no block storage), and a clouds.yaml naming it `berth-novol`. Removed after.
 */
async function projectWithoutVolumes(): Promise<{ cloudsFile: string; why: RegExp; drop: () => Promise<void> }> {
  const admin = await connectAs('admin');
  const name = `berth-novol-${process.pid}`;
  const ks = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, json?: unknown) =>
    admin.session.request<Record<string, any>>('identity', method, path, json ? { json } : {});
  const project = (await ks('POST', '/projects', { project: { name, domain_id: 'default' } })).body.project;
  const user = (await ks('GET', '/users', undefined).then((r) => r.body.users as { id: string; name: string }[])).find((u) => u.name === 'demo')!;
  const role = (await ks('GET', '/roles').then((r) => r.body.roles as { id: string; name: string }[])).find((r) => r.name === 'member')!;
  await ks('PUT', `/projects/${project.id}/users/${user.id}/roles/${role.id}`);
  await admin.session.request('block-storage', 'PUT', `/os-quota-sets/${project.id}`, { json: { quota_set: { volumes: 0 } } });
  const clouds = parse(readFileSync(CLOUDS, 'utf8')) as { clouds: Record<string, { auth: Record<string, unknown> }> };
  const demo = clouds.clouds['berth-demo']!;
  const cloudsFile = join(dir, 'clouds-novol.yaml');
  writeFileSync(cloudsFile, stringify({ clouds: { 'berth-demo': { ...demo, auth: { ...demo.auth, project_name: name } } } }), { mode: 0o600 });
  return {
    cloudsFile,
    why: /the project's volume quota is 0/,
    drop: async () => {
      await ks('DELETE', `/projects/${project.id}`).catch(() => undefined);
      await admin.close();
    },
  };
}

describe('without block storage', { skip: NO_SANDBOX }, () => {
  it('plan marks the loss, up and down stop before it and change nothing, up without --layout stays tiered; --allow-data-loss --backup-before goes on after a backup that restores', async (t) => {
    const scoped = blockStorage ? await projectWithoutVolumes() : undefined;
    const clouds = scoped?.cloudsFile ?? CLOUDS;
    const cmd = (args: string[]) => berthAsync(args, clouds);
    const why = scoped?.why ?? /the cloud has no volume service \(block-storage\) in its catalog/;
    const p = prefix();
    const id = `${p}-board`;
    const serverIn = async (name: string) => {
      const u = await cmd(['status', '--target', 'openstack', '--prefix', p, '--json']);
      return (JSON.parse(u.stdout) as { servers: { name: string; status: string }[] }).servers.find((s) => s.name === name);
    };
    try {
      const up = await upOk(t, ['up', ...common(p), '--layout', 'tiered'], clouds);
      assert.match(up.stderr, new RegExp(`note: no block storage \\(${why.source}\\): dbs/data stay on the servers' own disks`));
      const url = up.stdout.trim();
      await post(url, [`${p} only 🐳`]);
      const posted = await rows(url);

      const same = await cmd(['up', ...common(p)]);
      assert.equal(same.code, 0, same.stderr);
      assert.match(same.stderr, /\(tiered layout\)[^]*nothing changed/, 'up without --layout keeps the deployed tiered layout');
      assert.match(same.stderr, /note: layout tiered: as deployed/);

      const file = dbsChanged('UTC');
      const plan = await cmd(['plan', ...common(p), '--stack', file]);
      assert.equal(plan.code, 0, plan.stderr);
      assert.match(plan.stdout, /^!\s+-\s+delete\s+server\s+\S+-board-dbs .*\n\s+LOSES DATA: dbs\/data \(on the server's own disk, no volume\)$/m);
      assert.match(plan.stdout, /1 step loses data \(!\)/);

      const dbs = (await serverIn(`${id}-dbs`))?.status;
      assert.equal(dbs, 'ACTIVE');
      const stopped = await cmd(['up', ...common(p), '--stack', file]);
      assert.notEqual(stopped.code, 0);
      assert.match(stopped.stderr, /up stopped before deleting data; nothing was changed\. It would lose:\n\s+server \S+-board-dbs: dbs\/data/);
      assert.match(stopped.stderr, /--allow-data-loss/);
      assert.deepEqual(await rows(url), posted, 'dbs is untouched: the post is there');

      const layout = await cmd(['up', ...common(p), '--layout', 'single']);
      assert.notEqual(layout.code, 0, 'a layout change that deletes the data stops too');
      assert.match(layout.stderr, /up stopped before deleting data/);

      const downStopped = await cmd(['down', '--target', 'openstack', '--prefix', p]);
      assert.notEqual(downStopped.code, 0);
      assert.match(downStopped.stderr, /down stopped before deleting data; nothing was changed/);
      assert.deepEqual(await rows(url), posted);

      const copy = join(dir, 'before.sql');
      const goOn = await upOk(t, ['up', ...common(p), '--stack', file, '--allow-data-loss', '--backup-before', copy, '--ssh-key', key], clouds);
      assert.match(goOn.stderr, /backed up 1 posts to \S+before\.sql/);
      assert.match(goOn.stderr, /replace\s+server\s+\S+-board-dbs/);
      assert.ok(existsSync(copy) && existsSync(`${copy}.sha256`), 'the backup and its checksum');
      assert.deepEqual(await rows(url), [], 'and, as plan said, its posts are gone');

      const restored = await cmd(['restore', copy, '--target', 'openstack', '--prefix', p, '--ssh-key', key]);
      assert.equal(restored.code, 0, restored.stderr);
      assert.deepEqual(await rows(url), posted, 'the backup --backup-before took brings the post back, time and text');
    } finally {
      const down = await cmd(['down', '--target', 'openstack', '--prefix', p, '--volumes', '--allow-data-loss']);
      assert.equal(down.code, 0, down.stderr);
      await scoped?.drop();
    }
  });
});
