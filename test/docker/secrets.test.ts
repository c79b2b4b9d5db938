// The docker target's secrets: kept as root-only files in the project's state volume (no label
// holds a value), the same values on every `up`, and the values an earlier berth kept as labels
// taken over (the data volume was initialised with them).
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { loadStackFile } from '../../src/deployer/stack/load.js';
import { projectSecrets } from '../../src/deployer/targets/docker/secrets.js';
import { readFiles, withVolumes } from '../../src/deployer/targets/docker/volume-files.js';
import { boardImage, docker, PROJECT_LABEL, purge } from './helpers.js';

const stack = loadStackFile().stack;
const IMAGE = boardImage('dbs');

describe('docker target secrets', () => {
  const project = `berth-test-secrets-${process.pid}`;
  after(() => purge(project));

  it('generates them once, as root-only files of the state volume, and finds the same values again', async () => {
    const first = await projectSecrets(docker, project, stack, IMAGE);
    assert.match(first['db-password']!, /^[A-Za-z0-9]{24}$/);
    assert.deepEqual(await projectSecrets(docker, project, stack, IMAGE), first);
    const volume = await docker.getVolume(`${project}-state`).inspect();
    assert.equal(JSON.stringify(volume).includes(first['db-password']!), false, "no value in the volume's labels");
    const files = await withVolumes(docker, project, IMAGE, [{ volume: `${project}-state`, path: '/s' }], (h) => readFiles(h, '/s'));
    const file = files.get('db-password')!;
    assert.equal(file.data.toString('utf8'), first['db-password']);
    assert.deepEqual([file.mode, file.uid, file.gid], [0o400, 0, 0]);
    // The helper containers are gone.
    assert.deepEqual(await docker.listContainers({ all: true, filters: { label: [`${PROJECT_LABEL}=${project}`] } }), []);
  });

  it('the helper container leaves no anonymous volume behind (the dbs image declares VOLUME /var/lib/mysql)', async () => {
    const names = async () => ((await docker.listVolumes()).Volumes ?? []).map((v) => v.Name).sort();
    const before = await names();
    await withVolumes(docker, project, IMAGE, [], async () => {
      assert.equal((await names()).length, before.length + 1, "the image's VOLUME made an anonymous volume");
    });
    assert.deepEqual(await names(), before);
  });

  it('takes over the values an earlier berth kept as labels, and drops the labels', async () => {
    const legacy = `berth-test-legacy-${process.pid}`;
    after(() => purge(legacy));
    await docker.createVolume({
      Name: `${legacy}-state`,
      Labels: { [PROJECT_LABEL]: legacy, 'io.berth.role': 'state', 'io.berth.secret.db-password': 'EarlierPassword12345678' },
    });
    assert.deepEqual(await projectSecrets(docker, legacy, stack, IMAGE), { 'db-password': 'EarlierPassword12345678' });
    const labels = (await docker.getVolume(`${legacy}-state`).inspect()).Labels;
    assert.deepEqual(labels, { [PROJECT_LABEL]: legacy, 'io.berth.role': 'state' });
    assert.deepEqual(await projectSecrets(docker, legacy, stack, IMAGE), { 'db-password': 'EarlierPassword12345678' });
  });
});
