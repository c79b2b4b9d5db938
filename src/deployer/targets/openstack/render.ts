// The diff as `berth plan` and `up` show it: one line per resource that changes, then a count.
import type { Step } from './diff.js';

const SIGN: Record<Step['verb'], string> = { create: '+', change: '~', replace: '-/+', delete: '-', keep: '=' };

export function renderSteps(steps: Step[], verbose = false): string {
  const shown = steps.filter((s) => verbose || s.verb !== 'keep');
  const lines = shown.map((s) => `  ${SIGN[s.verb].padStart(3)} ${s.verb.padEnd(7)} ${s.kind.padEnd(16)} ${s.name}${s.why ? `  (${s.why})` : ''}`);
  const count = (v: Step['verb']) => steps.filter((s) => s.verb === v).length;
  const summary = `${count('create')} to create, ${count('change')} to change, ${count('replace')} to replace, ${count('delete')} to delete, ${count('keep')} to keep`;
  return `${lines.join('\n')}${lines.length ? '\n' : ''}${summary}\n`;
}
