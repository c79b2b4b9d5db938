// The command lines of this host's processes, read while something runs: where a test shows that a
// secret was on no command line (ssh's, docker's, the containers' processes included).
import { readdirSync, readFileSync } from 'node:fs';

/** Every process command line on this host, sampled every 5 ms while fn runs. */
export async function commandLinesDuring<T>(fn: () => Promise<T>): Promise<{ result: T; lines: Set<string> }> {
  const lines = new Set<string>();
  let running = true;
  const sample = async () => {
    while (running) {
      for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
        try {
          lines.add(readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' '));
        } catch {
          /* gone */
        }
      }
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  const sampling = sample();
  try {
    return { result: await fn(), lines };
  } finally {
    running = false;
    await sampling;
  }
}
