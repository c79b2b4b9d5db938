// The web tier's settings refused as the README promises: exit code 2 and one line that names
// the variable, never its value (a REST_URL may carry the app's password).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { loadWebConfig } from '../../src/board/web/config.js';

const SECRET = 'hunter2-rest-pw';

/** REST_URLs that are refused, each carrying the secret somewhere in its text. */
const BAD_REST_URLS = [
  `ftp://board:${SECRET}@app:5555`,
  `not a url ${SECRET}`,
  `http://board:${SECRET}@`,
  `http://[::1:${SECRET}]:5555`,
  `javascript:${SECRET}`,
];

describe('web configuration refusals', () => {
  it('a refused REST_URL is named in the error, its value (and password) never', () => {
    for (const value of BAD_REST_URLS) {
      assert.throws(
        () => loadWebConfig({ REST_URL: value }),
        (err: Error) => {
          assert.match(err.message, /^invalid environment variable REST_URL: /, value);
          assert.ok(!err.message.includes(SECRET), `the message shows nothing of ${value}: ${err.message}`);
          return true;
        },
      );
    }
  });

  for (const [name, value] of [
    ['REST_URL', `ftp://board:${SECRET}@app:5555`],
    ['WEB_PORT', `80-${SECRET}`],
  ] as const) {
    it(`the web tier started with a bad ${name} stops with exit code 2 and one line naming it, without its value`, () => {
      const res = spawnSync(process.execPath, ['--import', 'tsx', 'src/board/web/main.ts'], {
        env: { ...process.env, [name]: value },
        encoding: 'utf8',
        timeout: 30_000,
      });
      assert.equal(res.status, 2, res.stderr);
      assert.equal(res.stdout, '');
      const lines = res.stderr.split('\n').filter(Boolean);
      assert.equal(lines.length, 1, `one line: ${res.stderr}`);
      assert.match(lines[0]!, new RegExp(`^invalid environment variable ${name}: `));
      assert.ok(!res.stderr.includes(SECRET), `the value is not shown: ${res.stderr}`);
    });
  }
});
