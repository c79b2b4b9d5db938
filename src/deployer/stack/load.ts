// Loads a stack spec file: berth's own YAML (`berth: 1`) or a docker-compose file (the subset in
// compose.ts), always returning the one validated StackSpec every target reads.
import { readFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ComposeFile, composeEnv, composeHealth, composePort, unusedKeys } from './compose.js';
import { StackError, checkReferences } from './graph.js';
import { Stack, type StackSpec } from './schema.js';

export { StackError } from './graph.js';

/** stacks/board.yaml in this repository: the default stack. */
export const DEFAULT_STACK = resolve(dirname(fileURLToPath(import.meta.url)), '../../../stacks/board.yaml');

export interface LoadedStack {
  stack: StackSpec;
  format: 'berth' | 'compose';
  warnings: string[];
}

export function loadStackFile(path = DEFAULT_STACK): LoadedStack {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new StackError(`cannot read stack file ${path}: ${(err as NodeJS.ErrnoException).code ?? err}`);
  }
  return parseStack(text, basename(dirname(resolve(path))));
}

export function parseStack(text: string, fallbackName = 'stack'): LoadedStack {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new StackError(`the stack file is not valid YAML: ${(err as Error).message}`);
  }
  if (doc && typeof doc === 'object' && 'berth' in doc) {
    const stack = validate(Stack, doc, 'stack spec');
    checkReferences(stack);
    return { stack, format: 'berth', warnings: [] };
  }
  return fromCompose(doc, fallbackName);
}

function validate<T extends z.ZodType>(schema: T, doc: unknown, what: string): z.output<T> {
  const result = schema.safeParse(doc);
  if (result.success) return result.data;
  // One line, as every error of the command line (usually one issue; several are joined).
  const issues = result.error.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`);
  throw new StackError(`invalid ${what}: ${issues.join('; ')}`);
}

function fromCompose(doc: unknown, fallbackName: string): LoadedStack {
  const compose = validate(ComposeFile, doc, 'compose file (berth reads services, image, ports, environment, depends_on, healthcheck, networks)');
  const warnings: string[] = [];
  const services: Record<string, unknown> = {};
  const portOf = (svc: string) => compose.services[svc]?.ports?.map(composePort)[0]?.container;
  for (const [svc, c] of Object.entries(compose.services)) {
    const unused = unusedKeys(c);
    if (unused.length) warnings.push(`service ${svc}: ignoring ${unused.join(', ')} (not in berth's compose subset)`);
    const deps = Array.isArray(c.depends_on) ? c.depends_on : Object.keys(c.depends_on ?? {});
    services[svc] = {
      image: c.image,
      ...(c['x-berth-tier'] ? { tier: c['x-berth-tier'] } : {}),
      ...(c.command ? { command: typeof c.command === 'string' ? c.command.split(/\s+/) : c.command } : {}),
      ports: (c.ports ?? []).map(composePort),
      environment: composeEnv(c.environment),
      // Compose peers find each other by service name; the port is the peer's first declared one.
      talksTo: deps.map((d) => ({ service: d, as: d.replace(/[^a-z0-9_-]/g, '-'), ...(portOf(d) ? { port: portOf(d) } : {}) })),
      ...(c.healthcheck && composeHealth(c.healthcheck) ? { health: composeHealth(c.healthcheck) } : {}),
      ...(c.networks ? { networks: Array.isArray(c.networks) ? c.networks : Object.keys(c.networks) } : {}),
    };
  }
  const networks = compose.networks ? Object.fromEntries(Object.entries(compose.networks).map(([n, v]) => [n, { internal: v?.internal ?? false }])) : undefined;
  const name =
    (compose.name ?? fallbackName)
      .toLowerCase()
      .replace(/[^a-z0-9-]/g, '-')
      .replace(/^[^a-z]+/, '') || 'stack';
  const stack = validate(Stack, { berth: 1, name, services, ...(networks ? { networks } : {}) }, 'compose file');
  checkReferences(stack);
  return { stack, format: 'compose', warnings };
}
