// Secrets never reach the logs: the shared logger redacts credentials in URLs, secret query
// parameters and secret-named fields at any depth, in messages and errors too.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { createLogger } from '../../src/board/shared/logger.js';
import { SECRET_EXACT, SECRET_PARTS } from '../../src/board/shared/redact.js';
import { logSink } from '../helpers/board.js';

function logged(write: (log: ReturnType<typeof createLogger>) => void): string {
  const sink = logSink();
  const log = createLogger('test', 'info', sink.stream);
  write(log);
  return sink.text();
}

describe('the shared logger', () => {
  it('redacts secret-named fields at any depth, whatever their case and value type', () => {
    const out = logged((log) =>
      log.info(
        {
          a: { b: { c: [{ Password: 'pw-deep-1', apiKey: 'key-deep-2', keep: 'visible-1' }] } },
          ACCESS_TOKEN: 42424242,
          clientSecret: { any: 'secret-obj-3' },
        },
        'deep',
      ),
    );
    assert.doesNotMatch(out, /pw-deep-1|key-deep-2|42424242|secret-obj-3/);
    assert.match(out, /visible-1/);
    assert.match(out, /\[redacted\]/);
  });

  it('redacts the password of a URL and secret query parameters, in fields, messages and errors', () => {
    const out = logged((log) => {
      log.info({ restUrl: 'http://user:url-pw-1@app:5555', url: '/api/v1/posts?limit=2&token=q-tok-2&Password=q-pw-3&before=abc' }, 'urls');
      log.warn('connecting to mysql://root:msg-pw-4@db:3306/x?sslKey=q-key-5');
      log.error({ err: new Error('cannot reach http://u:err-pw-6@h/?secret=q-sec-7') }, 'failed');
    });
    assert.doesNotMatch(out, /url-pw-1|q-tok-2|q-pw-3|msg-pw-4|q-key-5|err-pw-6|q-sec-7/);
    for (const kept of [
      'http://user:[redacted]@app:5555',
      'limit=2',
      'before=abc',
      'mysql://root:[redacted]@db:3306/x',
      'cannot reach http://u:[redacted]@h/',
    ]) {
      assert.ok(out.includes(kept), `kept: ${kept}`);
    }
  });
});

/** The secret names the README promises: those a name may contain, and those it may be. */
function readmeSecretNames(): { parts: string[]; exact: string[] } {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8').replace(/\s+/g, ' ');
  const m = /when it contains (.+?), or is (.+?);/.exec(readme);
  assert.ok(m, 'the README lists the secret names ("when it contains …, or is …;")');
  const names = (list: string) => [...list.matchAll(/`([^`]+)`/g)].map((x) => x[1]!);
  return { parts: names(m[1]!), exact: names(m[2]!) };
}

describe('the shared logger, name by name', () => {
  const { parts, exact } = readmeSecretNames();

  it('redacts exactly the secret names the README lists', () => {
    assert.deepEqual([...parts].sort(), [...SECRET_PARTS].sort());
    assert.deepEqual([...exact].sort(), [...SECRET_EXACT].sort());
  });

  // Each name of the README, as it reaches a log: a field, a header, a body field, a query
  // parameter in a URL field and in a message. Each name fails on its own.
  const cases = [...parts.flatMap((n) => [n, n.toUpperCase(), `x-${n}`, `my_${n}_value`]), ...exact.flatMap((n) => [n, n.toUpperCase()])];
  for (const name of cases) {
    it(`redacts "${name}" as a field, a header, a body field and a query parameter`, () => {
      const v = (where: string) => `${where}-${name.length}-never-logged`;
      const out = logged((log) => {
        log.info(
          { [name]: v('field'), headers: { [name]: v('header') }, body: { text: 'kept', [name]: v('body') }, url: `/p?a=1&${name}=${v('url')}&b=2` },
          'req',
        );
        log.warn(`GET /p?${name}=${v('message')}`);
      });
      for (const where of ['field', 'header', 'body', 'url', 'message']) assert.ok(!out.includes(v(where)), `${name} in a ${where}: ${out}`);
      assert.ok(out.includes('a=1&') && out.includes('&b=2') && out.includes('"text":"kept"'), 'the rest is kept');
    });
  }

  it('keeps names that only resemble an exact one (author, passage, signal)', () => {
    const out = logged((log) => log.info({ author: 'visible-a', passage: 'visible-p', url: '/p?signal=visible-s' }, 'x'));
    for (const kept of ['visible-a', 'visible-p', 'visible-s']) assert.ok(out.includes(kept), kept);
  });

  it('redacts secret query parameters spelled %74oken=, pass%77ord=, %2574oken=, after a semicolon and passphrase=', () => {
    const urls = ['/p?%74oken=enc-1', '/p?x=1&pass%77ord=enc-2', '/p?a=b;session=semi-3', '/p?passphrase=phrase-4', '/p?%2574oken=enc2-5', '/p?TOK%45N=enc-6'];
    const out = logged((log) => {
      for (const url of urls) log.info({ url }, url);
    });
    assert.doesNotMatch(out, /enc-1|enc-2|semi-3|phrase-4|enc2-5|enc-6/);
    assert.ok(out.includes('a=b;session=[redacted]') && out.includes('x=1&pass%77ord=[redacted]'), out);
  });
});
