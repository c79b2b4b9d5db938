// Where `up --target openstack` spends its seconds: per server it booted, when each phase began
// and ended, in seconds since `up` began. berth's side (its API calls, create to ACTIVE, the page
// answering) is timed here, on this machine's clock; the guest's side (first console line, NICs,
// Docker, pulls, containers healthy) comes from the user-data's console lines, each of which
// carries its epoch time (userdata/prelude.ts), on the guest's clock. A cloud's guests keep NTP
// time; the sandbox's LXC guests share this machine's clock.
//
// Each server's phases form a tree (a phase lies within its parent):
//   up         from the start of `up` until the page answers and the server's user-data is done
//     api      berth's API work until Nova accepted this server's create (reads, networks, ports, ...)
//     active   create sent to ACTIVE (as polled)
//     console  create sent to the user-data's first line (boot, cloud-init)
//     userdata the user-data's first line to its last (`stack ... is up`)
//       nics     its network interfaces configured
//       engine   the Docker Engine answering
//       volume   its block-storage volumes attached and mounted (servers with volumes only)
//       pull     the images pulled (bytes: their size, 0 for one already there); one `image` phase each
//       healthy  the first container started to the last one healthy; one `container` phase each
//     page     berth polling the entry's /readyz until it answers (the same for every server)
import type { Booted } from './apply-servers.js';
import { META } from './names.js';

export interface Phase {
  name: string;
  parent?: string;
  /** Seconds since `up` began. */
  begin: number;
  end: number;
  seconds: number;
  /** The image or container an `image` or `container` phase is about. */
  of?: string;
  /** Size of the images pulled (`pull`, `image`). */
  bytes?: number;
}

export interface ServerPhases {
  server: string;
  tier: string;
  phases: Phase[];
}

export interface PhaseReport {
  /** When `up` began (ISO 8601). */
  started: string;
  seconds: number;
  /** berth's own steps, stack-wide, in order (read, networks, ports, servers, floating IP, page, ...). */
  steps: Phase[];
  servers: ServerPhases[];
}

/** A user-data line as the console shows it: `<ISO time> <epoch s.ms> berth: <text>`. */
interface GuestLine {
  at: number;
  text: string;
}

interface ServerTimes {
  name: string;
  tier: string;
  createSent: number;
  created: number;
  active?: number;
  guest: GuestLine[];
}

const STAMPED = /(\d{9,11})\.(\d{3}) berth: (.*)$/;

/** The complete user-data lines of a console (its last line may still be being written). */
export function guestLines(console: string): GuestLine[] {
  const lines = console.split('\n');
  if (!console.endsWith('\n')) lines.pop();
  return lines.flatMap((l) => {
    const m = STAMPED.exec(l);
    return m ? [{ at: Number(m[1]) * 1000 + Number(m[2]), text: m[3]! }] : [];
  });
}

/** Collects the times of one `up` as it goes (epoch ms), then makes the report. */
export class PhaseClock {
  private readonly servers = new Map<string, ServerTimes>();
  private readonly steps: { name: string; begin: number; end: number }[] = [];
  private page?: { begin: number; end?: number };

  constructor(readonly t0 = Date.now()) {}

  /** Times one of berth's stack-wide steps. */
  async step<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const begin = Date.now();
    try {
      return await fn();
    } finally {
      this.steps.push({ name, begin, end: Date.now() });
    }
  }

  created(b: Booted, sent: number): void {
    this.servers.set(b.server.name, { name: b.server.name, tier: b.server.metadata[META.tier] ?? '?', createSent: sent, created: Date.now(), guest: [] });
  }

  active(b: Booted): void {
    const s = this.servers.get(b.server.name);
    if (s) s.active = Date.now();
  }

  console(b: Booted, text: string): void {
    const s = this.servers.get(b.server.name);
    if (s && text) s.guest = guestLines(text);
  }

  pageBegin(): void {
    this.page = { begin: Date.now() };
  }

  pageAnswered(): void {
    if (this.page) this.page.end = Date.now();
  }

  report(): PhaseReport {
    const rel = (ms: number) => Math.round(ms - this.t0) / 1000;
    const span = (name: string, begin: number, end: number, extra: Partial<Phase> = {}): Phase => ({
      name,
      ...extra,
      begin: rel(begin),
      end: rel(end),
      seconds: Math.round(end - begin) / 1000,
    });
    const page = this.page?.end !== undefined ? { begin: this.page.begin, end: this.page.end } : undefined;
    const servers = [...this.servers.values()].map((s) => ({ server: s.name, tier: s.tier, phases: serverPhases(s, this.t0, page, span) }));
    const steps = this.steps.map((x) => span(x.name, x.begin, x.end));
    return { started: new Date(this.t0).toISOString(), seconds: rel(Date.now()), steps, servers };
  }
}

type Span = (name: string, begin: number, end: number, extra?: Partial<Phase>) => Phase;

function serverPhases(s: ServerTimes, t0: number, page: { begin: number; end: number } | undefined, span: Span): Phase[] {
  const inUp = { parent: 'up' };
  const out: Phase[] = [span('api', t0, s.created, inUp)];
  if (s.active !== undefined) out.push(span('active', s.createSent, s.active, inUp));
  out.push(...guestPhases(s, span));
  if (page) out.push(span('page', page.begin, page.end, inUp));
  const end = Math.max(s.created, s.active ?? 0, page?.end ?? 0, ...s.guest.map((g) => g.at));
  return [span('up', t0, end), ...out];
}

const at = (lines: GuestLine[], re: RegExp) => lines.find((l) => re.test(l.text))?.at;
const NIC = /^\S+ \([0-9a-f]{2}(:[0-9a-f]{2}){5}\): /;

