// Secrets never reach the logs: the shared logger redacts credentials in URLs, secret query
// parameters and secret-named fields at any depth, in messages and errors too.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger } from '../../src/shared/logger.js';
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
      log.info({ a: { b: { c: [{ Password: 'pw-deep-1', apiKey: 'key-deep-2', keep: 'visible-1' }] } }, ACCESS_TOKEN: 42424242, clientSecret: { any: 'secret-obj-3' } }, 'deep'),
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
    for (const kept of ['http://user:[redacted]@app:5555', 'limit=2', 'before=abc', 'mysql://root:[redacted]@db:3306/x', 'cannot reach http://u:[redacted]@h/']) {
      assert.ok(out.includes(kept), `kept: ${kept}`);
    }
  });
});
