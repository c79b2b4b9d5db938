// A small HTTP proxy in front of one real sandbox service, for what the sandbox cannot produce on
// demand: 429 with Retry-After, 503, a reset connection, a hung endpoint, a real answer edited
// (a server shown in ERROR), a request carried out late (after its client was killed). Every
// request not matched by a queued fault is passed through to the real service unchanged. It also
// counts what it forwards (mutating calls: POST/PUT/PATCH/DELETE) and tells a listener about each
// answer (a test kills a client right after a given call).
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Fault =
  | { kind: 'status'; status: number; headers?: Record<string, string>; body?: unknown }
  | { kind: 'reset' }
  | { kind: 'hang' }
  /**
   * Held, then forwarded after `ms` even if the client has gone meanwhile: the cloud carrying out
   * a request whose client was killed, after the client's next run has already read it.
   */
  | { kind: 'late'; ms: number }
  /** Forwarded, and the real JSON answer edited before the client sees it. */
  | { kind: 'rewrite'; edit: (body: unknown) => unknown };

export const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

interface Rule {
  method?: string;
  path: RegExp;
  fault: Fault;
  times: number;
}

export class FaultProxy {
  /** Every request seen, in order: "METHOD /path?query". */
  readonly seen: string[] = [];
  private readonly rules: Rule[] = [];
  private readonly hung = new Set<ServerResponse>();
  private readonly late = new Set<NodeJS.Timeout>();
  private server?: Server;
  /** Called when an answer (forwarded or injected) has been sent: method, url, status. */
  onAnswer?: (method: string, url: string, status: number) => void;
  /** Called when a request of a 'late' fault has been read whole and is being held. */
  onHeld?: (method: string, url: string) => void;

  constructor(private readonly target: { host: string; port: number }) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** The next `times` requests matching method and path get the fault instead of an answer. */
  inject(path: RegExp, fault: Fault, times = 1, method?: string): void {
    this.rules.push({ path, fault, times, method });
  }

  clear(): void {
    this.rules.length = 0;
    this.seen.length = 0;
  }

  /** Requests that could change something (POST/PUT/PATCH/DELETE), as "METHOD /path". */
  mutations(): string[] {
    return this.seen.filter((s) => MUTATING.has(s.split(' ')[0]!));
  }

  count(method: string, path: RegExp): number {
    return this.seen.filter((s) => s.startsWith(`${method} `) && path.test(s.slice(method.length + 1))).length;
  }

  async stop(): Promise<void> {
    for (const res of this.hung) res.socket?.destroy();
    for (const t of this.late) clearTimeout(t);
    this.server?.closeAllConnections();
    await new Promise<void>((r) => this.server?.close(() => r()) ?? r());
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? '/';
    this.seen.push(`${req.method} ${url}`);
    const rule = this.rules.find((r) => r.times > 0 && r.path.test(url) && (!r.method || r.method === req.method));
    if (!rule) return this.forward(req, res);
    rule.times--;
    if (rule.fault.kind === 'rewrite') return this.forward(req, res, rule.fault.edit);
    if (rule.fault.kind === 'late') return this.forwardLate(req, res, rule.fault.ms);
    req.resume();
    const f = rule.fault;
    if (f.kind === 'reset') return void req.socket.destroy();
    if (f.kind === 'hang') return void this.hung.add(res);
    const body = typeof f.body === 'string' ? f.body : JSON.stringify(f.body ?? {});
    res.writeHead(f.status, {
      'content-type': typeof f.body === 'string' ? 'text/plain' : 'application/json',
      'x-openstack-request-id': 'req-injected-by-proxy',
      ...f.headers,
    });
    res.end(body, () => this.onAnswer?.(req.method ?? '', url, f.status));
  }

  /** The whole request read now, sent on to the service `ms` later whatever the client did. */
  private forwardLate(req: IncomingMessage, res: ServerResponse, ms: number): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const t = setTimeout(() => {
        this.late.delete(t);
        this.forward(req, res, undefined, Buffer.concat(chunks));
      }, ms);
      this.late.add(t);
      this.onHeld?.(req.method ?? '', req.url ?? '/');
    });
  }

  private forward(req: IncomingMessage, res: ServerResponse, edit?: (body: unknown) => unknown, body?: Buffer): void {
    const up = request(
      {
        host: this.target.host,
        port: this.target.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: `${this.target.host}:${this.target.port}` },
      },
      (upRes) => {
        const status = upRes.statusCode ?? 502;
        if (res.destroyed) return void upRes.resume();
        res.on('finish', () => this.onAnswer?.(req.method ?? '', req.url ?? '/', status));
        if (!edit) {
          res.writeHead(status, upRes.headers);
          return void upRes.pipe(res);
        }
        const chunks: Buffer[] = [];
        upRes.on('data', (c: Buffer) => chunks.push(c));
        upRes.on('end', () => {
          const body = Buffer.from(JSON.stringify(edit(JSON.parse(Buffer.concat(chunks).toString('utf8')))));
          res.writeHead(status, { ...upRes.headers, 'content-length': String(body.length) });
          res.end(body);
        });
      },
    );
    up.on('error', () => res.destroy());
    if (body) up.end(body);
    else req.pipe(up);
  }
}
