// A small HTTP proxy in front of one real sandbox service, for what the sandbox cannot produce on
// demand: 429 with Retry-After, 503, a reset connection, a hung endpoint. Every request not
// matched by a queued fault is passed through to the real service unchanged.
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Fault =
  | { kind: 'status'; status: number; headers?: Record<string, string>; body?: unknown }
  | { kind: 'reset' }
  | { kind: 'hang' };

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
  private server?: Server;

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

  count(method: string, path: RegExp): number {
    return this.seen.filter((s) => s.startsWith(`${method} `) && path.test(s.slice(method.length + 1))).length;
  }

  async stop(): Promise<void> {
    for (const res of this.hung) res.socket?.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((r) => this.server?.close(() => r()) ?? r());
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? '/';
    this.seen.push(`${req.method} ${url}`);
    const rule = this.rules.find((r) => r.times > 0 && r.path.test(url) && (!r.method || r.method === req.method));
    if (!rule) return this.forward(req, res);
    rule.times--;
    req.resume();
    const f = rule.fault;
    if (f.kind === 'reset') return void req.socket.destroy();
    if (f.kind === 'hang') return void this.hung.add(res);
    const body = typeof f.body === 'string' ? f.body : JSON.stringify(f.body ?? {});
    res.writeHead(f.status, { 'content-type': typeof f.body === 'string' ? 'text/plain' : 'application/json', 'x-openstack-request-id': 'req-injected-by-proxy', ...f.headers });
    res.end(body);
  }

  private forward(req: IncomingMessage, res: ServerResponse): void {
    const up = request({ host: this.target.host, port: this.target.port, method: req.method, path: req.url, headers: { ...req.headers, host: `${this.target.host}:${this.target.port}` } }, (upRes) => {
      res.writeHead(upRes.statusCode ?? 502, upRes.headers);
      upRes.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  }
}
