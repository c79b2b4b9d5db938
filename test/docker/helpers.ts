// Shared by the docker suite: run the CLI, free ports, the engine, cleanup by label, the browser.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import Docker from 'dockerode';
export { freePort } from '../helpers/ports.js';
import { demuxToText } from '../../src/deployer/targets/docker/health.js';
import { readFiles } from '../../src/deployer/targets/docker/volume-files.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const docker = new Docker({ socketPath: '/var/run/docker.sock' });
export const PROJECT_LABEL = 'io.berth.project';

/**
 * The board's images the suite runs: berth/<service>:latest, or a variant built with
 * `berth build --repo R --tag T` when BERTH_TEST_IMAGES=R:T (to try images out on a shared engine
 * without retagging the standard ones). `up` and `userdata` get --repo/--tag unless a test gives them.
 */
const [TEST_REPO, TEST_TAG] = (process.env.BERTH_TEST_IMAGES ?? 'berth:latest').split(':') as [string, string];
export const boardImage = (service: string) => `${TEST_REPO}/${service}:${TEST_TAG}`;
function withImages(args: string[]): string[] {
  if (!process.env.BERTH_TEST_IMAGES || !['up', 'userdata'].includes(args[0]!) || args.includes('--repo') || args.includes('--tag')) return args;
  return [args[0]!, '--repo', TEST_REPO, '--tag', TEST_TAG, ...args.slice(1)];
}

export function berth(args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['bin/berth.js', ...withImages(args)], { cwd: ROOT, encoding: 'utf8', timeout: 600_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** The CLI running in the background: wait for what it prints (stdout or stderr), then for its end. */
export function berthInBackground(args: string[]) {
  const child = spawn(process.execPath, ['bin/berth.js', ...withImages(args)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const waiters: { re: RegExp; resolve: () => void }[] = [];
  const check = () => {
    for (const w of waiters.filter((x) => x.re.test(stdout + stderr))) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
  };
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
    check();
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
    check();
  });
  const done = new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr })),
  );
  /** Resolves when its output matches; rejects if the command ends first. */
  const waitFor = (re: RegExp) =>
    re.test(stdout + stderr)
      ? Promise.resolve()
      : Promise.race([
          new Promise<void>((resolve) => waiters.push({ re, resolve })),
          done.then((r) => {
            throw new Error(`berth ${args[0]} ended (${r.code}) before printing ${re}:\n${r.stderr}`);
          }),
        ]);
  return { waitFor, done };
}

/** Runs a command in a container (as user, if given); its exit code and output. */
export async function execIn(container: string, cmd: string[], user?: string): Promise<{ code: number; out: string }> {
  const exec = await docker.getContainer(container).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true, ...(user ? { User: user } : {}) });
  const stream = await exec.start({});
  const chunks: Buffer[] = [];
  await new Promise((r) => {
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', r);
  });
  return { code: (await exec.inspect()).ExitCode ?? -1, out: demuxToText(Buffer.concat(chunks)) };
}

/** What identifies a project's objects: container ids and start times, network ids, volume creation times. */
export async function snapshot(project: string) {
  const filters = { label: [`${PROJECT_LABEL}=${project}`] };
  const containers: Record<string, { id: string; startedAt: string; running: boolean }> = {};
  for (const c of await docker.listContainers({ all: true, filters })) {
    const info = await docker.getContainer(c.Id).inspect();
    containers[info.Name] = { id: info.Id, startedAt: info.State.StartedAt, running: info.State.Running };
  }
  const networks = Object.fromEntries((await docker.listNetworks({ filters })).map((n) => [n.Name, n.Id]));
  const volumes = Object.fromEntries(((await docker.listVolumes({ filters })).Volumes ?? []).map((v) => [v.Name, (v as { CreatedAt?: string }).CreatedAt]));
  return { containers, networks, volumes };
}

/** The database password: a read-only file that only the user each service runs as can read, and
 *  nowhere in what `docker inspect` shows of the project's containers, networks and volumes. */
export async function checkSecretFiles(project: string): Promise<string> {
  const names = { dbs: `${project}-dbs`, app: `${project}-app`, web: `${project}-web` };
  const password = (await execIn(names.dbs, ['cat', '/run/secrets/db-password'])).out;
  assert.match(password, /^[A-Za-z0-9]{24}$/);
  const filters = { label: [`${PROJECT_LABEL}=${project}`] };
  const inspected = [
    ...(await Promise.all((await docker.listContainers({ all: true, filters })).map((c) => docker.getContainer(c.Id).inspect()))),
    ...(await Promise.all((await docker.listNetworks({ filters })).map((n) => docker.getNetwork(n.Id).inspect()))),
    ...(await Promise.all(((await docker.listVolumes({ filters })).Volumes ?? []).map((v) => docker.getVolume(v.Name).inspect()))),
  ];
  assert.equal(inspected.length >= 3 + 1, true, 'containers and volumes inspected');
  for (const info of inspected)
    assert.equal(JSON.stringify(info).includes(password), false, `the password is in docker inspect of ${(info as { Name: string }).Name}`);

  for (const [svc, owner] of [
    ['dbs', '0'],
    ['app', '10001'],
  ] as const) {
    const name = names[svc];
    // A volume at /run/secrets (berth up) or the file itself (user-data: a bind mount).
    const mount = (await docker.getContainer(name).inspect()).Mounts.find((m) => m.Destination.startsWith('/run/secrets'));
    assert.equal(mount?.RW, false, `${svc}: /run/secrets is mounted read-only`);
    // Mode and owner from the Engine's archive of the file, and reads through sh: the node images
    // have no stat or cat (FROM scratch: node, sh and id only).
    const file = (await readFiles(docker.getContainer(name), '/run/secrets/db-password')).get('db-password');
    assert.equal(`${file?.mode.toString(8)} ${file?.uid}`, `400 ${owner}`, `${svc}: mode 0400, owned by the service's user`);
    const other = await execIn(name, ['sh', '-c', 'read -r x </run/secrets/db-password'], '4242');
    assert.notEqual(other.code, 0, `${svc}: another user cannot read it`);
    assert.match(other.out, /Permission denied/);
    const write = await execIn(name, ['sh', '-c', 'echo x >/run/secrets/db-password'], '0');
    assert.match(write.out, /Read-only file system/, `${svc}: not even root in the container can change it`);
  }
  const web = (await docker.getContainer(names.web).inspect()).Mounts;
  assert.deepEqual(
    web.filter((m) => m.Destination.startsWith('/run/secrets')),
    [],
    'web is given no secret',
  );
  return password;
}

