// The `single` layout: the whole stack on one host, as the original runs it. Peers are found
// either through legacy links (`--link dbs:db`, exactly the original) or, by default, on a
// user-defined network where each service answers to its name and to the aliases its clients use.
import { entryService, startOrder } from '../stack/graph.js';
import type { StackSpec } from '../stack/schema.js';
import { healthOf, portsOf, resolvedEnv, secretFilesOf } from './common.js';
import { peerEnv, type LayoutOptions, type NetworkPlan, type Plan, type ServicePlan } from './plan.js';

const DEFAULT_NET = 'net';

export function planSingle(stack: StackSpec, opts: LayoutOptions): Plan {
  const order = startOrder(stack);
  const networks: NetworkPlan[] = opts.links
    ? []
    : stack.networks
      ? Object.entries(stack.networks).map(([key, n]) => ({ key, internal: n.internal }))
      : [{ key: DEFAULT_NET, internal: false }];
  const services = order.map((svc) => planService(stack, svc, opts));
  const entry = entryService(stack);
  return { layout: 'single', wiring: opts.links ? 'links' : 'network', networks, services, ...(entry ? { entry } : {}) };
}

/** The names a service answers to: its own, and every alias a client calls it by. */
function aliasesOf(stack: StackSpec, svc: string): string[] {
  const names = new Set([svc]);
  for (const s of Object.values(stack.services)) for (const t of s.talksTo) if (t.service === svc && t.as) names.add(t.as);
  return [...names];
}

function planService(stack: StackSpec, svc: string, opts: LayoutOptions): ServicePlan {
  const spec = stack.services[svc]!;
  const env = resolvedEnv(spec, opts.secrets);
  const links = spec.talksTo.map((t) => ({ service: t.service, alias: t.as ?? t.service }));
  // With links Docker itself sets the peer variables; on a network berth sets the same ones.
  if (!opts.links) for (const t of spec.talksTo) if (t.port) Object.assign(env, peerEnv(t.as ?? t.service, t.port, t.as ?? t.service));
  const netKeys = opts.links ? [] : (spec.networks ?? (stack.networks ? Object.keys(stack.networks) : [DEFAULT_NET]));
  return {
    service: svc,
    image: opts.imageOf(svc),
    ...(spec.command ? { command: spec.command } : {}),
    env,
    secretFiles: secretFilesOf(spec),
    attachments: netKeys.map((network) => ({ network, aliases: aliasesOf(stack, svc) })),
    links: opts.links ? links : [],
    ports: portsOf(stack, svc, opts),
    volumes: spec.volumes,
    ...healthOf(spec),
  };
}
