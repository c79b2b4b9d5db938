// Durations as compose writes them ("5s", "1m30s", "250ms") or as plain seconds, in milliseconds.
import { z } from 'zod';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

export function parseDuration(value: string | number): number {
  if (typeof value === 'number') return value * 1000;
  const parts = [...value.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  const whole = parts.map((p) => p[0]).join('');
  if (parts.length === 0 || whole !== value.trim()) {
    throw new Error(`"${value}" is not a duration (examples: 5s, 1m30s, 250ms)`);
  }
  return parts.reduce((sum, p) => sum + Number(p[1]) * UNIT_MS[p[2]!]!, 0);
}

/** A duration field: accepts "5s" or 5 (seconds), gives milliseconds. */
export const duration = z.union([z.string(), z.number().nonnegative()]).transform((v, ctx) => {
  try {
    return parseDuration(v);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
    return z.NEVER;
  }
});
