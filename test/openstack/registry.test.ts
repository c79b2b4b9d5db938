// The sandbox's registry: TLS with the sandbox's own CA, and `berth build --push --registry`
// pushing the board's images there through the host's Docker Engine (dockerode).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import Docker from 'dockerode';
import { request } from 'undici';
import { Cleanup, deleteFromRegistry, REGISTRY, registryAgent, RUN_ID } from './helpers.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const docker = new Docker({ socketPath: '/var/run/docker.sock' });
const cleanup = new Cleanup();
after(() => cleanup.run());

function berth(args: string[]) {
  const r = spawnSync(process.execPath, ['bin/berth.js', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 600_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

test('the registry speaks TLS with a certificate only the sandbox CA vouches for', async () => {
  // Node's default trust store: the certificate is not one a public CA signed.
  await assert.rejects(request(`https://${REGISTRY}/v2/`), (e: Error & { code?: string }) =>
    /certificate/i.test(`${e.code} ${e.message} ${(e.cause as Error | undefined)?.message ?? ''}`),
  );
  const dispatcher = registryAgent();
  try {
    const res = await request(`https://${REGISTRY}/v2/`, { dispatcher });
    await res.body.dump();
    assert.equal(res.statusCode, 200);
  } finally {
    await dispatcher.close();
  }
});

test("berth build --push --registry pushes the board's image; the registry lists it", async () => {
  const ns = `${REGISTRY}/${RUN_ID}`;
  const ref = `${ns}/berth/web:latest`;
  cleanup.add('local image', () => docker.getImage(ref).remove());
  cleanup.add('registry manifest', () => deleteFromRegistry(`${RUN_ID}/berth/web`, 'latest'));
  const r = berth(['build', '--offline-bases', '--service', 'web', '--push', '--registry', ns]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`^${ref.replace(/[.]/g, '\\.')} `, 'm'));
  const dispatcher = registryAgent();
  try {
    const res = await request(`https://${REGISTRY}/v2/${RUN_ID}/berth/web/tags/list`, { dispatcher });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(await res.body.json(), { name: `${RUN_ID}/berth/web`, tags: ['latest'] });
  } finally {
    await dispatcher.close();
  }
});

test('--push without --registry is refused before anything is built', () => {
  const r = berth(['build', '--offline-bases', '--service', 'web', '--push']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /--push needs --registry/);
});
