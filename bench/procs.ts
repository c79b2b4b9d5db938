// Child processes for the benchmark: every server and the load generator run in their own
// process. Each child is tracked so that it is stopped whatever happens (error, Ctrl-C).
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TSX = ['--import', 'tsx'];
const live = new Set<ChildProcess>();

/** Last resort on exit: nothing this benchmark started outlives it. */
export function killAllNow(): void {
  for (const child of live) child.kill('SIGKILL');
  live.clear();
}

// One free-port helper for the tests and the benchmark.
export { freePort } from '../test/helpers/ports.js';

export interface Server {
  name: string;
  url: string;
  logFile: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts `node [nodeArgs] --import tsx <script>` with its output going to `logFile`. */
export async function startServer(opts: {
  name: string;
  script: string;
  env: Record<string, string>;
  url: string;
  readyPath: string;
  logFile: string;
  nodeArgs?: string[];
}): Promise<Server> {
  const out = fs.openSync(opts.logFile, 'a');
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), ...TSX, path.resolve(ROOT, opts.script)], {
    cwd: ROOT,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', out, out],
  });
  fs.closeSync(out);
  live.add(child);
  let exited: string | undefined;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exited = `exited with ${signal ?? `code ${code}`}`;
      live.delete(child);
      resolve();
    }),
  );
  const server: Server = {
    name: opts.name,
    url: opts.url,
    logFile: opts.logFile,
    child,
    async stop() {
      if (exited) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exit;
      clearTimeout(timer);
    },
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited) throw new Error(`${opts.name} ${exited} before it was ready; log:\n${tail(opts.logFile)}`);
    try {
      const res = await fetch(new URL(opts.readyPath, opts.url), { signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer();
      if (res.ok) return server;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await server.stop();
      throw new Error(`${opts.name} was not ready within 60 s; log:\n${tail(opts.logFile)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** CPU time (user + system) a process has used so far, in µs; NaN where /proc is missing. */
export function cpuMicros(pid: number | undefined): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of /proc/PID/stat, in clock ticks (USER_HZ = 100).
    return (Number(fields[11]) + Number(fields[12])) * 10_000;
  } catch {
    return NaN;
  }
}

export function tail(file: string, lines = 20): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Runs bench/load.ts in its own process and returns what it printed. */
export function runLoad<T>(args: { url: string; connections: number; duration: number }): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...TSX, path.join(ROOT, 'bench/load.ts'), JSON.stringify(args)], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    live.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.once('error', reject);
    child.once('exit', (code) => {
      live.delete(child);
      if (code !== 0) return reject(new Error(`load generator exited with ${code}: ${stderr.trim()}`));
      try {
        resolve(JSON.parse(stdout.trim().split('\n').pop()!) as T);
      } catch {
        reject(new Error(`load generator printed no result: ${stdout}${stderr}`));
      }
    });
  });
}
