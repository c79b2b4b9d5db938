// A node:test reporter for scripts/run-suite.sh: each test that failed of itself, with its file
// and error (a suite too when its own hook failed; not a suite that failed because a test in it
// did, nor a test cancelled because its suite failed: the suite's failure says why). The first
// lines of each error, without node's own stack frames (the test's line is in the stack: the
// event's line is the transpiled one). scripts/test.sh prints them last, after the sandbox's
// errors and the teardown, so that the end of a long CI log says what failed and why.
import { relative } from 'node:path';
import { inspect } from 'node:util';

const MAX_LINES = 25;
const NODE_FRAME = /^\s+at (.*\((node:|<anonymous>\))|node:|new Promise \(<anonymous>\)$)/;

/** The assertion or error the test threw (node wraps it in an ERR_TEST_FAILURE). */
function describeError(error) {
  const cause = error?.code === 'ERR_TEST_FAILURE' && error.cause ? error.cause : error;
  const text = cause instanceof Error ? inspect(cause, { depth: 2 }) : String(cause);
  const lines = text.split('\n').filter((l) => !NODE_FRAME.test(l));
  const kept = lines.slice(0, MAX_LINES);
  if (lines.length > MAX_LINES) kept.push(`… (${lines.length - MAX_LINES} more lines)`);
  return kept.map((l) => `    ${l}`).join('\n');
}

export default async function* testFailures(source) {
  for await (const event of source) {
    if (event.type !== 'test:fail') continue;
    const { file, name, details } = event.data;
    if (['subtestsFailed', 'cancelledByParent'].includes(details?.error?.failureType)) continue;
    const where = file ? relative(process.cwd(), file) : '?';
    yield `✖ ${where} ${name} (${Math.round(details?.duration_ms ?? 0)} ms)\n${describeError(details?.error)}\n`;
  }
}
