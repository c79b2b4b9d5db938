// Shell quoting shared by the user-data generators (plan.ts, nics.ts): a module of its own so
// nics.ts need not import plan.ts, which imports nics.ts.

/** Single-quoted for bash: safe for any value. */
export const sq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
