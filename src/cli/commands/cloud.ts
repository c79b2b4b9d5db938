// `berth cloud check`: which cloud, user, project, region and endpoints berth would use, the
// compute microversions, whether what a deployment needs exists (with near names when not), and
// the quota headroom. Never prints a password or token. What it checks is what `up --target
// openstack` would use: the same options, stack section, --os-config and defaults (resolveInputs).
import type { Command } from 'commander';
import { openStackCliError, stackOrTargetCliError } from '../errors.js';
import { connect, nearNames, type OpenStack } from '../../deployer/openstack/index.js';
import { loadStackFile } from '../../deployer/stack/load.js';
import { resolveInputs, type OpenStackInputs } from '../../deployer/targets/openstack/index.js';
import { addOptions, type CloudOpts, type ServerOpts, type StackOpts } from '../options.js';

type CheckOptions = Pick<StackOpts, 'stack'> & CloudOpts & Pick<ServerOpts, 'flavor' | 'image' | 'keyName' | 'externalNetwork'> & { json?: boolean };

/** What a deployment with these inputs needs to find on the cloud (the external network aside). */
export function wanted(i: OpenStackInputs): { kind: 'flavor' | 'image' | 'key pair'; name: string }[] {
  return [
    ...[...new Set(Object.values(i.flavors))].map((name) => ({ kind: 'flavor' as const, name })),
    { kind: 'image', name: i.image },
    ...(i.keyName ? [{ kind: 'key pair' as const, name: i.keyName }] : []),
  ];
}

function inputsOf(o: CheckOptions): OpenStackInputs {
  try {
    const { stack } = loadStackFile(o.stack ?? undefined);
    const { cloud, osConfig, flavor, image, keyName, externalNetwork } = o;
    const flags = Object.fromEntries(Object.entries({ cloud, osConfig, flavor, image, keyName, externalNetwork }).filter(([, v]) => v !== undefined));
    return resolveInputs(stack, flags);
  } catch (err) {
    throw stackOrTargetCliError(err, 'docs/openstack.md') ?? err;
  }
}

interface Need {
  kind: string;
  name: string;
  found: boolean;
  id?: string;
  near: string[];
}

export function registerCloudCommands(program: Command): void {
  const cloud = program.command('cloud').description('check the OpenStack cloud berth would deploy to (cloud check)');
  // The same options (and defaults) as `up --target openstack` for what it checks.
  addOptions(
    cloud.command('check').description('log in and report what berth would use, whether what `up --target openstack` needs is there, and the quota headroom'),
    [
      'stack',
      'cloud',
      'osConfig',
      'flavor',
      'image',
      'keyName',
      ['externalNetwork', { help: 'network of the floating IPs (default: any external network)' }],
      'json',
    ],
  ).action(async (o: CheckOptions) => {
    const report = await runCheck(o);
    process.stdout.write(o.json ? `${JSON.stringify(report, null, 2)}\n` : renderText(report));
    if (!report.ok) process.exitCode = 1;
  });
}

export async function runCheck(o: CheckOptions) {
  const inputs = inputsOf(o);
  let os: OpenStack;
  try {
    os = await connect({ cloud: inputs.cloud, timeoutMs: 30_000, retry: { attempts: 3 } });
  } catch (err) {
    throw toCliError(err);
  }
  try {
    return await buildReport(os, inputs);
  } catch (err) {
    throw toCliError(err);
  } finally {
    await os.close();
  }
}

