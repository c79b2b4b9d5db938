// The docker-compose subset berth accepts as a stack: services with image, ports, environment,
// depends_on, healthcheck, networks (and top-level networks). Other keys are reported, not used.
import { z } from 'zod';

const SUPPORTED = new Set(['image', 'ports', 'environment', 'depends_on', 'healthcheck', 'networks', 'command', 'x-berth-tier']);
const IGNORED_QUIETLY = new Set(['container_name', 'restart', 'build']);

const ComposeService = z.looseObject({
  image: z.string({ message: 'every service needs an image' }),
  ports: z
    .array(
      z.union([
        z.string(),
        z.number(),
        z.looseObject({ target: z.number(), published: z.union([z.number(), z.string()]).optional(), host_ip: z.string().optional() }),
      ]),
    )
    .optional(),
  environment: z.union([z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])), z.array(z.string())]).optional(),
  depends_on: z.union([z.array(z.string()), z.record(z.string(), z.unknown())]).optional(),
  healthcheck: z
    .looseObject({
      test: z.union([z.string(), z.array(z.string())]).optional(),
      interval: z.string().optional(),
      timeout: z.string().optional(),
      retries: z.number().optional(),
      start_period: z.string().optional(),
      disable: z.boolean().optional(),
    })
    .optional(),
  networks: z.union([z.array(z.string()), z.record(z.string(), z.unknown())]).optional(),
  command: z.union([z.string(), z.array(z.string())]).optional(),
  'x-berth-tier': z.enum(['web', 'app', 'dbs']).optional(),
});

export const ComposeFile = z.looseObject({
  name: z.string().optional(),
  services: z.record(z.string(), ComposeService),
  networks: z.record(z.string(), z.union([z.null(), z.looseObject({ internal: z.boolean().optional() })])).optional(),
});

export type ComposeService = z.infer<typeof ComposeService>;

/** "8080:80", "127.0.0.1:8080:80", "80", 80 or {target, published, host_ip} → a stack port. */
export function composePort(p: NonNullable<ComposeService['ports']>[number]) {
  if (typeof p === 'object') {
    return { container: p.target, publish: p.published === undefined ? undefined : Number(p.published), hostIp: p.host_ip ?? '127.0.0.1' };
  }
  const parts = String(p)
    .replace(/\/tcp$/, '')
    .split(':');
  const container = Number(parts.pop());
  const published = parts.pop();
  const hostIp = parts.pop() ?? '127.0.0.1';
  if (parts.length > 0 || !Number.isInteger(container)) throw new Error(`port "${p}" is not HOST_IP:HOST_PORT:CONTAINER_PORT`);
  return { container, publish: published ? Number(published) : undefined, hostIp };
}

export function composeEnv(env: ComposeService['environment']): Record<string, string> {
  if (!env) return {};
  if (Array.isArray(env)) {
    return Object.fromEntries(
      env.map((kv) => {
        const i = kv.indexOf('=');
        return i < 0 ? [kv, process.env[kv] ?? ''] : [kv.slice(0, i), kv.slice(i + 1)];
      }),
    );
  }
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === null ? (process.env[k] ?? '') : String(v)]));
}

export function composeHealth(h: ComposeService['healthcheck']) {
  if (!h || h.disable) return undefined;
  const test = typeof h.test === 'string' ? ['CMD-SHELL', h.test] : h.test;
  return {
    ...(test && test[0] !== 'NONE' ? { test } : {}),
    ...(h.interval ? { interval: h.interval } : {}),
    ...(h.timeout ? { timeout: h.timeout } : {}),
    ...(h.retries ? { retries: h.retries } : {}),
    ...(h.start_period ? { startPeriod: h.start_period } : {}),
  };
}

/** Keys of a compose service that berth does not use, for a warning. */
export function unusedKeys(svc: Record<string, unknown>): string[] {
  return Object.keys(svc).filter((k) => !SUPPORTED.has(k) && !IGNORED_QUIETLY.has(k) && !k.startsWith('x-'));
}
