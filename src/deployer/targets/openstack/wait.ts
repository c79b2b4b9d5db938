// After the servers are ACTIVE: follow each new server's console log (what `watch nova
// console-log` showed in the original) and poll the entry's URL until the board answers /readyz.
// A VM whose user-data fails, or never runs (an image without cloud-init, or a guest cloud-init
// found no metadata for), is reported with the console's last lines instead of a silent timeout.
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { isNotFound, type OpenStack } from '../../openstack/index.js';
import { TargetError } from '../shared/errors.js';
import type { Progress } from '../shared/progress.js';
import type { Booted } from './apply-servers.js';
import { META } from './names.js';
import type { PhaseClock } from './phases.js';

// What the user-data writes on the console (its log lines, after the console's own prefix),
// read here and by `berth status` (status.ts).
/** A line of the user-data's log. */
export const USERDATA_LINE = / berth: /;
const DONE = / berth: stack \S+ is up/;
const FAILED = / berth: ERROR: /;
/**
 * cloud-init's word that it found no metadata (no DHCP lease or no metadata service answered):
 * it then runs without user-data, so no berth line will ever come.
 */
const NO_METADATA = /Datasource DataSourceNone\b|Used fallback datasource/;
/** A user-data line without the console's prefix: what the user-data said. */
export const userdataText = (line: string) => line.replace(/^.* berth: /, '');
/** A container's state as a user-data line reports it ('starting' when it is being started). */
export function containerState(line: string): { name: string; state: string } | undefined {
  const m = / berth: (\S+) is (healthy|running)$/.exec(line) ?? / berth: starting (\S+)$/.exec(line);
  return m ? { name: m[1]!, state: m[2] ?? 'starting' } : undefined;
}

export interface ReadyOptions {
  timeoutMs: number;
  /** Without a single user-data line on the console for this long, the image is suspected. */
  silentMs?: number;
  /** Given the consoles as they are read (the guest's side of the phases) and the page's answer. */
  clock?: PhaseClock;
}

/**
 * Polls url + /readyz until 200 and follows the booted servers' consoles until every one's
 * user-data is done: `up` is over when the page answers and no server is still at work (a
 * container can answer before Docker's next health probe calls it healthy).
 */
export async function waitReady(os: OpenStack, url: string, booted: Booted[], o: ReadyOptions, progress: Progress): Promise<void> {
  const started = Date.now();
  const consoles = new Consoles(os, booted, o, progress);
  let lastReport = started;
  let answered = false;
  let done = false;
  o.clock?.pageBegin();
  for (let round = 0; ; round++) {
    // The consoles every third round until the page answers (their lines are progress), then every
    // round: what is left to wait for is the last `stack ... is up`.
    if (answered || round % 3 === 0) done = await consoles.poll();
    if (!answered && (await answers(`${url}readyz`, READYZ_TIMEOUT_MS))) {
      answered = true;
      o.clock?.pageAnswered();
    }
    if (answered && done) return;
    if (Date.now() - started > o.timeoutMs)
      throw new TargetError(
        answered
          ? `${consoles.working()} did not finish its user-data within ${Math.round(o.timeoutMs / 1000)} s`
          : `${url}readyz did not answer within ${Math.round(o.timeoutMs / 1000)} s`,
        'see the consoles: berth logs web --target openstack (and app, dbs); berth status --target openstack',
      );
    if (Date.now() - lastReport > 15_000) {
      lastReport = Date.now();
      progress.detail(answered ? `waiting for ${consoles.working()} to finish` : `waiting for ${url}readyz (${Math.round((Date.now() - started) / 1000)} s)`);
    }
    await sleep(POLL_MS);
  }
}

/**
 * A round every second: the page answers within a second of its last container starting, and
 * a round is cheap (one GET; a console read per server still at work, in parallel). A
 * /readyz that has not answered in 3 s is asked again: before the floating IP routes, a connect
 * hangs rather than fails.
 */
const POLL_MS = 1000;
const READYZ_TIMEOUT_MS = 3000;

