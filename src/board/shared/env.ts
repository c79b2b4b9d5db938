// Reading configuration from the environment: every value validated at start, and a bad one
// stops the program with a message that names the variable (never its value: it may be secret).
import { readFileSync } from 'node:fs';
import { z } from 'zod';

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export type Env = Record<string, string | undefined>;

/** Parses one variable with a schema; a missing or empty variable gives `undefined` to the schema. */
export function readVar<T>(env: Env, name: string, schema: z.ZodType<T>): T {
  const raw = env[name];
  const result = schema.safeParse(raw === '' ? undefined : raw);
  if (!result.success) {
    const why = result.error.issues.map((i) => i.message).join('; ');
    throw new ConfigError(`invalid environment variable ${name}: ${why}`);
  }
  return result.data;
}

export const port = (fallback: number) =>
  z.coerce
    .number({ message: 'expected a port number' })
    .int('expected a whole number')
    .min(0, 'expected a port from 0 to 65535')
    .max(65535, 'expected a port from 0 to 65535')
    .default(fallback);

export const positiveInt = (fallback: number, max: number) =>
  z.coerce
    .number({ message: 'expected a number' })
    .int('expected a whole number')
    .min(1, 'expected at least 1')
    .max(max, `expected at most ${max}`)
    .default(fallback);

export const host = (fallback: string) =>
  z
    .string()
    .regex(/^[A-Za-z0-9.:_-]+$/, 'expected a host name or address')
    .default(fallback);

export const logLevel = z
  .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
    message: 'expected one of fatal, error, warn, info, debug, trace, silent',
  })
  .default('info');

/**
 * A secret given as NAME or, by the convention of the official database images, as NAME_FILE: the
 * path of a file that holds it (one trailing newline dropped). Never both. Errors name the
 * variable and the file, never the value.
 */
export function readSecret(env: Env, name: string): string | undefined {
  const value = env[name] || undefined;
  const file = env[`${name}_FILE`] || undefined;
  if (value !== undefined && file !== undefined) throw new ConfigError(`give ${name} or ${name}_FILE, not both`);
  if (file === undefined) return value;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`invalid environment variable ${name}_FILE: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const secret = text.replace(/\r?\n$/, '');
  if (!secret) throw new ConfigError(`invalid environment variable ${name}_FILE: ${file} is empty`);
  return secret;
}
