// What `up --json` reports of its phases, checked against a real deployment: every server booted
// has every phase, each phase lies within its parent, none is negative, and the pulls count bytes.
// The phase names are listed here, not taken from src/: a phase the code stops reporting fails.
import assert from 'node:assert/strict';
import type { PhaseReport } from '../../src/deployer/targets/openstack/index.js';

/** Each phase every booted server must have, and its parent. */
const TREE: Record<string, string | undefined> = {
  up: undefined,
  api: 'up',
  active: 'up',
  console: 'up',
  userdata: 'up',
  nics: 'userdata',
  engine: 'userdata',
  pull: 'userdata',
  image: 'pull',
  healthy: 'userdata',
  container: 'healthy',
  page: 'up',
};

/** `containers`: tier -> how many containers (and images) its server runs. */
export function checkPhases(r: PhaseReport, containers: Record<string, number>): void {
  assert.deepEqual(r.servers.map((s) => s.tier).sort(), Object.keys(containers).sort(), 'a phase list for each server booted');
  assert.ok(r.seconds > 0);
  for (const s of r.servers) {
    const where = (what: string) => `${s.tier}: ${what}\n${JSON.stringify(s.phases)}`;
    for (const [name, parent] of Object.entries(TREE)) {
      const found = s.phases.filter((p) => p.name === name);
      assert.ok(found.length > 0, where(`no ${name} phase`));
      for (const p of found) {
        assert.equal(p.parent, parent, where(`${name}'s parent`));
        assert.ok(p.begin >= 0 && p.end >= p.begin, where(`${name} runs backwards or before up: ${p.begin}-${p.end}`));
        assert.ok(Math.abs(p.end - p.begin - p.seconds) < 0.01, where(`${name}: seconds ${p.seconds} is not end - begin`));
        if (parent === undefined) continue;
        // One parent of a name per server, except image/container under their aggregate.
        const up = s.phases.find((q) => q.name === parent)!;
        assert.ok(up.begin <= p.begin && p.end <= up.end, where(`${name} ${p.begin}-${p.end} is outside ${parent} ${up.begin}-${up.end}`));
      }
    }
    assert.equal(s.phases.filter((p) => p.name === 'container').length, containers[s.tier], where('a container phase per container'));
    const images = s.phases.filter((p) => p.name === 'image');
    assert.equal(images.length, containers[s.tier], where('an image phase per image'));
    for (const i of images) assert.ok((i.bytes ?? 0) > 1e6, where(`${i.of} pulled with its size in bytes`));
    const pull = s.phases.find((p) => p.name === 'pull')!;
    assert.equal(
      pull.bytes,
      images.reduce((n, i) => n + i.bytes!, 0),
      where('pull counts the bytes of its images'),
    );
    assert.ok(s.phases.find((p) => p.name === 'up')!.end <= r.seconds, where('up ends before the report was made'));
  }
  assert.ok(r.steps.some((x) => x.name === 'servers') && r.steps.some((x) => x.name === 'page'), "berth's own steps are timed");
}
