// The board's posts against berth's own commands, on the sandbox's real instances: nothing
// deletes them without asking.
// - With block storage (Cinder): the posts live on a volume. Tiered: a changed dbs environment
//   replaces dbs and every post is still there; `down` keeps the volume (and says so), `up`
//   brings the posts back; `down --volumes` deletes it. Single: a new --tag replaces the VM, the
//   posts are kept.
// - Without block storage (no volume service in the catalog): `plan` marks the loss, `up` stops
//   before it and changes nothing, `up` without --layout keeps the stack tiered, `down` stops too;
//   `--allow-data-loss` goes on (and the posts are indeed gone).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import type { OpenStack } from '../../src/deployer/openstack/index.js';
import { loadStackFile } from '../../src/deployer/stack/load.js';
import { TAG } from '../../src/deployer/targets/openstack/names.js';
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

describe('without block storage', { skip: noSandbox }, () => {
  it('plan marks the loss, up and down stop before it and change nothing, --allow-data-loss goes on; up without --layout stays tiered', async (t) => {
    if (blockStorage) return t.skip('the sandbox has a volume service (see the volume quota case)');
    const p = prefix();
    stacks.push(p);
    const id = `${p}-board`;
    const up = await run(['up', ...common(p), '--layout', 'tiered']);
    assert.equal(up.code, 0, up.stderr);
    assert.match(up.stderr, /note: no block storage \(the cloud has no volume service \(block-storage\) in its catalog\): dbs\/data stay on the servers' own disks/);
    const url = up.stdout.trim();
    await post(url, [`${p} only`]);

    const same = await run(['up', ...common(p)]);
    assert.equal(same.code, 0, same.stderr);
    assert.match(same.stderr, /\(tiered layout\)[^]*nothing changed/, 'up without --layout keeps the deployed tiered layout');
    assert.match(same.stderr, /note: layout tiered: as deployed/);

    const file = dbsChanged('UTC');
    const plan = await run(['plan', ...common(p), '--stack', file]);
    assert.equal(plan.code, 0, plan.stderr);
    assert.match(plan.stdout, /^!\s+-\s+delete\s+server\s+\S+-board-dbs .*\n\s+LOSES DATA: dbs\/data \(on the server's own disk, no volume\)$/m);
    assert.match(plan.stdout, /1 step loses data \(!\)/);

    const dbs = await serverId(`${id}-dbs`);
    const stopped = await run(['up', ...common(p), '--stack', file]);
    assert.notEqual(stopped.code, 0);
    assert.match(stopped.stderr, /up stopped before deleting data; nothing was changed\. It would lose:\n\s+server \S+-board-dbs: dbs\/data/);
    assert.match(stopped.stderr, /--allow-data-loss/);
    assert.equal(await serverId(`${id}-dbs`), dbs, 'dbs is untouched');
    assert.deepEqual(await texts(url), [`${p} only`]);

    const layout = await run(['up', ...common(p), '--layout', 'single']);
    assert.notEqual(layout.code, 0, 'a layout change that deletes the data stops too');
    assert.match(layout.stderr, /up stopped before deleting data/);

    const downStopped = await run(['down', '--target', 'openstack', '--prefix', p]);
    assert.notEqual(downStopped.code, 0);
    assert.match(downStopped.stderr, /down stopped before deleting data; nothing was changed/);
    assert.ok(await serverId(`${id}-dbs`));

    const goOn = await run(['up', ...common(p), '--stack', file, '--allow-data-loss']);
    assert.equal(goOn.code, 0, goOn.stderr);
    assert.notEqual(await serverId(`${id}-dbs`), dbs, 'dbs was replaced');
    assert.deepEqual(await texts(url), [], 'and, as plan said, its posts are gone');
    const down = await run(['down', '--target', 'openstack', '--prefix', p, '--allow-data-loss']);
    assert.equal(down.code, 0, down.stderr);
    assert.deepEqual(await leftovers(os, id), {});
    assert.deepEqual(await os.compute.servers.list({ tags: [TAG.stack(id)] }), []);
  });
});
