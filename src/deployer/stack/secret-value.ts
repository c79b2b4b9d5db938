// A value for a secret the stack declares but nobody gave: made where the target keeps it (the
// docker target's state volume, the openstack target's server metadata), never printed.
import { randomBytes } from 'node:crypto';
import type { StackSpec } from './schema.js';

// No look-alike characters (0/O, 1/l/I): a value may have to be read off a screen and typed.
const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';

export function generateSecret(length: number): string {
  const bytes = randomBytes(length);
  return Array.from(bytes, (b) => ALPHABET[b % ALPHABET.length]).join('');
}

/** How long a generated value of each declared secret is. */
export const secretLengths = (stack: StackSpec): Record<string, number> => Object.fromEntries(Object.entries(stack.secrets).map(([k, v]) => [k, v.length]));
