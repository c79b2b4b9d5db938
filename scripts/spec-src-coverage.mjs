// A node:test reporter for scripts/run-suite.sh with BERTH_COVERAGE=1: node's spec reporter, whose
// coverage table keeps only the files under src/ (the code under test, not the tests and their
// fixtures), with the totals counted over those files alone.
import { resolve } from 'node:path';
import { Readable } from 'node:stream';
import { spec as Spec } from 'node:test/reporters';

const SRC = resolve('src') + '/';
const percent = (covered, total) => (total === 0 ? 100 : (covered / total) * 100);

function onlySrc(summary) {
  const files = summary.files.filter((f) => f.path.startsWith(SRC));
  const sum = (k) => files.reduce((n, f) => n + f[k], 0);
  const totals = {};
  for (const what of ['Line', 'Branch', 'Function']) {
    totals[`total${what}Count`] = sum(`total${what}Count`);
    totals[`covered${what}Count`] = sum(`covered${what}Count`);
    totals[`covered${what}Percent`] = percent(totals[`covered${what}Count`], totals[`total${what}Count`]);
  }
  return { ...summary, files, totals };
}

async function* filtered(source) {
  for await (const event of source) {
    if (event.type === 'test:coverage') yield { ...event, data: { ...event.data, summary: onlySrc(event.data.summary) } };
    else yield event;
  }
}

export default async function* specWithSrcCoverage(source) {
  yield* Readable.from(filtered(source)).pipe(new Spec());
}