/** The guest's phases, from its user-data lines (a phase whose lines are not there is left out). */
function guestPhases(s: ServerTimes, span: Span): Phase[] {
  const g = s.guest;
  const start = at(g, /^user-data started$/);
  if (start === undefined) return [];
  const out: Phase[] = [span('console', s.createSent, start, { parent: 'up' })];
  const done = at(g, /^stack \S+ is up/);
  if (done !== undefined) out.push(span('userdata', start, done, { parent: 'up' }));
  const inUd = { parent: 'userdata' };
  const nics = g.filter((l) => NIC.test(l.text)).at(-1)?.at;
  if (nics !== undefined) out.push(span('nics', start, nics, inUd));
  const engine = at(g, /^Docker Engine answers$/);
  if (engine !== undefined) out.push(span('engine', nics ?? start, engine, inUd));
  const volumes = pairs(g, /^waiting for volume (\S+)$/, /^volume (\S+) is mounted on /);
  if (volumes.length) out.push(span('volume', min(volumes, 'begin'), max(volumes, 'end'), inUd));
  out.push(...pullPhases(g, span), ...healthPhases(g, span));
  return out;
}

interface Pair {
  of: string;
  begin: number;
  end: number;
  bytes?: number;
}
const min = (p: Pair[], k: 'begin' | 'end') => Math.min(...p.map((x) => x[k]));
const max = (p: Pair[], k: 'begin' | 'end') => Math.max(...p.map((x) => x[k]));

/** Lines that open and close something named by their first group (matched by name). */
function pairs(g: GuestLine[], open: RegExp, close: RegExp, same = (a: string, b: string) => a === b): Pair[] {
  const opened = new Map<string, number>();
  const out: Pair[] = [];
  for (const l of g) {
    const o = open.exec(l.text);
    if (o) opened.set(o[1]!, l.at);
    const c = close.exec(l.text);
    const key = c ? [...opened.keys()].find((k) => same(k, c[1]!)) : undefined;
    if (c && key !== undefined) {
      out.push({ of: c[1]!, begin: opened.get(key)!, end: l.at });
      opened.delete(key);
    }
  }
  return out;
}

function pullPhases(g: GuestLine[], span: Span): Phase[] {
  const images: Pair[] = [];
  const begins = new Map<string, number>();
  for (const l of g) {
    const pulling = /^pulling (\S+)$/.exec(l.text);
    if (pulling) begins.set(pulling[1]!, l.at);
    const got = /^(?:pulled (\S+)|image (\S+) is here) \((\d+) bytes\)$/.exec(l.text);
    const image = got?.[1] ?? got?.[2];
    // An image already there was not pulled: 0 bytes. Each image once (pull_all, then each service's ensure_image).
    if (got && image && !images.some((i) => i.of === image))
      images.push({ of: image, begin: begins.get(image) ?? l.at, end: l.at, bytes: got[1] ? Number(got[3]) : 0 });
  }
  if (!images.length) return [];
  const bytes = images.reduce((n, i) => n + (i.bytes ?? 0), 0);
  return [
    span('pull', min(images, 'begin'), max(images, 'end'), { parent: 'userdata', bytes }),
    ...images.map((i) => span('image', i.begin, i.end, { parent: 'pull', of: i.of, bytes: i.bytes ?? 0 })),
  ];
}

function healthPhases(g: GuestLine[], span: Span): Phase[] {
  // `starting <service>` ... `<prefix><service> is healthy`: the container's name ends with the service's.
  const containers = pairs(g, /^starting (\S+)$/, /^(\S+) is (?:healthy|running)$/, (svc, name) => name === svc || name.endsWith(`-${svc}`));
  if (!containers.length) return [];
  return [
    span('healthy', min(containers, 'begin'), max(containers, 'end'), { parent: 'userdata' }),
    ...containers.map((c) => span('container', c.begin, c.end, { parent: 'healthy', of: c.of })),
  ];
}

/** The report as a table for -v: a row per phase, a column per server (begin–end, seconds since up began). */
export function renderPhases(r: PhaseReport): string {
  const out = [`phases (seconds since up began at ${r.started}; begin-end):`];
  out.push(`  berth's steps: ${r.steps.map((s) => `${s.name} ${s.seconds.toFixed(1)}`).join(', ')}`);
  if (!r.servers.length) return `${out.join('\n')}\n`;
  const rows: { label: string; key: (p: Phase) => boolean }[] = [];
  const depth = (p: Phase): number => (p.parent === undefined ? 0 : p.parent === 'up' ? 1 : p.parent === 'userdata' ? 2 : 3);
  for (const s of r.servers)
    for (const p of s.phases) {
      const label = `${'  '.repeat(depth(p))}${p.name}${p.of ? ` ${p.of.replace(/^.*\//, '')}` : ''}`;
      if (!rows.some((x) => x.label === label)) rows.push({ label, key: (q) => q.name === p.name && q.of === p.of });
    }
  const width = Math.max(...rows.map((x) => x.label.length)) + 2;
  const cell = (p?: Phase) => (p ? `${p.begin.toFixed(1)}-${p.end.toFixed(1)}${p.bytes ? ` ${Math.round(p.bytes / 1e6)}MB` : ''}` : '').padEnd(18);
  out.push(`  ${''.padEnd(width)}${r.servers.map((s) => s.tier.padEnd(18)).join('')}`);
  for (const row of rows) out.push(`  ${row.label.padEnd(width)}${r.servers.map((s) => cell(s.phases.find(row.key))).join('')}`.trimEnd());
  return `${out.join('\n')}\n`;
}
