// docs/promises.md names, for each promise of the README, the tests that back it. A name there
// that no test carries (renamed, removed, mistyped) would make a promise look kept when nothing
// checks it: every `describe › it` the table names must exist in the test files of its row.
//
// How the table writes names: segments separated by ";"; "describe › it", or "› it" under the
// previous segment's describe; "…" elides part of a name; "{a,b}" stands for each of a and b; a
// trailing "(…)" may be a remark about the test; a segment without "›" either continues the
// name before it (names may hold "; ") or is a remark ("…: no test").
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';

const root = new URL('../../', import.meta.url);
const WILD = '\u0000';

/** describe and it/test names in a test file's source; `${…}` in a template is a wildcard. */
function namesIn(file: string): { suites: string[]; tests: string[] } {
  const src = readFileSync(new URL(file, root), 'utf8');
  const suites: string[] = [];
  const tests: string[] = [];
  const call = /\b(describe|it|test)\(\s*(`(?:[^`\\]|\\.)*`|'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")/g;
  for (const m of src.matchAll(call)) {
    const quoted = m[2]!;
    let name = quoted.slice(1, -1);
    if (quoted.startsWith('`')) name = name.replace(/\$\{(?:[^{}]|\{[^}]*\})*\}/g, WILD);
    name = name.replace(/\\(.)/g, '$1');
    (m[1] === 'describe' ? suites : tests).push(name);
  }
  return { suites, tests };
}

/** Whether two names, each with wildcards (WILD: any text), can be the same string. */
function overlap(a: string, b: string): boolean {
  const memo = new Map<number, boolean>();
  const go = (i: number, j: number): boolean => {
    const k = i * (b.length + 1) + j;
    const known = memo.get(k);
    if (known !== undefined) return known;
    let r: boolean;
    if (i === a.length && j === b.length) r = true;
    else if (i < a.length && a[i] === WILD) r = go(i + 1, j) || (j < b.length && go(i, j + 1));
    else if (j < b.length && b[j] === WILD) r = go(i, j + 1) || (i < a.length && go(i + 1, j));
    else r = i < a.length && j < b.length && a[i] === b[j] && go(i + 1, j + 1);
    memo.set(k, r);
    return r;
  };
  return go(0, 0);
}

/** Splits at a separator outside (), {} and `code`. */
function splitTop(s: string, sep: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let code = false;
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '`') code = !code;
    if (!code && (c === '(' || c === '{')) depth++;
    if (!code && (c === ')' || c === '}')) depth--;
    if (!code && depth === 0 && s.startsWith(sep, i)) {
      out.push(cur);
      cur = '';
      i += sep.length - 1;
    } else cur += c;
  }
  out.push(cur);
  return out.map((x) => x.trim());
}

/** "a {x,y} b" -> ["a x b", "a y b"] (each brace group). */
function expand(name: string): string[] {
  const m = /\{([^{}]*,[^{}]*)\}/.exec(name);
  if (!m) return [name];
  return m[1]!.split(',').flatMap((alt) => expand(name.slice(0, m.index) + alt.trim() + name.slice(m.index + m[0].length)));
}

/** The name as written, then without its trailing remarks "(…)", one at a time. */
function readings(part: string): string[] {
  const out = [part];
  for (let p = part; /\)\s*$/.test(p);) {
    const open = p.lastIndexOf(' (');
    if (open < 0) break;
    p = p.slice(0, open).trim();
    if (p) out.push(p);
  }
  return out;
}

const exists = (part: string, names: string[]) => readings(part).some((r) => expand(r).every((x) => names.some((n) => overlap(x.replaceAll('…', WILD), n))));

interface Named {
  promise: string;
  files: string[];
  path: string[];
  /** Segments after the name: it may go on into them, as names may hold "; ". */
  tail: string[];
  /** For a bare name: the segments before it in its row, which it may continue. */
  head?: string[];
}

/** Every `describe › … › it` the table names, with the test files of its row. */
function namedTests(): Named[] {
  const doc = readFileSync(new URL('docs/promises.md', root), 'utf8');
  const out: Named[] = [];
  for (const line of doc.split('\n')) {
    if (!line.startsWith('| ') || line.startsWith('| promise |')) continue;
    const [promise = '', filesCell = '', testsCell = ''] = splitTop(line.slice(2, -2), ' | ');
    const files = [...filesCell.matchAll(/test\/[\w/.-]+\.test\.ts/g)].map((m) => m[0]);
    if (!files.length) continue;
    let context: string[] = [];
    const segments = splitTop(testsCell, ';');
    // A row that names no describe at all names its tests bare (the OpenStack suite's top-level tests).
    const bare = !segments.some((seg) => splitTop(seg, '›').length > 1);
    for (const [i, segment] of segments.entries()) {
      if (bare) {
        out.push({ promise, files, path: [segment], tail: segments.slice(i + 1), head: segments.slice(0, i) });
        continue;
      }
      const parts = splitTop(segment, '›');
      if (parts.length < 2) {
        out.at(-1)?.tail.push(segment);
        continue;
      }
      const path = parts[0] === '' ? [...context, ...parts.slice(1)] : parts;
      context = path.slice(0, -1);
      out.push({ promise, files, path, tail: [] });
    }
  }
  return out;
}

describe('docs/promises.md', () => {
  const named = namedTests();

  it('names tests (the table is read)', () => {
    assert.ok(named.length > 100, `found ${named.length} named tests`);
  });

  it('every test it names exists in the test files of its row (describe › it, matched against their source)', () => {
    const missing: string[] = [];
    for (const { promise, files, path, tail, head = [] } of named) {
      const names = files.map(namesIn);
      const suites = names.flatMap((n) => n.suites);
      const tests = names.flatMap((n) => n.tests);
      const last = path[path.length - 1]!;
      // A last part that is only a remark, "(each test …)", names the describe before it.
      const remark = /^\(.*\)$/.test(last) || /^all( \w+)? tests$/.test(last);
      for (const d of path.slice(0, -1)) if (!exists(d, suites)) missing.push(`${promise}: describe "${d}" not in ${files.join(', ')}`);
      // The name, or the name continued by the segments after it ("…; the page after it has …").
      // A bare name may also be the end or the middle of a name begun in the segments before it.
      const continued = [0, ...head.map((_, i) => i + 1)].flatMap((h) =>
        [0, ...tail.map((_, i) => i + 1)].map((t) => [...head.slice(head.length - h), last, ...tail.slice(0, t)].join('; ')),
      );
      if (!remark && ![last, ...continued].some((n) => exists(n, tests))) missing.push(`${promise}: test "${last}" not in ${files.join(', ')}`);
    }
    assert.deepEqual(missing, []);
  });
});
