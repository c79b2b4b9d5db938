// A deep page must cost what the first page costs: the keyset query has to be planned as a
// search of the (timestamp, id) index on both engines, never as a scan of the table.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { connect } from '../../src/board/dbs/connect.js';
import { migrate } from '../../src/board/dbs/migrations.js';
import { newestFirstQuery } from '../../src/board/dbs/posts.js';
import { parseDatabaseUrl } from '../../src/board/dbs/url.js';
import { createTestDatabase } from '../helpers/databases.js';

const CURSOR = { timestamp: '2026-01-01 00:00:00', id: 500 };

describe('the newest-first query plan', () => {
  it('SQLite searches the index for a cursor page', async () => {
    const tdb = await createTestDatabase('sqlite');
    const database = connect(parseDatabaseUrl(tdb.url));
    try {
      await migrate(database.db, 'sqlite');
      const { sql, parameters } = newestFirstQuery(database.db, 21, CURSOR).compile();
      const plan = await tdb.query<{ detail: string }>(`EXPLAIN QUERY PLAN ${sql}`, [...parameters]);
      const details = plan.map((p) => p.detail).join(' | ');
      assert.match(details, /SEARCH contents USING (COVERING )?INDEX contents_timestamp_id \(timestamp<\?\)/, details);
      assert.doesNotMatch(details, /TEMP B-TREE/, `no sort: ${details}`);
    } finally {
      await database.close();
      await tdb.drop();
    }
  });

  it('MariaDB reads a range of the index for a cursor page', async () => {
    const tdb = await createTestDatabase('mysql');
    const database = connect(parseDatabaseUrl(tdb.url));
    try {
      await migrate(database.db, 'mysql');
      const values = Array.from({ length: 200 }, (_, i) => `('2025-0${1 + (i % 9)}-01 00:00:00', 'p${i}')`).join(',');
      await tdb.query(`INSERT INTO contents (timestamp, text) VALUES ${values}`);
      await tdb.query('ANALYZE TABLE contents');
      const { sql, parameters } = newestFirstQuery(database.db, 21, CURSOR).compile();
      const [plan] = await tdb.query<{ key: string | null; type: string; Extra: string }>(`EXPLAIN ${sql}`, [...parameters]);
      assert.equal(plan!.key, 'contents_timestamp_id', JSON.stringify(plan));
      assert.equal(plan!.type, 'range');
      assert.doesNotMatch(plan!.Extra, /filesort/);
    } finally {
      await database.close();
      await tdb.drop();
    }
  });
});
