// What every layout does the same way: resolved environment, ports with the user's overrides.
import type { ServiceSpec, StackSpec } from '../stack/schema.js';
import { entryService } from '../stack/graph.js';
import { SECRETS_DIR, type LayoutOptions, type PortPlan, type SecretFile } from './plan.js';

export const secretPath = (secret: string) => `${SECRETS_DIR}/${secret}`;

/** The environment, with secrets given as values filled in and those given as files as their path. */
export function resolvedEnv(spec: ServiceSpec, secrets: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(spec.environment)) {
    if (typeof v === 'string') env[k] = v;
    else if (v.as === 'file') env[k] = secretPath(v.secret);
    else {
      const value = secrets[v.secret];
      if (value === undefined) throw new Error(`secret ${v.secret} has no value`);
      env[k] = value;
    }
  }
  return env;
}

/** The secrets a service reads from files, each once. */
export function secretFilesOf(spec: ServiceSpec): SecretFile[] {
  const names = new Set(Object.values(spec.environment).flatMap((v) => (typeof v === 'object' && v.as === 'file' ? [v.secret] : [])));
  return [...names].map((secret) => ({ secret, path: secretPath(secret) }));
}

export function portsOf(stack: StackSpec, service: string, opts: LayoutOptions): PortPlan[] {
  const isEntry = entryService(stack) === service;
  return (stack.services[service]?.ports ?? []).map((p, i) => {
    const override = isEntry && i === 0 && p.publish !== undefined ? opts.publish : undefined;
    return {
      container: p.container,
      ...(p.publish !== undefined ? { publish: override?.port ?? p.publish } : {}),
      hostIp: override?.hostIp ?? p.hostIp,
    };
  });
}

export function healthOf(spec: ServiceSpec) {
  return spec.health ? { health: spec.health } : {};
}
