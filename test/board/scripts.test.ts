// The project's own scripts: scripts/run-suite.sh fails on a suite, filter or file that runs no
// test, and scripts/test.sh works as root without sudo and asks sudo for itself when not root.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createServer, type Server } from 'node:net';
import { ephemeralStart, freePort } from '../helpers/ports.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function bash(args: string[], env: Record<string, string> = {}) {
  // Without NODE_TEST_CONTEXT, or the inner runner takes itself for a child of this one; without
  // BERTH_TEST_FAILURES, or the inner suites' meant failures join this run's list of what failed.
  const { NODE_TEST_CONTEXT: _, BERTH_TEST_FAILURES: __, ...outer } = process.env;
  const r = spawnSync('/bin/bash', args, { cwd: ROOT, encoding: 'utf8', env: { ...outer, ...env }, timeout: 120_000 });
  return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

describe('scripts/run-suite.sh', () => {
  const root = mkdtempSync(join(tmpdir(), 'berth-suites-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  const suite = (name: string, files: Record<string, string>) => {
    mkdirSync(join(root, name));
    for (const [file, body] of Object.entries(files)) writeFileSync(join(root, name, file), `import { describe, it } from 'node:test';\n${body}\n`);
  };
  const run = (name: string, filter?: string) => bash(['scripts/run-suite.sh', name, ...(filter ? [filter] : [])], { BERTH_TEST_ROOT: root });

  suite('mixed', {
    'has-one.test.ts': "describe('s', () => { it('passes', () => {}); });",
    'registers-none.test.ts': "describe('an empty suite', () => {});",
    'only-skipped.test.ts': "it.skip('never runs', () => { throw new Error('x'); });",
  });
  suite('good', { 'a.test.ts': "it('passes', () => {});", 'b.test.ts': "describe('s', () => { it('passes', () => {}); });" });
  suite('failing', { 'a.test.ts': "it('fails', () => { throw new Error('broken'); });" });

  it('passes when every file runs at least one test and none fails', () => {
    const r = run('good');
    assert.equal(r.code, 0, r.out);
  });

  it('fails on a file that registers no test, or only skipped ones, naming each', () => {
    const r = run('mixed');
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, /registers-none\.test\.ts: no test ran/);
    assert.match(r.out, /only-skipped\.test\.ts: no test ran/);
    assert.doesNotMatch(r.out, /has-one\.test\.ts: no test ran/);
  });

  it('fails when the filter matches only files without tests, or no file at all', () => {
    assert.equal(run('mixed', 'registers-none').code, 1);
    const none = run('good', 'no-such-file');
    assert.equal(none.code, 1);
    assert.match(none.out, /no test files in .*good matching no-such-file/);
    assert.equal(run('mixed', 'has-one').code, 0);
  });

  it('fails when a test fails', () => {
    const r = run('failing');
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, /broken/);
  });

  it("with BERTH_TEST_FAILURES: appends each failed test and each suite whose hook failed (not a suite failed by its tests, nor a test its suite cancelled) with its file, the whole assertion and the test's line (no frames of node's own), and each file that ran nothing", () => {
    suite('two-failing', {
      'a.test.ts':
        "import assert from 'node:assert/strict';\ndescribe('outer', () => {\n  it('compares', () => { assert.equal(1 + 1, 3, 'one and one'); });\n  it('passes', () => {});\n});",
      'b.test.ts': "it('throws', () => { throw new Error('second broken'); });",
      'c.test.ts': "describe('nothing here', () => {});",
      'd.test.ts':
        "import { after, before } from 'node:test';\ndescribe('set-up', () => { before(() => { throw new Error('before broke'); }); it('never runs', () => {}); });\ndescribe('clean-up', () => { after(() => { throw new Error('after broke'); }); it('runs', () => {}); });",
    });
    const file = join(root, 'failures.txt');
    writeFileSync(file, 'kept from before\n');
    const r = bash(['scripts/run-suite.sh', 'two-failing'], { BERTH_TEST_ROOT: root, BERTH_TEST_FAILURES: file });
    assert.equal(r.code, 1, r.out);
    const text = readFileSync(file, 'utf8');
    assert.match(text, /^kept from before\n/, 'appended, not overwritten');
    assert.match(
      text,
      /^✖ .*two-failing\/a\.test\.ts compares \(\d+ ms\)\n {4}AssertionError \[ERR_ASSERTION\]: one and one\n(.*\n)*.*at .*two-failing\/a\.test\.ts:4:\d+\)\n(.*\n)* {2,}actual: 2,\n {2,}expected: 3,/m,
    );
    assert.doesNotMatch(text, /node:internal|node:async_hooks/);
    assert.match(text, /^✖ .*two-failing\/b\.test\.ts throws \(\d+ ms\)\n {4}Error: second broken\n/m);
    assert.match(text, /two-failing\/c\.test\.ts: no test ran/);
    // A failed hook is its suite's failure, with the hook's error; the test it cancelled is not listed.
    assert.match(text, /^✖ .*two-failing\/d\.test\.ts set-up \(\d+ ms\)\n {4}Error: before broke\n/m);
    assert.match(text, /^✖ .*two-failing\/d\.test\.ts clean-up \(\d+ ms\)\n {4}Error: after broke\n/m);
    assert.equal(text.match(/^✖/gm)?.length, 4, `only what failed of itself, not the suite "outer" nor the cancelled test:\n${text}`);
    assert.doesNotMatch(text, /passes|never runs|cancelled/);
  });

  it('with BERTH_COVERAGE=1: a coverage table of the files under src/ only, totals over them', () => {
    const redact = join(ROOT, 'src/deployer/openstack/redact.ts');
    suite('covered', {
      'uses-src.test.ts': `import { Redactor } from ${JSON.stringify(redact)};\nit('scrubs', () => { const r = new Redactor(); r.add('abcd'); if (r.scrub('xabcdx') !== 'x***x') throw new Error('not scrubbed'); });`,
    });
    const plain = run('covered');
    assert.equal(plain.code, 0, plain.out);
    assert.doesNotMatch(plain.out, /coverage report/);
    const r = bash(['scripts/run-suite.sh', 'covered'], { BERTH_TEST_ROOT: root, BERTH_COVERAGE: '1' });
    assert.equal(r.code, 0, r.out);
    const table = r.out.slice(r.out.indexOf('start of coverage report'));
    const row = (name: string) => new RegExp(`${name} +((?:\\| +[\\d.]+ +){3})\\|`).exec(table)?.[1]?.trim();
    assert.match(row('src/deployer/openstack/redact\\.ts') ?? '', /^\| 100\.00 \|/, table);
    assert.equal(row('all files'), row('src/deployer/openstack/redact\\.ts'), 'the totals count the src/ files alone');
    assert.doesNotMatch(table, /uses-src\.test\.ts/, 'the tests themselves are not in it');
  });
});

