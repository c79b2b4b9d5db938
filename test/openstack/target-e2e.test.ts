// End to end on the sandbox's real instances (libvirt-LXC guests booted from debian-12-docker,
// images pulled from the sandbox's TLS registry): `berth up --target openstack` single and
// tiered until the board answers through the floating IP; the page contract in Chromium; in
// tiered, real packets: web's server cannot open 3306 on dbs (any of its addresses), nothing
// answers on 5555 from outside, only web has a floating IP; a post survives replacing the app
// server; `down` leaves nothing. The first `up` of each reports its phases (--json): checked
// for every server (phase-check.ts).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import type { OpenStack } from '../../src/deployer/openstack/index.js';
import type { PhaseReport } from '../../src/deployer/targets/openstack/index.js';
import { loadStackFile } from '../../src/deployer/stack/load.js';
import { TAG } from '../../src/deployer/targets/openstack/names.js';
import { boardRows, launchChromium, postOnBoard } from '../helpers/browser.js';
import { CLOUDS_YAML as CLOUDS, connectAs, EXT_PREFIX_RE } from './helpers.js';
import { checkPhases } from './phase-check.js';
import { berthAsync, leftovers, NO_SANDBOX, prefix, pushBoardImages, SANDBOX_KEY, sandboxArgs } from './target-helpers.js';

const common = sandboxArgs;

let os: OpenStack;
let browser: Browser;

function ssh(host: string, command: string): { code: number | null; out: string } {
  const r = spawnSync(
    'ssh',
    [
      '-i',
      SANDBOX_KEY,
      '-o',
      'StrictHostKeyChecking=no',
      '-o',
      'UserKnownHostsFile=/dev/null',
      '-o',
      'ConnectTimeout=15',
      '-o',
      'BatchMode=yes',
      `debian@${host}`,
      command,
    ],
    { encoding: 'utf8', timeout: 60_000 },
  );
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

/** Whether a TCP connection to host:port opens from this machine within 3 s. */
function opensFromHere(host: string, port: number): boolean {
  return spawnSync('timeout', ['3', 'bash', '-c', `</dev/tcp/${host}/${port}`]).status === 0;
}

async function postAndSee(url: string, text: string): Promise<[string, string][]> {
  const page = await browser.newPage();
  try {
    await page.goto(url);
    const res = await postOnBoard(page, text);
    assert.equal(res?.status(), 200);
    return await boardRows(page);
  } finally {
    await page.close();
  }
}

const run = (args: string[]) => berthAsync(args, CLOUDS);

describe('up --target openstack on real instances', { skip: NO_SANDBOX }, () => {
  const stacks: string[] = [];
  before(async () => {
    os = await connectAs('demo');
    browser = await launchChromium();
    pushBoardImages();
  });
  after(async () => {
    try {
      for (const p of stacks) await run(['down', '--target', 'openstack', '--volumes', '--allow-data-loss', '--prefix', p]);
    } finally {
      await browser?.close();
      await os?.close();
    }
  });

  it('single: one VM, the page through the floating IP (post, see it first), down leaves nothing', async () => {
    const p = prefix();
    stacks.push(p);
    const up = await run(['up', ...common(p), '--layout', 'single', '--json']);
    assert.equal(up.code, 0, up.stderr);
    const result = JSON.parse(up.stdout) as { url: string; phases: PhaseReport };
    const url = result.url;
    checkPhases(result.phases, { all: 3 });
    assert.match(url, new RegExp(`^http://${EXT_PREFIX_RE}\\.\\d+/$`));
    assert.match(up.stderr, /\[all\] eth0 \(fa:16:3e:[0-9a-f:]+\): 192\.168\.0\.10\/24 via 192\.168\.0\.1/, 'the console was followed');
    const rows = await postAndSee(url, `single ${p} 日本語`);
    assert.equal(rows[0]?.[1], `single ${p} 日本語`);
    assert.match(rows[0]![0], /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    const down = await run(['down', '--target', 'openstack', '--volumes', '--allow-data-loss', '--prefix', p]);
    assert.equal(down.code, 0, down.stderr);
    assert.deepEqual(await leftovers(os, `${p}-board`), {});
  });

  it('tiered: the page works, real packets follow the groups, a post survives replacing app, down leaves nothing', async () => {
    const p = prefix();
    const id = `${p}-board`;
    stacks.push(p);
    const up = await run(['up', ...common(p), '--layout', 'tiered', '--json']);
    assert.equal(up.code, 0, up.stderr);
    const result = JSON.parse(up.stdout) as { url: string; phases: PhaseReport };
    const url = result.url;
    checkPhases(result.phases, { web: 1, app: 1, dbs: 1 });
    const fip = new URL(url).hostname;
    const first = await postAndSee(url, `tiered ${p} first`);
    assert.equal(first[0]?.[1], `tiered ${p} first`, 'app reaches dbs on 3306: the post is stored');

    const fips = await os.network.floatingIps.list({ tags: [TAG.stack(id)] });
    assert.deepEqual(
      fips.map((f) => f.floating_ip_address),
      [fip],
      'only web has a floating IP',
    );
    assert.equal(opensFromHere(fip, 80), true);
    assert.equal(opensFromHere(fip, 5555), false, '5555 is not reachable from outside');
    assert.equal(opensFromHere(fip, 3306), false);

    const probe = (addr: string, port: number) => ssh(fip, `timeout 3 bash -c '</dev/tcp/${addr}/${port}' && echo OPEN || echo CLOSED`);
    assert.match(probe('172.16.10.20', 5555).out, /OPEN/, "web reaches app on 5555 (web's group is allowed)");
    for (const addr of ['172.16.20.30', '192.168.0.30']) assert.match(probe(addr, 3306).out, /CLOSED/, `web cannot open 3306 on dbs at ${addr}`);

    // Replace the app server (its environment changes): the post is still there.
    const dir = mkdtempSync(join(tmpdir(), 'berth-e2e-'));
    try {
      const { stack } = loadStackFile();
      const file = join(dir, 'board.yaml');
      writeFileSync(
        file,
        JSON.stringify({
          ...stack,
          services: { ...stack.services, app: { ...stack.services.app!, environment: { ...stack.services.app!.environment, TZ: 'UTC' } } },
        }),
      );
      const again = await run(['up', ...common(p), '--layout', 'tiered', '--stack', file]);
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stderr, /replace server\s+\S+-app/);
      assert.doesNotMatch(again.stderr, /replace server\s+\S+-(web|dbs)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const rows = await postAndSee(url, `tiered ${p} second`);
    assert.deepEqual(
      rows.slice(0, 2).map((r) => r[1]),
      [`tiered ${p} second`, `tiered ${p} first`],
    );

    const down = await run(['down', '--target', 'openstack', '--volumes', '--allow-data-loss', '--prefix', p]);
    assert.equal(down.code, 0, down.stderr);
    assert.deepEqual(await leftovers(os, id), {});
  });
});
