// The board's posts against berth's own commands, on the sandbox's real instances: nothing
// deletes them without asking.
// - With block storage (Cinder): the posts live on a volume. Tiered: a changed dbs environment
//   replaces dbs and every post is still there; `down` keeps the volume (and says so), `up`
//   brings the posts back; `down --volumes` deletes it. Single: a new --tag replaces the VM, the
//   posts are kept.
// - Without block storage (no volume service in the catalog, or, when the sandbox has Cinder, a
//   project of its own whose volume quota is 0): `plan` marks the loss, `up` stops
//   before it and changes nothing, `up` without --layout keeps the stack tiered, `down` stops too;
//   `--allow-data-loss` goes on (and the posts are indeed gone).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { parse, stringify } from 'yaml';
import type { OpenStack } from '../../src/deployer/openstack/index.js';
import { loadStackFile } from '../../src/deployer/stack/load.js';
import { boardRows, launchChromium, postOnBoard } from '../helpers/browser.js';
import { CLOUDS_YAML as CLOUDS, connectAs, EXT_CIDR, OSLAB, REGISTRY, REGISTRY_CA as CA } from './helpers.js';
import { berthAsync, IMAGE, leftovers, prefix } from './target-helpers.js';

const KEY = join(OSLAB, 'state/ssh/berth_ed25519');
const real = existsSync(CA) && existsSync(KEY);
const common = (p: string) => ['--target', 'openstack', '--prefix', p, '--image', IMAGE, '--flavor', 'm1.tiny', '--key-name', 'berth', '--ssh-cidr', EXT_CIDR, '--registry', REGISTRY, '--registry-ca', CA];
const run = (args: string[]) => berthAsync(args, CLOUDS);
const dir = mkdtempSync(join(tmpdir(), 'berth-data-'));

let os: OpenStack;
let browser: Browser;
let blockStorage = false;
const stacks: string[] = [];

/** The board's images in the sandbox's registry under `tag`, as the servers pull them. */
function pushImages(tag = 'latest'): void {
  for (const t of ['web', 'app', 'dbs']) {
    const ref = `${REGISTRY}/berth/${t}:${tag}`;
    for (const args of [['tag', `berth/${t}:latest`, ref], ['push', '-q', ref]]) {
      const r = spawnSync('docker', args, { encoding: 'utf8' });
      assert.equal(r.status, 0, `docker ${args.join(' ')}: ${r.stderr}`);
    }
  }
}

