// The node images as issue 15 made them: the board bundled on a FROM-scratch base. What users rely
// on beyond the original commands (original-commands.test.ts) and `up` (e2e.test.ts): a host that
// pulls web and app downloads one set of layers, and the one native dependency left out of the
// bundle (better-sqlite3) is really in the image: the app runs the board on SQLite there.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { boardImage, docker, execIn, waitHealthy } from './helpers.js';

const NAME = `berth-images-${process.pid}`;

describe('the node images', () => {
  after(async () => {
    await docker
      .getContainer(NAME)
      .remove({ force: true, v: true })
      .catch(() => undefined);
  });

  it('web and app are the same layers (a host pulls them once), apart from their settings', async () => {
    const [web, app] = await Promise.all(['web', 'app'].map((s) => docker.getImage(boardImage(s)).inspect()));
    assert.deepEqual(web!.RootFS.Layers, app!.RootFS.Layers);
    assert.deepEqual([web!.Config.Cmd, app!.Config.Cmd], [['dist/board/web/main.js'], ['dist/board/app/main.js']]);
    assert.equal(web!.Config.User, 'berth');
  });

  it('the app runs on SQLite inside the image: the native addon is there and loads', async () => {
    const c = await docker.createContainer({
      name: NAME,
      Image: boardImage('app'),
      Env: ['DATABASE_URL=sqlite::memory:'],
      HostConfig: { NetworkMode: 'none' },
    });
    await c.start();
    await waitHealthy(NAME, 60_000);
    const post = `fetch('http://127.0.0.1:5555/api/v1/posts', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: 'in sqlite' }) })
      .then(() => fetch('http://127.0.0.1:5555/api/v1/posts')).then((r) => r.json()).then((b) => console.log(JSON.stringify(b)))`;
    const r = await execIn(NAME, ['node', '-e', post]);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /"in sqlite"/);
    assert.equal((await execIn(NAME, ['id', '-u'])).out.trim(), '10001');
  });
});
