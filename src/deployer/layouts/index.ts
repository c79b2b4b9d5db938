// Picks a layout by name. Both layouts take the same options and give the same kind of plan.
import { StackError } from '../stack/graph.js';
import type { StackSpec } from '../stack/schema.js';
import type { LayoutName, LayoutOptions, Plan } from './plan.js';
import { planSingle } from './single.js';
import { planTiered } from './tiered.js';

export * from './plan.js';
export const LAYOUTS: LayoutName[] = ['single', 'tiered'];

export function planLayout(layout: LayoutName, stack: StackSpec, opts: LayoutOptions): Plan {
  if (layout === 'single') return planSingle(stack, opts);
  if (opts.links) throw new StackError('legacy links (--links) exist only in the single layout');
  return planTiered(stack, opts);
}
