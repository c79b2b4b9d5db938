// The schema's edges on a real MariaDB: ids past the original's INT, a database migrated by a
// newer app, and errors logged without the values of their statements (post text, keys).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES, type TestDatabase } from '../helpers/databases.js';
import { appPerSuite, logSink, startTestAppNoWait, startTestAppOn, type AppTier, type TestApp } from '../helpers/board.js';
import { postJson, rawRequest } from '../helpers/http.js';

describe('post ids on MariaDB', () => {
  let db: TestDatabase;
  let app: AppTier;
  appPerSuite('mysql', {}, (t) => ({ db, app } = t));

  it('go past 2^31-1 (the original INT id) with keyed and unkeyed posts', async () => {
    await db.query('ALTER TABLE contents AUTO_INCREMENT = 2147483646');
    const ids: number[] = [];
    for (const [i, headers] of [{}, { 'idempotency-key': 'past-int-1' }, {}, { 'idempotency-key': 'past-int-2' }].entries()) {
      const res = await postJson(`${app.url}/api/v1/posts`, { text: `past INT ${i}` }, headers as Record<string, string>);
      assert.equal(res.status, 201, res.body);
      ids.push(res.json().id);
    }
    assert.deepEqual(ids, [2147483646, 2147483647, 2147483648, 2147483649]);
    const got = await rawRequest(`${app.url}/api/v1/posts/2147483649`);
    assert.equal(got.json().text, 'past INT 3');
    const replay = await postJson(`${app.url}/api/v1/posts`, { text: 'past INT 3' }, { 'idempotency-key': 'past-int-2' });
    assert.equal(replay.json().id, 2147483649);
  });
});

for (const engine of ENGINES) {
  describe(`a database migrated by a newer app (${engine})`, () => {
    let testApp: TestApp;
    before(async () => {
      testApp = await startTestAppOn(engine);
    });
    after(() => testApp?.close());

    it('is not ready, and says the schema is newer (not that the database is unreachable)', { timeout: 30_000 }, async () => {
      await testApp.db.query("INSERT INTO berth_migration (name, timestamp) VALUES ('999_from_the_future', '2030-01-01T00:00:00.000Z')");
      const app = await startTestAppNoWait(testApp.db.url);
      try {
        let ready = await rawRequest(`${app.url}/readyz`);
        for (let i = 0; i < 50 && !/newer/.test(ready.body); i++) {
          await new Promise((r) => setTimeout(r, 100));
          ready = await rawRequest(`${app.url}/readyz`);
        }
        assert.equal(ready.status, 503);
        assert.match(ready.json().reason, /schema is newer than this app .*999_from_the_future/);
        const read = await rawRequest(`${app.url}/api/v1/posts`);
        assert.equal(read.status, 503);
        assert.equal(read.json().error.code, 'schema_newer_than_app');
        assert.match(read.json().error.message, /newer than this app/);
        assert.doesNotMatch(read.body, /not reachable/);
      } finally {
        await app.close();
      }
    });
  });
}

describe('MariaDB errors in the log', () => {
  it('name the statement with its placeholders, never the post text or the key', async () => {
    const logs = logSink();
    const { db, app, close } = await startTestAppOn('mysql', {}, logs);
    try {
      // A fault no request can cause: the table of keys gone. The app answers 500 and logs it.
      await db.query('RENAME TABLE idempotency_keys TO idempotency_keys_gone');
      const res = await postJson(`${app.url}/bbs`, { text: 'secret-ish post text 7f3a' }, { 'idempotency-key': 'key-never-logged-9c1e' });
      assert.equal(res.status, 500);
      await new Promise((r) => setTimeout(r, 100));
      const logged = logs.text();
      assert.match(logged, /ER_NO_SUCH_TABLE/);
      assert.match(logged, /"sql":"select \* from `idempotency_keys` where `idem_key` = \?"/);
      assert.doesNotMatch(logged, /key-never-logged|7f3a/);
    } finally {
      await close();
    }
  });
});
