// The command line itself, no Docker Engine and no cloud needed: every command refuses bad input
// with one clear line (and a hint), exit status 2 for a command line to fix and 1 for the rest,
// never a stack trace; an option that does not apply to the chosen target is refused; --version;
// and each command's help shows only the options it uses, grouped by target.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ROOT } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'berth-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));
// A clouds.yaml with one cloud, and none of the OS_* variables: nothing can reach a cloud.
const clouds = join(dir, 'clouds.yaml');
writeFileSync(clouds, 'clouds:\n  elsewhere:\n    auth: { auth_url: "http://127.0.0.1:9/v3", username: u, password: p, project_name: x }\n');
const badStack = join(dir, 'bad.yaml');
writeFileSync(badStack, 'berth: 1\nname: x\nservices:\n  a: { image: i, portz: [] }\n');
const env = {
  ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OS_'))),
  OS_CLIENT_CONFIG_FILE: clouds,
  DOCKER_HOST: 'unix:///nonexistent.sock',
};

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}
function berth(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/berth.js', ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** [args, exit status, what the first line says] */
const BAD: [string[], 1 | 2, RegExp][] = [
  [['nosuch'], 2, /unknown command 'nosuch'/],
  [['serve', '--port', 'abc'], 2, /--port <port>' argument 'abc' is invalid\. expected a whole number from 1 to 65535/],
  [['build', '--build-arg', 'NOVALUE'], 2, /--build-arg NOVALUE: expected NAME=VALUE/],
  [['build', '--push'], 2, /--push needs --registry/],
  [['up', '--nosuch'], 2, /unknown option '--nosuch'/],
  [['up', '--target', 'aws'], 2, /argument 'aws' is invalid\. Allowed choices are docker, openstack/],
  [['up', '--layout', 'huge'], 2, /argument 'huge' is invalid/],
  [['up', '--port', '70000'], 2, /expected a whole number from 1 to 65535/],
  [['up', '--ready-timeout', '-1', '--target', 'openstack'], 2, /--ready-timeout <seconds>' argument '-1' is invalid/],
  [['up', '--flavor', 'm1.tiny'], 2, /--flavor does not apply to --target docker \(only to openstack\)/],
  [['up', '--target', 'openstack', '--links'], 2, /--links does not apply to --target openstack \(only to docker\)/],
  [['up', '--target', 'openstack', '--port', '8080'], 2, /--port does not apply to --target openstack/],
  [['up', '--target', 'openstack', '--ssh-cidr', '10.0.0.0/33'], 1, /--ssh-cidr 10\.0\.0\.0\/33: 10\.0\.0\.0\/33 is not an IPv4 CIDR between \/0 and \/32/],
  [['up', '--target', 'openstack', '--ssh-cidr', 'everyone'], 1, /invalid OpenStack settings in flags: sshCidr/],
  [['up', '--target', 'openstack', '--network', 'dmz'], 1, /--network dmz: expected dmz=CIDR/],
  [['up', '--target', 'openstack', '--network', 'dmz=10.0.0.0/30'], 1, /network dmz: 10\.0\.0\.0\/30 is not an IPv4 CIDR between \/8 and \/29/],
  [['up', '--target', 'openstack', '--flavor', 'db=m1.large'], 1, /flavor keys are default, web, app, dbs/],
  [['up', '--target', 'openstack', '--os-config', join(dir, 'none.yaml')], 1, /cannot read .*none\.yaml/],
  [['up', '--target', 'openstack', '--name', 'Bad_Name'], 1, /stack name Bad_Name cannot be part of a cloud name/],
  [['up', '--name', 'Bad Name'], 1, /deployment name "Bad Name" must be lower-case letters/],
  [['up', '--stack', badStack], 1, /invalid stack spec: services\.a: Unrecognized key: "portz"$/],
  [['up', '--target', 'openstack', '--cloud', 'nowhere'], 1, /nowhere/],
  [['down', '--all'], 2, /--all does not apply to --target docker \(only to openstack\)/],
  [['down', '--target', 'docker', '--cloud', 'x'], 2, /--cloud does not apply to --target docker/],
  [['down', '--image', 'x'], 2, /unknown option '--image'/],
  [['status', '--stack', join(dir, 'none.yaml')], 1, /cannot read stack file .*none\.yaml: ENOENT/],
  [['status', '--flavor', 'x'], 2, /unknown option '--flavor'/],
  [['logs'], 2, /missing required argument 'service'/],
  [['logs', 'web', '--target', 'openstack', '--tail', '5'], 2, /--tail does not apply to --target openstack \(only to docker\)/],
  [['logs', 'web', '--tail', 'many'], 2, /--tail <n>' argument 'many' is invalid/],
  [['userdata', '--layout', 'tiered'], 2, /argument 'tiered' is invalid/],
  [['userdata', '--registry-ca', '/etc/hostname'], 1, /--registry-ca needs --registry/],
  [['userdata', '--registry', 'r:5000', '--registry-ca', join(dir, 'none.pem')], 1, /cannot read the registry CA .*none\.pem: ENOENT/],
  [['userdata', '--registry', 'r:5000', '--registry-ca', clouds], 1, /is not a PEM certificate/],
  [['userdata', '--target', 'openstack'], 2, /unknown option '--target'/],
  [['cloud', 'check', '--cloud', 'nowhere'], 1, /nowhere/],
  [['cloud', 'check', '--image', ''], 1, /invalid OpenStack settings in flags: image/],
  [['cloud', 'nosuch'], 2, /unknown command 'nosuch'/],
  [['plan', '--target', 'docker'], 2, /argument 'docker' is invalid\. Allowed choices are openstack/],
  [['plan', '--ssh-cidr', '1.2.3.4/99'], 1, /--ssh-cidr 1\.2\.3\.4\/99: .* between \/0 and \/32/],
  [['inventory', '--name', 'Bad_Name'], 1, /stack name Bad_Name cannot be part of a cloud name/],
  [['inventory', '--tail', '3'], 2, /unknown option '--tail'/],
];

/** Runs the cases a few at a time (each is a Node process). */
async function runAll<T>(items: T[], fn: (x: T) => Promise<void>, width = 3): Promise<void> {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: width }, async () => {
      for (let x = queue.shift(); x !== undefined; x = queue.shift()) await fn(x);
    }),
  );
}

describe('berth on bad input', () => {
  it('every command answers with one line (and a hint), exit status 2 for usage and 1 for the rest, never a stack trace', async () => {
    const commands = new Set(BAD.map(([a]) => (a[0] === 'cloud' ? 'cloud check' : a[0])));
    assert.deepEqual(
      [...commands].sort(),
      ['build', 'cloud check', 'down', 'inventory', 'logs', 'nosuch', 'plan', 'serve', 'status', 'up', 'userdata'],
      'every command is tried',
    );
    const failures: string[] = [];
    await runAll(BAD, async ([args, code, first]) => {
      const r = await berth(args);
      const lines = r.stderr.trimEnd().split('\n');
      const problems = [
        r.code !== code && `exit status ${r.code}, not ${code}`,
        !/^berth: /.test(lines[0] ?? '') && 'the first line does not start with "berth: "',
        !first.test(lines[0] ?? '') && `the first line does not say ${first}`,
        // commander may add its guess of what was meant on a line of its own.
        lines.filter((l) => !/^\(Did you mean .*\?\)$/.test(l)).length > 2 && `${lines.length} lines, not one and a hint`,
        lines.length > 1 && !/^hint: /.test(lines.at(-1)!) && 'the last line is not a hint',
        /^\s+at |\b(Range|Type|Reference|Syntax)Error\b|node:internal/m.test(r.stderr) && 'a stack trace or a JavaScript error',
        r.stdout !== '' && 'something on stdout',
      ].filter(Boolean);
      if (problems.length) failures.push(`berth ${args.join(' ')}: ${problems.join('; ')}\n${r.stderr}`);
    });
    assert.deepEqual(failures, []);
  });

  it('a source CIDR of any length from /0 to /32 is taken, and --ssh-cidr is repeatable (here: no cloud to go on to)', async () => {
    const r = await berth(['up', '--target', 'openstack', '--ssh-cidr', '0.0.0.0/0', '--ssh-cidr', '203.0.113.7/32', '--ssh-cidr', '8.0.0.0/5']);
    assert.equal(r.code, 1);
    // It gets past the inputs: the next thing it needs is a cloud.
    assert.match(r.stderr, /^berth: .*(cloud|OS_)/);
    assert.doesNotMatch(r.stderr, /RangeError|^\s+at /m);
  });

  it('an unexpected failure is one line too, its stack only with BERTH_DEBUG=1', async () => {
    // No input is known to cause one (that is the point), so a child runs the CLI (cloud check, busy
    // with a cloud that refuses connections) and throws an error of no known kind meanwhile.
    const script = [
      "process.argv = [process.argv[0], 'berth', 'cloud', 'check', '--cloud', 'elsewhere'];",
      "const t = setInterval(() => { if (process.listenerCount('uncaughtException')) { clearInterval(t); throw new TypeError('boom'); } }, 10);",
      "await import('./src/cli/berth.ts');",
    ].join('\n');
    const run = (extra: Record<string, string>) =>
      new Promise<Run>((resolve) => {
        const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
          cwd: ROOT,
          env: { ...env, ...extra },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.on('close', (code) => resolve({ code, stdout, stderr }));
      });
    const r = await run({});
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr,
      'berth: unexpected error: TypeError: boom\nhint: this is a bug in berth: please report it (BERTH_DEBUG=1 shows where it happened)\n',
    );
    const debug = await run({ BERTH_DEBUG: '1' });
    assert.match(debug.stderr, /^TypeError: boom\n\s+at /);
  });
});

