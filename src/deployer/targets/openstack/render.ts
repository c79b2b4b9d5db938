// The diff as `berth plan` and `up` show it: one line per resource that changes, then a count.
// A step that deletes data for good is marked `!` and says what is lost.
import type { Step } from './diff.js';

const SIGN: Record<Step['verb'], string> = { create: '+', change: '~', replace: '-/+', delete: '-', keep: '=' };

export function renderSteps(steps: Step[], verbose = false): string {
  const shown = steps.filter((s) => verbose || s.verb !== 'keep' || (s.kind === 'volume' && /not in the plan|second volume|resize/.test(s.why ?? '')));
  const lines = shown.map(
    (s) =>
      `${s.loses ? '!' : ' '} ${SIGN[s.verb].padStart(3)} ${s.verb.padEnd(7)} ${s.kind.padEnd(16)} ${s.name}${s.why ? `  (${s.why})` : ''}${s.loses ? `\n          LOSES DATA: ${s.loses}` : ''}`,
  );
  const count = (v: Step['verb']) => steps.filter((s) => s.verb === v).length;
  const losing = steps.filter((s) => s.loses).length;
  const summary = `${count('create')} to create, ${count('change')} to change, ${count('replace')} to replace, ${count('delete')} to delete, ${count('keep')} to keep${losing ? `; ${losing} step${losing > 1 ? 's' : ''} lose${losing > 1 ? '' : 's'} data (!)` : ''}`;
  return `${lines.join('\n')}${lines.length ? '\n' : ''}${summary}\n`;
}
