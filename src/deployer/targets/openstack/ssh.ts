// The openstack target's DbsChannel (deployer/data): scripts run as root in the dbs container on
// the server that runs dbs, through SSH with the key pair's private key and the same options as the
// inventory (sshOptions: through web, the entry, as a jump host for servers without a floating IP).
// The remote command is `sudo -n docker exec -i <the dbs container> sh -c <script>`; the script holds
// no secret (MariaDB's root answers on the container's unix socket), so neither does ssh's argv.
// Nothing new is opened: SSH is what --ssh-cidr (web) and web's group (app, dbs) already allow.
import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import type { OpenStack } from '../../openstack/index.js';
import { TextSink, type DbsChannel, type RunOptions, type RunResult } from '../../data/channel.js';
import { sq } from '../../userdata/quote.js';
import { TargetError } from '../shared/errors.js';
import { LABEL } from '../docker/names.js';
import { sshOptions, type SshHop } from './inventory.js';
import { META, TAG } from './names.js';
import { observedServer } from './read.js';

export interface SshSettings {
  user: string;
  /** The key pair's private key (else ssh's own defaults and agent). */
  key?: string;
}

/** ssh's arguments for a command on the server of stack `id` that runs service (tier) `service`. */
export async function sshArgsFor(os: OpenStack, id: string, service: string, s: SshSettings): Promise<{ args: string[]; where: string }> {
  const servers = (await os.compute.servers.list({ tags: [TAG.stack(id)] })).map(observedServer).filter((v) => v.status === 'ACTIVE');
  const target = servers.find((v) => v.metadata[META.tier] === service) ?? servers.find((v) => v.metadata[META.tier] === 'all');
  if (!target) throw new TargetError(`no ACTIVE server of ${id} runs ${service}`, 'is the stack up? (berth status --target openstack)');
  const entry = servers.find((v) => v.addresses.some((a) => a.floating));
  if (!entry) throw new TargetError(`${id} has no server with a floating IP to reach ${target.name} through`);
  const fip = entry.addresses.find((a) => a.floating)!.addr;
  const own = target.addresses.find((a) => a.floating)?.addr;
  const jump: SshHop | undefined = own ? undefined : { user: s.user, address: fip, serverId: entry.id };
  const address = own ?? target.addresses.find((a) => !a.floating && a.network.endsWith('-dmz-net'))?.addr ?? target.addresses.find((a) => !a.floating)?.addr;
  if (!address) throw new TargetError(`${target.name} has no address`);
  const args = [
    ...(s.key ? ['-i', s.key, '-o', 'IdentitiesOnly=yes'] : []),
    '-o',
    'BatchMode=yes',
    '-o',
    'ConnectTimeout=20',
    '-o',
    'ServerAliveInterval=15',
    ...sshOptions({ serverId: target.id }, jump, s.key),
    `${s.user}@${address}`,
  ];
  return { args, where: `server ${target.name} (${address}${jump ? ` through ${fip}` : ''})` };
}

/** The remote command: the project's running container of service, found by berth's labels. */
export function remoteCommand(project: string, service: string, script: string): string {
  const filters = `--filter ${sq(`label=${LABEL.project}=${project}`)} --filter ${sq(`label=${LABEL.service}=${service}`)}`;
  const inner = `c=$(docker ps -q ${filters}); [ -n "$c" ] || { echo "no running ${service} container" >&2; exit 3; }; exec docker exec -i "$c" sh -c ${sq(script)}`;
  return `if [ "$(id -u)" = 0 ]; then sh -c ${sq(inner)}; else sudo -n sh -c ${sq(inner)}; fi`;
}

export async function sshDbsChannel(os: OpenStack, id: string, project: string, service: string, s: SshSettings): Promise<DbsChannel> {
  const { args, where } = await sshArgsFor(os, id, service, s);
  return { where, run: (script, o) => runSsh([...args, remoteCommand(project, service, script)], o ?? {}) };
}

function runSsh(args: string[], o: RunOptions): Promise<RunResult> {
  const child = spawn('ssh', args, { stdio: [o.input ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
  const out = new TextSink();
  const err = new TextSink();
  child.stdout!.pipe(o.output ?? out, { end: false });
  child.stderr!.pipe(err);
  if (o.input) createReadStream(o.input).pipe(child.stdin!);
  return new Promise((resolve, reject) => {
    child.on('error', (err) => reject(new TargetError(`ssh: ${err.message}`, 'install an OpenSSH client')));
    child.on('close', (code) => {
      const stderr = err.text();
      // 255: ssh itself failed (unreachable, key refused): say so, not "the script failed".
      resolve({ code: code ?? -1, stdout: out.text(), stderr: code === 255 ? `ssh: ${stderr.trim().split('\n').pop() ?? 'connection failed'}` : stderr });
    });
  });
}