/** Waits until a container's health status is the one given (polling its state). */
export async function waitHealth(name: string, status: string, limitMs = 120_000): Promise<void> {
  const until = Date.now() + limitMs;
  while ((await docker.getContainer(name).inspect()).State.Health?.Status !== status) {
    if (Date.now() > until) throw new Error(`${name} not ${status} within ${limitMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

/** Everything carrying the project's label (what `down` must leave empty). */
export async function labelled(project: string) {
  const filters = { label: [`${PROJECT_LABEL}=${project}`] };
  const containers = await docker.listContainers({ all: true, filters });
  const networks = await docker.listNetworks({ filters });
  const volumes = (await docker.listVolumes({ filters })).Volumes ?? [];
  return { containers: containers.length, networks: networks.length, volumes: volumes.length };
}

/** Removes whatever a test left with the project's label, even after a failure. */
export async function purge(project: string): Promise<void> {
  const filters = { label: [`${PROJECT_LABEL}=${project}`] };
  for (const c of await docker.listContainers({ all: true, filters })) await docker.getContainer(c.Id).remove({ force: true });
  for (const n of await docker.listNetworks({ filters })) await docker.getNetwork(n.Id).remove();
  for (const v of (await docker.listVolumes({ filters })).Volumes ?? []) await docker.getVolume(v.Name).remove();
}

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Posts through the page (text input, Enter), returns the first row's text after reload. */
export async function postWithBrowser(url: string, text: string): Promise<string[]> {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS, headless: true });
  try {
    const page = await browser.newPage();
    await page.goto(url);
    await page.fill('#text', text);
    await Promise.all([page.waitForNavigation(), page.press('#text', 'Enter')]);
    return await page.$$eval('table.contents tr', (rows) => rows.map((r) => r.querySelectorAll('td')[1]?.textContent?.trim() ?? ''));
  } finally {
    await browser.close();
  }
}

/** Texts of the posts on the page (newest first), fetched without a browser. */
export async function postsOnPage(url: string): Promise<string[]> {
  const html = await (await fetch(url)).text();
  return [...html.matchAll(/<tr[^>]*>\s*<td[^>]*>[^<]*<\/td>\s*<td[^>]*>([^<]*)<\/td>/g)].map((m) => m[1]!.trim());
}

/** Posts through the page's form without a browser. */
export async function postWithForm(url: string, text: string): Promise<void> {
  const res = await fetch(url, { method: 'POST', body: new URLSearchParams({ text }), redirect: 'manual' });
  if (res.status >= 400) throw new Error(`posting failed: HTTP ${res.status}`);
}

/** Waits until a container is healthy; when it is not, the error shows its last check and log lines. */
export async function waitHealthy(name: string, limitMs = 180_000): Promise<void> {
  const until = Date.now() + limitMs;
  for (;;) {
    const info = await docker.getContainer(name).inspect();
    if (info.State.Health?.Status === 'healthy') return;
    const why = !info.State.Running
      ? `stopped (exit code ${info.State.ExitCode})`
      : Date.now() > until
        ? `not healthy in ${limitMs / 1000} s (${info.State.Health?.Status ?? 'no health check'})`
        : undefined;
    if (why) {
      const check = info.State.Health?.Log?.at(-1)?.Output?.trim() || 'none';
      throw new Error(`${name} ${why}; last check: ${check}\n${await logTail(name)}`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** The last lines of a container's log (with or without a TTY). */
export async function logTail(name: string, lines = 20): Promise<string> {
  const c = docker.getContainer(name);
  const tty = (await c.inspect()).Config.Tty;
  const buf = (await c.logs({ stdout: true, stderr: true, tail: lines })) as unknown as Buffer;
  return (tty ? buf.toString('utf8') : demuxToText(buf))
    .trim()
    .split('\n')
    .map((l) => `  | ${l}`)
    .join('\n');
}

/** Restarts a container (clean stop: must exit 0) and waits until it is healthy again. */
export async function restartAndWait(name: string): Promise<number> {
  const c = docker.getContainer(name);
  await c.stop({ t: 20 });
  const code = (await c.inspect()).State.ExitCode;
  await c.start();
  await waitHealthy(name);
  return code;
}
