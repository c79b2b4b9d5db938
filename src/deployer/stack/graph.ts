// Cross-references the schema cannot check: peers and secrets exist, no cycles; plus the start
// order (a service after everything it talks to).
import type { StackSpec } from './schema.js';

export class StackError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StackError';
  }
}

export function checkReferences(stack: StackSpec): void {
  const entries = Object.entries(stack.services);
  for (const [svc, spec] of entries) {
    for (const peer of spec.talksTo) {
      if (!stack.services[peer.service]) throw new StackError(`service ${svc} talks to ${peer.service}, which the stack does not define`);
      if (peer.service === svc) throw new StackError(`service ${svc} talks to itself`);
    }
    for (const value of Object.values(spec.environment)) {
      if (typeof value === 'object' && !stack.secrets[value.secret]) {
        throw new StackError(`service ${svc} uses secret ${value.secret}, which the stack's secrets do not define`);
      }
    }
    for (const net of spec.networks ?? []) {
      if (!stack.networks?.[net]) throw new StackError(`service ${svc} joins network ${net}, which the stack does not define`);
    }
  }
  if (entries.filter(([, s]) => s.entry).length > 1) throw new StackError('only one service can be the entry');
  startOrder(stack);
}

/** Services in an order where each comes after the services it talks to (stable by name). */
export function startOrder(stack: StackSpec): string[] {
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (svc: string, path: string[]) => {
    if (state.get(svc) === 'done') return;
    if (state.get(svc) === 'visiting') throw new StackError(`services talk to each other in a cycle: ${[...path, svc].join(' -> ')}`);
    state.set(svc, 'visiting');
    for (const peer of stack.services[svc]?.talksTo ?? []) visit(peer.service, [...path, svc]);
    state.set(svc, 'done');
    order.push(svc);
  };
  for (const svc of Object.keys(stack.services).sort()) visit(svc, []);
  return order;
}

/** The service whose published port is the stack's URL: the marked one, else the first published. */
export function entryService(stack: StackSpec): string | undefined {
  const entries = Object.entries(stack.services);
  return (entries.find(([, s]) => s.entry) ?? entries.find(([, s]) => s.ports.some((p) => p.publish)))?.[0];
}
