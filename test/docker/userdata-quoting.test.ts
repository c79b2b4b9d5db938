// Values in the user-data reach the VM exactly as given: a stack whose environment holds quotes,
// `$`, backquotes, backslashes and newlines goes through `berth userdata` (the CLI), and the
// script is checked by `bash -n` and shellcheck, then bash itself reads the quoted `-e NAME=value`
// words back. sq() alone is checked the same way on harder values. No Docker Engine is used.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parse, stringify } from 'yaml';
import { sq } from '../../src/deployer/userdata/quote.js';
import { berth, ROOT } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'berth-quoting-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const HOSTILE: Record<string, string> = {
  QUOTE: "it's Bob's",
  DOLLAR: '$HOME ${PATH} $(echo pwned) `id` $1 $$',
  NEWLINES: 'line one\nline two\n\nlast line\n',
  BACKSLASH: "C:\\dir\\ \\n \\' \\\\ end\\",
  MIXED: "'\"$x\\'\n'\\''; echo pwned #",
  EMPTY_QUOTES: "''",
};

/** The words bash makes of `text` (NUL-separated by printf), without running anything else. */
function bashWords(text: string): string[] {
  const file = join(dir, 'words.sh');
  writeFileSync(file, `set -- ${text}\nprintf '%s\\0' "$@"\n`);
  const r = spawnSync('bash', [file], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.split('\0').slice(0, -1);
}

describe('user-data quoting', () => {
  it('sq(): bash reads back exactly the value, for quotes, $, backquotes, backslashes and newlines', () => {
    for (const value of [...Object.values(HOSTILE), '', "'", "''''", '\\', '\n', 'a\u00e9\u4e2d b\tc']) {
      const r = spawnSync('bash', ['-c', `v=${sq(value)}; printf '%s' "$v"`], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, value, `sq(${JSON.stringify(value)}) = ${sq(value)}`);
    }
  });

  it('berth userdata with such values in the environment: bash -n and shellcheck pass, and each -e NAME=value comes back exact', () => {
    const board = parse(readFileSync(join(ROOT, 'stacks/board.yaml'), 'utf8')) as { services: Record<string, { environment?: Record<string, unknown> }> };
    board.services.app!.environment = { ...board.services.app!.environment, ...HOSTILE };
    const stackFile = join(dir, 'hostile.yaml');
    writeFileSync(stackFile, stringify(board));
    const r = berth(['userdata', '--layout', 'single', '--stack', stackFile]);
    assert.equal(r.code, 0, r.stderr);
    const script = join(dir, 'userdata.sh');
    writeFileSync(script, r.stdout);

    const syntax = spawnSync('bash', ['-n', script], { encoding: 'utf8' });
    assert.equal(syntax.status, 0, syntax.stderr);
    // SC1003 (info) guesses that a backslash before a quote inside '...' meant to escape it; here
    // it is the value's own backslash, and the read-back below proves bash takes it so.
    const sc = spawnSync('shellcheck', ['--severity=style', '--exclude=SC1003', script], { encoding: 'utf8' });
    assert.equal(sc.error, undefined, 'shellcheck must be installed (scripts/ci/setup-apt.sh)');
    assert.equal(sc.status, 0, sc.stdout);

    // The app's `docker run` words, as bash parses them.
    const start = r.stdout.indexOf("docker run '-d' '--name' 'app'");
    assert.ok(start >= 0, r.stdout);
    const words = bashWords(r.stdout.slice(start + 'docker run '.length, r.stdout.indexOf(' >/dev/null', start)));
    const env = words.flatMap((w, n) => (words[n - 1] === '-e' ? [w] : []));
    for (const [name, value] of Object.entries(HOSTILE))
      assert.ok(env.includes(`${name}=${value}`), `-e ${name}=${JSON.stringify(value)} not among ${JSON.stringify(env)}`);
    assert.equal(words.at(-1), 'berth/app:latest', 'the image is still its own word after the values');
  });
});
