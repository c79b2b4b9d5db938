// Two promises of the README's "data" and "configuration" parts: SQLite runs in WAL mode, and TZ
// chooses the time zone of new posts' timestamps (the original stored local time).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { startTestApp } from '../helpers/board.js';
import { postJson } from '../helpers/http.js';

describe('the data on SQLite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-data-'));
  const file = join(dir, 'board.sqlite');
  const zone = process.env.TZ;
  after(() => {
    if (zone === undefined) delete process.env.TZ;
    else process.env.TZ = zone;
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs in WAL mode', async () => {
    const app = await startTestApp(`sqlite:${file}`);
    await app.close();
    const db = new Database(file, { readonly: true });
    try {
      assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    } finally {
      db.close();
    }
  });

  it('stamps new posts with the local time of TZ', async () => {
    const app = await startTestApp(`sqlite:${file}`);
    try {
      // Node follows a change of TZ at once; Asia/Tokyo has no daylight saving time: always UTC+9.
      const stamp = async (tz: string) => {
        process.env.TZ = tz;
        const res = await postJson(`${app.url}/api/v1/posts`, { text: `at ${tz}` });
        assert.equal(res.status, 201);
        return res.json<{ timestamp: string }>().timestamp;
      };
      const utc = await stamp('UTC');
      const tokyo = await stamp('Asia/Tokyo');
      const asUtc = (s: string) => Date.parse(`${s.replace(' ', 'T')}Z`);
      const hours = (asUtc(tokyo) - asUtc(utc)) / 3_600_000;
      assert.ok(Math.abs(hours - 9) < 0.01, `Tokyo ${tokyo} is 9 hours ahead of UTC ${utc}`);
    } finally {
      await app.close();
    }
  });
});
