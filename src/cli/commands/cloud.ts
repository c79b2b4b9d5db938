// `berth cloud check`: which cloud, user, project, region and endpoints berth would use, the
// compute microversions, whether what a deployment needs exists (with near names when not), and
// the quota headroom. Never prints a password or token.
import type { Command } from 'commander';
import { openStackCliError } from '../errors.js';
import { connect, nearNames, type OpenStack } from '../../deployer/openstack/index.js';

interface CheckOptions {
  cloud?: string;
  flavor: string[];
  image: string;
  keyName: string;
  externalNetwork?: string;
  json?: boolean;
}

interface Need {
  kind: string;
  name: string;
  found: boolean;
  id?: string;
  near: string[];
}

export function registerCloudCommands(program: Command): void {
  const cloud = program.command('cloud').description('Check and use an OpenStack cloud');
  cloud
    .command('check')
    .description('Log in and report what berth would use, what a deployment needs, and the quota headroom')
    .option('--cloud <name>', 'cloud in clouds.yaml (default: $OS_CLOUD, else the OS_* variables)')
    .option('--flavor <name...>', 'flavors the deployment uses', ['m1.small'])
    .option('--image <name>', 'image the servers boot from', 'debian-12-docker')
    .option('--key-name <name>', 'key pair put on the servers', 'berth')
    .option('--external-network <name>', 'network for floating IPs (default: any external network)')
    .option('--json', 'print JSON')
    .action(async (o: CheckOptions) => {
      const report = await runCheck(o);
      process.stdout.write(o.json ? `${JSON.stringify(report, null, 2)}\n` : renderText(report));
      if (!report.ok) process.exitCode = 1;
    });
}

export async function runCheck(o: CheckOptions) {
  let os: OpenStack;
  try {
    os = await connect({ cloud: o.cloud, timeoutMs: 30_000, retry: { attempts: 3 } });
  } catch (err) {
    throw toCliError(err);
  }
  try {
    return await buildReport(os, o);
  } catch (err) {
    throw toCliError(err);
  } finally {
    await os.close();
  }
}

async function buildReport(os: OpenStack, o: CheckOptions) {
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
  const needs: Need[] = [
    ...o.flavor.map((f) => need('flavor', f, flavors)),
    need('image', o.image, images.map((i) => ({ id: i.id, name: i.name ?? '' }))),
    need('key pair', o.keyName, keypairs.map((k) => ({ id: k.fingerprint ?? k.name, name: k.name }))),
    o.externalNetwork
      ? need('external network', o.externalNetwork, externals)
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
    ...Object.fromEntries((['volumes', 'gigabytes'] as const).flatMap((k) => {
      const q = volQuota?.[k];
      return q ? [[k, headroom(q.limit, q.in_use)]] : [];
    })),
  };
  // Without it a deployment still works, but its data lives on the servers' own disks.
  const zero = volQuota && (volQuota.volumes?.limit === 0 || volQuota.gigabytes?.limit === 0);
  const blockStorage = hasVolumes && !zero
    ? { available: true }
    : { available: false, why: hasVolumes ? 'the project\'s volume quota is 0' : 'no volume service (block-storage) in the catalog' };
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
  return { kind, name, found: !!hit, id: hit?.id, near: hit ? [] : nearNames(name, items.map((i) => i.name)) };
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
  return openStackCliError(err, {
    unauthorized: 'check the password / application credential and the project in clouds.yaml',
    unreachable: 'is the cloud reachable? (for the sandbox: scripts/openstack-sandbox.sh status)',
  }) ?? err;
}