describe('berth --version, and help that fits each command', () => {
  it('prints the version of package.json and the git revision', async () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) {
      const r = await berth([flag]);
      assert.equal(r.code, 0);
      assert.match(r.stdout, new RegExp(`^berth ${pkg.version.replaceAll('.', '\\.')} \\([0-9a-f]{12}\\)\\n$`));
    }
  });

  it('each command shows only its options, grouped by target', async () => {
    const help = async (cmd: string[]) => (await berth([...cmd, '--help'])).stdout;
    const up = await help(['up']);
    assert.match(up, /\nDocker target:\n {2}--links[\s\S]*\nOpenStack target:\n {2}--cloud/);
    for (const o of ['--name', '--prefix', '--target', '--layout', '--registry-ca', '--ssh-cidr', '--bind']) assert.ok(up.includes(`  ${o} `), `up shows ${o}`);
    assert.ok(!up.includes('--project'), 'the old spelling --project is accepted but not shown');
    assert.match(
      up,
      /\nData \(steps that delete posts\):\n {2}--allow-data-loss[\s\S]*--backup-before[\s\S]*\nHelp:\n {2}-h, --help +display help for command\n$/,
    );
    assert.doesNotMatch(up, /^Options:/m, 'every option is under a heading that says what it is for');
    const down = await help(['down']);
    for (const o of ['--flavor', '--image', '--key-name', '--ssh-cidr', '--tail', '--registry']) assert.ok(!down.includes(o), `down does not show ${o}`);
    const logs = await help(['logs']);
    assert.match(logs, /Docker target:\n {2}--tail/);
    assert.ok(!logs.includes('--image'), 'logs does not show --image');
    // --bind: one rule, from one place (DEFAULT_BIND), said in both helps.
    assert.match(up, /--bind <address> +host address the entry port is published on\s+\(default: 127\.0\.0\.1\)/);
    assert.match(await help(['userdata']), /--bind <address> +host address the entry port is published on\s+\(default: 0\.0\.0\.0, all of the VM's\)/);
    for (const cmd of ['plan', 'inventory', 'userdata']) assert.doesNotMatch(await help([cmd]), /^ {2}--target /m, `${cmd} has no --target to choose`);
  });
});
