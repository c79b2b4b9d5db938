// A `sample_bbs` database written by the original app is taken over in place: same ids,
// timestamps and texts; the table converted to utf8mb4 and indexed; new posts work alongside.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTestDatabase } from '../helpers/databases.js';
import { startTestApp } from '../helpers/board.js';
import { postJson, rawRequest } from '../helpers/http.js';

const ORIGINAL_ROWS: [number, string | null, string][] = [
  [1, '2016-04-01 09:00:00', 'Hello from 2016'],
  [2, '2016-04-01 09:05:30', 'こんにちは、掲示板'],
  [5, '2016-04-02 18:00:00', 'ids need not be contiguous'],
  [6, null, 'a row with no timestamp'],
];

describe('upgrading the original sample_bbs database on MariaDB', () => {
  it('keeps every row, converts to utf8mb4, adds the index, and serves it', async () => {
    const db = await createTestDatabase('mysql');
    try {
      // The original's schema, with MySQL 5's utf8 (utf8mb3), which cannot hold emoji.
      await db.query(`CREATE TABLE contents (id int AUTO_INCREMENT PRIMARY KEY, timestamp datetime, text varchar(255))
        ENGINE=InnoDB DEFAULT CHARSET=utf8mb3`);
      for (const row of ORIGINAL_ROWS) await db.query('INSERT INTO contents (id, timestamp, text) VALUES (?, ?, ?)', row);

      for (let run = 0; run < 2; run++) {
        // Twice: the second start finds the schema current and changes nothing.
        const app = await startTestApp(db.url);
        try {
          const legacy = (await rawRequest(`${app.url}/bbs`)).json();
          for (const [id, timestamp, text] of ORIGINAL_ROWS) assert.deepEqual(legacy[String(id)], { timestamp, text });
          if (run === 0) assert.equal((await postJson(`${app.url}/bbs`, { text: 'new post with emoji 🎉' })).status, 201);
          const page = (await rawRequest(`${app.url}/api/v1/posts?limit=100`)).json();
          assert.deepEqual(
            page.posts.map((p: { id: number }) => p.id),
            [7, 5, 2, 1, 6],
            'newest first, the new id after the original ones, the undated row last',
          );
          assert.equal(page.posts[0].text, 'new post with emoji 🎉');
        } finally {
          await app.close();
        }
      }
      const [create] = await db.query<{ 'Create Table': string }>('SHOW CREATE TABLE contents');
      assert.match(create!['Create Table'], /CHARSET=utf8mb4/);
      assert.match(create!['Create Table'], /KEY `contents_timestamp_id` \(`timestamp`,`id`\)/);
      const migrations = await db.query<{ name: string }>('SELECT name FROM berth_migration ORDER BY name');
      assert.deepEqual(
        migrations.map((m) => m.name),
        ['001_contents', '002_utf8mb4', '003_newest_first_index', '004_idempotency_keys', '005_idempotency_keys_exact_and_wide', '006_contents_bigint_id'],
      );
      assert.match(create!['Create Table'], /`id` bigint\(20\) NOT NULL AUTO_INCREMENT/, 'ids past 2^31-1');
    } finally {
      await db.drop();
    }
  });
});

describe('upgrading an unversioned SQLite board', () => {
  it('adopts the existing table and its rows', async () => {
    const db = await createTestDatabase('sqlite');
    try {
      await db.query('CREATE TABLE contents (id INTEGER PRIMARY KEY AUTOINCREMENT, timestamp DATETIME, text VARCHAR(255))');
      await db.query("INSERT INTO contents (timestamp, text) VALUES ('2020-02-02 02:02:02', 'kept')");
      const app = await startTestApp(db.url);
      try {
        const page = (await rawRequest(`${app.url}/api/v1/posts`)).json();
        assert.deepEqual(page.posts, [{ id: 1, timestamp: '2020-02-02 02:02:02', text: 'kept' }]);
      } finally {
        await app.close();
      }
      const idx = await db.query<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'index' AND name = 'contents_timestamp_id'");
      assert.equal(idx.length, 1);
    } finally {
      await db.drop();
    }
  });
});
