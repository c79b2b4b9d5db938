// `berth cloud check` through the real CLI (bin/berth.js) against the sandbox: ready (exit 0),
// not ready (an unknown flavor and image: exit 1, with the names the user may have meant), JSON,
// and an unknown cloud. Nothing it prints holds the password or a token.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { IMAGE } from './fixtures.js';
import { CLOUDS_YAML, SANDBOX_PASSWORD } from './helpers.js';
import { ROOT, spawnCollect, type Run } from './target-helpers.js';

/** Runs the CLI with only the sandbox's clouds.yaml (none of the caller's OS_* variables). */
function berth(args: string[]): Promise<Run> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OS_')));
  return spawnCollect(process.execPath, ['bin/berth.js', ...args], { cwd: ROOT, env: { ...env, OS_CLIENT_CONFIG_FILE: CLOUDS_YAML } });
}

function assertNoSecrets(text: string): void {
  assert.ok(!text.includes(SANDBOX_PASSWORD), 'the password is printed');
  assert.doesNotMatch(text, /gAAAAA[A-Za-z0-9_-]{20,}/, 'a token is printed');
}

test('ready: exit 0, what it found, "ready to deploy"', async () => {
  const r = await berth(['cloud', 'check', '--cloud', 'berth-demo', '--image', IMAGE, '--key-name', 'berth']);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.match(r.stdout, /^project\s+demo \(/m);
  assert.match(r.stdout, /^\s+ok\s+flavor m1\.small \(/m);
  assert.match(r.stdout, new RegExp(`^\\s+ok\\s+image ${IMAGE} \\(`, 'm'));
  assert.match(r.stdout, /^\s+ok\s+key pair berth/m);
  assert.match(r.stdout, /^\s+ok\s+external network \(any\)/m);
  assert.match(r.stdout, /^\s+instances\s+\d+ of \d+ \(\d+ used\)/m);
  assert.match(r.stdout, /^result\s+ready to deploy$/m);
  assertNoSecrets(r.stdout + r.stderr);
});

test('not ready: an unknown flavor and image exit 1 and name the near ones', async () => {
  const r = await berth(['cloud', 'check', '--cloud', 'berth-demo', '--flavor', 'm1.smal', '--image', `${IMAGE}x`, '--key-name', 'berth']);
  assert.equal(r.code, 1, r.stderr + r.stdout);
  assert.match(r.stdout, /MISSING\s+flavor m1\.smal; near: m1\.small\b/);
  assert.ok(r.stdout.includes(`image ${IMAGE}x; near: ${IMAGE}\n`), r.stdout);
  assert.match(r.stdout, /^\s+ok\s+key pair berth/m);
  assert.match(r.stdout, /^result\s+NOT ready/m);
  assertNoSecrets(r.stdout + r.stderr);
});

test("checks what up would use: its defaults (image debian-12, no key pair) and the stack's openstack: section", async () => {
  const r = await berth(['cloud', 'check', '--cloud', 'berth-demo', '--json']);
  const names = (JSON.parse(r.stdout) as { needs: { kind: string; name: string }[] }).needs.map((n) => `${n.kind} ${n.name}`);
  assert.deepEqual(names, ['flavor m1.small', 'image debian-12', 'external network (any)']);
  const file = join(mkdtempSync(join(tmpdir(), 'berth-check-')), 'stack.yaml');
  writeFileSync(
    file,
    `berth: 1\nname: s\nservices: { a: { image: x } }\nopenstack: { image: ${IMAGE}, keyName: berth, flavor: { default: m1.small, dbs: m1.tiny } }\n`,
  );
  const withSection = await berth(['cloud', 'check', '--cloud', 'berth-demo', '--stack', file]);
  assert.equal(withSection.code, 0, withSection.stdout + withSection.stderr);
  for (const n of ['flavor m1.small', 'flavor m1.tiny', `image ${IMAGE}`, 'key pair berth'])
    assert.match(withSection.stdout, new RegExp(`^\\s+ok\\s+${n.replaceAll('.', '\\.')}`, 'm'));
});

test('--json: the same verdict as data', async () => {
  const r = await berth(['cloud', 'check', '--cloud', 'berth-demo', '--json', '--image', IMAGE, '--key-name', 'no-such-key']);
  assert.equal(r.code, 1, r.stderr);
  const report = JSON.parse(r.stdout) as { ok: boolean; needs: { kind: string; name: string; found: boolean; near: string[] }[] };
  assert.equal(report.ok, false);
  const byKind = Object.fromEntries(report.needs.map((n) => [n.kind, n]));
  assert.equal(byKind.flavor?.found, true);
  assert.equal(byKind['key pair']?.found, false);
  assert.equal(byKind['key pair']?.name, 'no-such-key');
});

test('an unknown cloud: exit 1 naming the clouds there are', async () => {
  const r = await berth(['cloud', 'check', '--cloud', 'no-such-cloud']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /cloud "no-such-cloud" not found/);
  assert.match(r.stderr, /berth-demo/);
});