async function buildReport(os: OpenStack, i: OpenStackInputs) {
  const token = await os.session.getToken();
  const projectId = token.project?.id;
  const hasVolumes = await os.blockStorage.available();
  const [flavors, images, keypairs, externals, limits, netQuota, volQuota] = await Promise.all([
    os.compute.flavors.list(),
    os.image.images.list({ status: 'active' }),
    os.compute.keypairs.list(),
    os.network.listExternalNetworks(),
    os.compute.limits.get(),
    projectId ? os.network.quotas.details(projectId) : Promise.resolve(undefined),
    projectId && hasVolumes ? os.blockStorage.quotas.details(projectId) : Promise.resolve(undefined),
  ]);
  const found = {
    flavor: flavors,
    image: images.map((m) => ({ id: m.id, name: m.name ?? '' })),
    'key pair': keypairs.map((k) => ({ id: k.fingerprint ?? k.name, name: k.name })),
  };
  const needs: Need[] = [
    ...wanted(i).map((w) => need(w.kind, w.name, found[w.kind])),
    i.externalNetwork
      ? need('external network', i.externalNetwork, externals)
      : { kind: 'external network', name: '(any)', found: externals.length > 0, id: externals[0]?.id, near: externals.map((n) => n.name) },
  ];
  const endpoints: Record<string, string> = {};
  for (const s of ['identity', 'compute', 'network', 'image'] as const) endpoints[s] = await os.session.endpoint(s);
  if (hasVolumes) endpoints['block-storage'] = await os.session.endpoint('block-storage');
  const quota = {
    instances: headroom(limits.maxTotalInstances, limits.totalInstancesUsed),
    cores: headroom(limits.maxTotalCores, limits.totalCoresUsed),
    ramMB: headroom(limits.maxTotalRAMSize, limits.totalRAMUsed),
    ...(netQuota
      ? Object.fromEntries(
          (['network', 'subnet', 'port', 'router', 'floatingip', 'security_group', 'security_group_rule'] as const).flatMap((k) => {
            const q = netQuota[k];
            return q ? [[k, headroom(q.limit, q.used)]] : [];
          }),
        )
      : {}),
    ...Object.fromEntries(
      (['volumes', 'gigabytes'] as const).flatMap((k) => {
        const q = volQuota?.[k];
        return q ? [[k, headroom(q.limit, q.in_use)]] : [];
      }),
    ),
  };
  // Without it a deployment still works, but its data lives on the servers' own disks.
  const zero = volQuota && (volQuota.volumes?.limit === 0 || volQuota.gigabytes?.limit === 0);
  const blockStorage =
    hasVolumes && !zero
      ? { available: true }
      : { available: false, why: hasVolumes ? "the project's volume quota is 0" : 'no volume service (block-storage) in the catalog' };
  return {
    ok: needs.every((n) => n.found),
    cloud: { name: os.cloud.name, source: os.cloud.source, authUrl: os.cloud.auth.authUrl, authType: os.cloud.authType },
    user: { id: token.user.id, name: token.user.name, domain: token.user.domain?.name },
    project: token.project ? { id: token.project.id, name: token.project.name, domain: token.project.domain?.name } : undefined,
    roles: token.roles,
    region: os.cloud.regionName ?? '(any)',
    interface: os.cloud.interface,
    endpoints,
    computeMicroversions: os.compute.microversion,
    needs,
    blockStorage,
    quota,
  };
}

type Report = Awaited<ReturnType<typeof buildReport>>;

function need(kind: string, name: string, items: { id: string; name: string }[]): Need {
  const hit = items.find((i) => i.name === name || i.id === name);
  return {
    kind,
    name,
    found: !!hit,
    id: hit?.id,
    near: hit
      ? []
      : nearNames(
          name,
          items.map((i) => i.name),
        ),
  };
}

const headroom = (limit: number, used: number) => ({ limit, used, free: limit < 0 ? 'unlimited' : Math.max(0, limit - used) });

function renderText(r: Report): string {
  const lines = [
    `cloud      ${r.cloud.name} (${r.cloud.source}), ${r.cloud.authType} auth at ${r.cloud.authUrl}`,
    `user       ${r.user.name} (${r.user.id}) in domain ${r.user.domain ?? '?'}`,
    `project    ${r.project ? `${r.project.name} (${r.project.id}) in domain ${r.project.domain ?? '?'}` : '(unscoped)'}; roles ${r.roles.join(', ')}`,
    `region     ${r.region}, interface ${r.interface}`,
    'endpoints',
    ...Object.entries(r.endpoints).map(([s, u]) => `  ${s.padEnd(9)}${u}`),
    `compute    microversions ${r.computeMicroversions.min} to ${r.computeMicroversions.max}; berth uses ${r.computeMicroversions.chosen}`,
    'deployment needs',
    ...r.needs.map((n) =>
      n.found
        ? `  ok       ${n.kind} ${n.name}${n.id ? ` (${n.id})` : ''}`
        : `  MISSING  ${n.kind} ${n.name}${n.near.length ? `; near: ${n.near.join(', ')}` : '; nothing similar'}`,
    ),
    `volumes    ${r.blockStorage.available ? 'Cinder: stack volumes outlive their servers' : `none (${r.blockStorage.why}): data stays on the servers' own disks`}`,
    'quota headroom (free of limit)',
    ...Object.entries(r.quota).map(([k, q]) => `  ${k.padEnd(20)}${String(q.free).padStart(9)} of ${q.limit < 0 ? 'unlimited' : q.limit} (${q.used} used)`),
    r.ok ? 'result     ready to deploy' : 'result     NOT ready: see MISSING above',
  ];
  return `${lines.join('\n')}\n`;
}

function toCliError(err: unknown): unknown {
  return (
    openStackCliError(err, {
      unauthorized: 'check the password / application credential and the project in clouds.yaml',
      unreachable: 'is the cloud reachable? (for the sandbox: scripts/openstack-sandbox.sh status)',
    }) ?? err
  );
}