/** The board stack with one more variable in dbs's environment (what replaces the dbs server). */
function dbsChanged(value: string): string {
  const { stack } = loadStackFile();
  const file = join(dir, `board-${value}.yaml`);
  writeFileSync(file, JSON.stringify({ ...stack, services: { ...stack.services, dbs: { ...stack.services.dbs!, environment: { ...stack.services.dbs!.environment, TZ: value } } } }));
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

/** The posts' texts as the page shows them (newest first). */
async function texts(url: string): Promise<string[]> {
  const page = await browser.newPage();
  try {
    await page.goto(url);
    return (await boardRows(page)).map((r) => r[1]);
  } finally {
    await page.close();
  }
}

const serverId = async (name: string) => (await os.compute.servers.list({ name }))[0]?.id;

before(async () => {
  if (!real) return;
  os = await connectAs('demo');
  blockStorage = await os.blockStorage.available();
  browser = await launchChromium();
  pushImages();
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

const noSandbox = real ? false : `needs the sandbox's real instances (${CA}, ${KEY})`;

describe('posts on a Cinder volume', { skip: noSandbox }, () => {
  it('tiered: dbs replaced, down then up: every post is still there; down --volumes deletes the volume', async (t) => {
    if (!blockStorage) return t.skip('the sandbox has no volume service yet');
    const p = prefix();
    stacks.push(p);
    const id = `${p}-board`;
    const up = await run(['up', ...common(p), '--layout', 'tiered']);
    assert.equal(up.code, 0, up.stderr);
    assert.match(up.stderr, /\+\s+create\s+volume\s+\S+-board-dbs-data/);
    const url = up.stdout.trim();
    const posts = [`${p} one`, `${p} two 🐳`, `${p} three`];
    await post(url, posts);
    const want = [...posts].reverse();
    assert.deepEqual(await texts(url), want);

    const dbsBefore = await serverId(`${id}-dbs`);
    const again = await run(['up', ...common(p), '--stack', dbsChanged('UTC')]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /\(tiered layout\)/, 'without --layout it stays tiered');
    assert.match(again.stderr, /replace server\s+\S+-dbs/);
    assert.match(again.stderr, /delete\s+attachment\s+\S+-dbs-data on \S+-dbs/);
    assert.doesNotMatch(again.stderr, /LOSES DATA/);
    assert.notEqual(await serverId(`${id}-dbs`), dbsBefore, 'dbs was replaced');
    assert.deepEqual(await texts(url), want, 'every post, on the volume the new dbs got back');

    const down = await run(['down', '--target', 'openstack', '--prefix', p]);
    assert.equal(down.code, 0, down.stderr);
    assert.match(down.stderr, /kept 1 volume with the data \(\S+-board-dbs-data\)/);
    assert.deepEqual(await leftovers(os, id), { volumes: [`${id}-dbs-data`] });
    const back = await run(['up', ...common(p), '--layout', 'tiered', '--stack', dbsChanged('UTC')]);
    assert.equal(back.code, 0, back.stderr);
    assert.match(back.stderr, /=?\s*keep\s+volume|create\s+attachment/);
    assert.deepEqual(await texts(back.stdout.trim()), want, 'the posts after down and up');

    const gone = await run(['down', '--target', 'openstack', '--prefix', p, '--volumes', '--allow-data-loss']);
    assert.equal(gone.code, 0, gone.stderr);
    assert.deepEqual(await leftovers(os, id), {}, 'the volume is gone too');
  });

  it('single: a new --tag replaces the VM, the posts are kept', async (t) => {
    if (!blockStorage) return t.skip('the sandbox has no volume service yet');
    pushImages('v2');
    const p = prefix();
    stacks.push(p);
    const up = await run(['up', ...common(p), '--layout', 'single']);
    assert.equal(up.code, 0, up.stderr);
    const url = up.stdout.trim();
    await post(url, [`${p} kept`]);
    const vm = await serverId(`${p}-board-vm`);
    const again = await run(['up', ...common(p), '--tag', 'v2']);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /\(single layout\)/);
    assert.notEqual(await serverId(`${p}-board-vm`), vm, 'the VM was replaced');
    assert.deepEqual(await texts(url), [`${p} kept`]);
  });
});

/**
 * A project of its own for the demo user, whose Cinder volume quota is 0 (a cloud where this
 * project has no block storage), and a clouds.yaml naming it `berth-novol`. Removed after.
 */
async function projectWithoutVolumes(): Promise<{ cloudsFile: string; why: RegExp; drop: () => Promise<void> }> {
  const admin = await connectAs('admin');
  const name = `berth-novol-${process.pid}`;
  const ks = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, json?: unknown) => admin.session.request<Record<string, any>>('identity', method, path, json ? { json } : {});
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

describe('without block storage', { skip: noSandbox }, () => {
  it('plan marks the loss, up and down stop before it and change nothing, --allow-data-loss goes on; up without --layout stays tiered', async () => {
    const scoped = blockStorage ? await projectWithoutVolumes() : undefined;
    const cmd = (args: string[]) => berthAsync(args, scoped?.cloudsFile ?? CLOUDS);
    const why = scoped?.why ?? /the cloud has no volume service \(block-storage\) in its catalog/;
    const p = prefix();
    const id = `${p}-board`;
    const serverIn = async (name: string) => {
      const u = await cmd(['status', '--target', 'openstack', '--prefix', p, '--json']);
      return (JSON.parse(u.stdout) as { servers: { name: string; status: string }[] }).servers.find((s) => s.name === name);
    };
    try {
      const up = await cmd(['up', ...common(p), '--layout', 'tiered']);
      assert.equal(up.code, 0, up.stderr);
      assert.match(up.stderr, new RegExp(`note: no block storage \\(${why.source}\\): dbs/data stay on the servers' own disks`));
      const url = up.stdout.trim();
      await post(url, [`${p} only`]);

      const same = await cmd(['up', ...common(p)]);
      assert.equal(same.code, 0, same.stderr);
      assert.match(same.stderr, /\(tiered layout\)[^]*nothing changed/, 'up without --layout keeps the deployed tiered layout');
      assert.match(same.stderr, /note: layout tiered: as deployed/);

      const file = dbsChanged('UTC');
      const plan = await cmd(['plan', ...common(p), '--stack', file]);
      assert.equal(plan.code, 0, plan.stderr);
      assert.match(plan.stdout, /^!\s+-\s+delete\s+server\s+\S+-board-dbs .*\n\s+LOSES DATA: dbs\/data \(on the server's own disk, no volume\)$/m);
      assert.match(plan.stdout, /1 step loses data \(!\)/);

      const before = await serverIn(`${id}-dbs`);
      assert.ok(before);
      const stopped = await cmd(['up', ...common(p), '--stack', file]);
      assert.notEqual(stopped.code, 0);
      assert.match(stopped.stderr, /up stopped before deleting data; nothing was changed\. It would lose:\n\s+server \S+-board-dbs: dbs\/data/);
      assert.match(stopped.stderr, /--allow-data-loss/);
      assert.deepEqual(await texts(url), [`${p} only`], 'dbs is untouched: the post is there');

      const layout = await cmd(['up', ...common(p), '--layout', 'single']);
      assert.notEqual(layout.code, 0, 'a layout change that deletes the data stops too');
      assert.match(layout.stderr, /up stopped before deleting data/);

      const downStopped = await cmd(['down', '--target', 'openstack', '--prefix', p]);
      assert.notEqual(downStopped.code, 0);
      assert.match(downStopped.stderr, /down stopped before deleting data; nothing was changed/);
      assert.deepEqual(await texts(url), [`${p} only`]);

      const goOn = await cmd(['up', ...common(p), '--stack', file, '--allow-data-loss']);
      assert.equal(goOn.code, 0, goOn.stderr);
      assert.match(goOn.stderr, /replace server\s+\S+-board-dbs/);
      assert.deepEqual(await texts(url), [], 'and, as plan said, its posts are gone');
    } finally {
      const down = await cmd(['down', '--target', 'openstack', '--prefix', p, '--volumes', '--allow-data-loss']);
      assert.equal(down.code, 0, down.stderr);
      await scoped?.drop();
    }
  });
});
