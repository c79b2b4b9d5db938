// A node:test reporter for scripts/run-suite.sh: one line per test file, "<file>\t<tests run>".
// Suites (describe), skipped and todo tests are not counted: a file whose tests never ran proves
// nothing, so run-suite.sh fails on it like on a failed test.
export default async function* testCounts(source) {
  const counts = new Map();
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const { file, details, skip, todo } = event.data;
    if (!file) continue;
    if (!counts.has(file)) counts.set(file, 0);
    if (details?.type !== 'suite' && !skip && !todo) counts.set(file, counts.get(file) + 1);
  }
  for (const [file, n] of counts) yield `${file}\t${n}\n`;
}