describe('test/helpers/ports.ts', () => {
  it('freePort: free ports below the ephemeral range (no outgoing connection takes one before the server binds it), never the same twice', async () => {
    const top = ephemeralStart();
    assert.ok(top > 10_000, `the ephemeral range starts at ${top}`);
    const ports = await Promise.all(Array.from({ length: 40 }, () => freePort()));
    assert.equal(new Set(ports).size, 40, `all different: ${ports.join(' ')}`);
    for (const port of ports) assert.ok(port >= 10_000 && port < top, `${port} is below ${top}`);
    // Each can be bound at once.
    const servers = await Promise.all(
      ports.map(
        (port) =>
          new Promise<Server>((resolve, reject) => {
            const s = createServer();
            s.once('error', reject);
            s.listen(port, '127.0.0.1', () => resolve(s));
          }),
      ),
    );
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    // Never the same twice in one process: 2,000 more (among ~22,000 ports, random picks would repeat).
    const many: number[] = [];
    for (let n = 0; n < 2000; n++) many.push(await freePort());
    assert.equal(new Set([...ports, ...many]).size, 2040);
  });
});

describe('scripts/test.sh as root or as a sudoer (as_root of scripts/ci/lib.sh)', () => {
  // PATH holds only `id` (and, for the sudoer, a sudo): whether this machine has sudo does not matter.
  const dir = mkdtempSync(join(tmpdir(), 'berth-path-'));
  const bare = join(dir, 'bare');
  const sudoer = join(dir, 'sudoer');
  for (const d of [dir, bare, sudoer]) {
    mkdirSync(d, { recursive: true });
    chmodSync(d, 0o755);
  }
  for (const d of [bare, sudoer]) symlinkSync('/usr/bin/id', join(d, 'id'));
  // Stands in for sudo (this machine has no sudoer to become): it shows what it was asked to run.
  writeFileSync(join(sudoer, 'sudo'), '#!/bin/sh\necho "sudo $*"\n', { mode: 0o755 });
  after(() => rmSync(dir, { recursive: true, force: true }));

  // Runs as_root in a script as root, or as the unprivileged user nobody (setpriv: a real uid change).
  const asRoot = (uid: 'root' | 'nobody', path: string) => {
    const script = `. scripts/ci/lib.sh; as_root /some/script.sh --flag; echo "went on as uid $(id -u)"`;
    const cmd = uid === 'root' ? ['-c', script] : ['-c', `exec /usr/bin/setpriv --reuid=65534 --regid=65534 --clear-groups /bin/bash -c '${script}'`];
    return bash(cmd, { PATH: path });
  };

  it('as root on a machine without sudo: goes on without it', () => {
    const r = asRoot('root', bare);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /went on as uid 0/);
  });

  it('as another user without sudo: stops with a clear message', () => {
    const r = asRoot('nobody', bare);
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, /error: \/some\/script\.sh installs packages and starts services: run it as root, or as a user who may use sudo/);
    assert.doesNotMatch(r.out, /went on/);
  });

  it('as a sudoer: runs the same script with its arguments again through sudo, keeping PATH', () => {
    const r = asRoot('nobody', sudoer);
    assert.equal(r.code, 0, r.out);
    assert.equal(r.out.trim(), `sudo -- env PATH=${sudoer} bash /some/script.sh --flag`);
  });
});