/** Follows the consoles until every server's user-data says the stack is up. */
export async function followConsoles(os: OpenStack, booted: Booted[], o: ReadyOptions, progress: Progress): Promise<void> {
  const started = Date.now();
  const consoles = new Consoles(os, booted, o, progress);
  while (!(await consoles.poll())) {
    if (Date.now() - started > o.timeoutMs)
      throw new TargetError(
        `the user-data of ${booted.map((b) => b.server.name).join(', ')} did not finish within ${Math.round(o.timeoutMs / 1000)} s`,
        'see the console: berth logs TIER --target openstack',
      );
    await sleep(POLL_MS);
  }
}

/** The consoles of booted servers: new user-data lines shown, a failure or silence reported. */
class Consoles {
  private readonly started = Date.now();
  private readonly seen = new Map<string, number>();
  private readonly done = new Set<string>();

  constructor(
    private readonly os: OpenStack,
    private readonly booted: Booted[],
    private readonly o: ReadyOptions,
    private readonly progress: Progress,
  ) {}

  private readonly missing = new Map<string, number>();

  /**
   * The console so far ('' while it cannot be read). Nova answering 404 for an ACTIVE server's
   * console, again and again, means its compute host lost the instance: waiting cannot help.
   */
  private async console(b: Booted): Promise<string> {
    try {
      const out = await this.os.compute.servers.consoleOutput(b.id);
      this.missing.delete(b.id);
      return out;
    } catch (err) {
      if (!isNotFound(err)) return '';
      const n = (this.missing.get(b.id) ?? 0) + 1;
      this.missing.set(b.id, n);
      if (n >= 3)
        throw new TargetError(
          `${b.server.name} is ACTIVE but its compute host no longer has it (its console answers 404)`,
          "replace it: berth down --target openstack, then berth up again (or ask the cloud's admins about the host)",
        );
      return '';
    }
  }

  /** The servers whose user-data is still at work. */
  working(): string {
    return this.booted
      .filter((x) => !this.done.has(x.id))
      .map((b) => b.server.name)
      .join(', ');
  }

  /** One round; true when every server's user-data has finished. */
  async poll(): Promise<boolean> {
    const working = this.booted.filter((x) => !this.done.has(x.id));
    const texts = await Promise.all(working.map((b) => this.console(b)));
    for (const [i, b] of working.entries()) {
      const text = texts[i]!;
      this.o.clock?.console(b, text);
      const lines = text.split('\n');
      const tier = b.server.metadata[META.tier];
      // The last line may still be being written: it is shown once complete, next round.
      for (const l of lines.slice(this.seen.get(b.id) ?? 0, -1)) if (USERDATA_LINE.test(l)) this.progress.detail(`[${tier}] ${userdataText(l)}`);
      this.seen.set(b.id, Math.max(0, lines.length - 1));
      if (lines.some((l) => FAILED.test(l)))
        throw new TargetError(
          `the user-data of ${b.server.name} failed:\n${lines.slice(-25).join('\n')}`,
          `see the whole console: berth logs ${tier} --target openstack`,
        );
      if (lines.some((l) => DONE.test(l))) this.done.add(b.id);
      const silent = !lines.some((l) => USERDATA_LINE.test(l));
      if (silent && lines.some((l) => NO_METADATA.test(l)))
        throw new TargetError(
          `${b.server.name} booted without its user-data: cloud-init found no metadata (it fell back to DataSourceNone), so nothing of the board runs on it; its console ends:\n${lines.slice(-15).join('\n')}`,
          "the cloud's DHCP or metadata service did not answer the server: its admins can check the Neutron DHCP and metadata agents (openstack network agent list); then replace it: berth down --target openstack, and berth up again (volumes are kept)",
        );
      if (silent && this.o.silentMs !== undefined && Date.now() - this.started > this.o.silentMs) {
        throw new TargetError(
          `${b.server.name} is ACTIVE but its user-data never ran (no berth line on its console after ${Math.round(this.o.silentMs / 1000)} s); its console ends:\n${lines.slice(-15).join('\n')}`,
          'use an image with cloud-init (and Docker), e.g. a Debian cloud image: --image NAME',
        );
      }
    }
    return this.done.size === this.booted.length;
  }
}

export async function answers(url: string, timeoutMs = 6000): Promise<boolean> {
  try {
    const res = await request(url, {
      headersTimeout: Math.min(5000, timeoutMs),
      bodyTimeout: Math.min(5000, timeoutMs),
      signal: AbortSignal.timeout(timeoutMs),
    });
    await res.body.dump();
    return res.statusCode === 200;
  } catch {
    return false;
  }
}
