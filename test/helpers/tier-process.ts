// A tier as a real child process, for tests of signals and exit codes.
import { spawn, type ChildProcess } from 'node:child_process';
import { rawRequest } from './http.js';

export interface TierProcess {
  proc: ChildProcess;
  output(): string;
}

export function startTierProcess(entry: string, env: Record<string, string>): TierProcess {
  const proc = spawn(process.execPath, ['--import', 'tsx', entry], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  return { proc, output: () => out };
}

export const exitCodeOf = (p: ChildProcess) => new Promise<number | null>((r) => (p.exitCode !== null ? r(p.exitCode) : p.once('exit', (c) => r(c))));

/** Resolves when the process has printed a line matching `pattern`. */
export async function untilPrinted(tier: TierProcess, pattern: RegExp): Promise<void> {
  while (!pattern.test(tier.output())) {
    if (tier.proc.exitCode !== null) throw new Error(`exited before printing ${pattern}: ${tier.output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function untilAnswering(url: string, tier: TierProcess): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (tier.proc.exitCode !== null) throw new Error(`exited before listening: ${tier.output()}`);
    try {
      await rawRequest(url);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`${url} never answered`);
}
