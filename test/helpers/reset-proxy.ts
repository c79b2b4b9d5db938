// A TCP proxy on 127.0.0.1 in front of a real server (MariaDB), to make the one fault the server
// cannot: a pooled connection that looks alive to the client but is dead, as after a firewall or
// NAT forgot it. `resetNextUse()` makes the next connection already open when it is called reset
// (RST) as soon as the client sends on it; connections opened later are forwarded untouched.
// `holdRepliesAfter(pattern)` lets a statement reach the server but keeps the server's answer
// from the client until `releaseReplies()`: a write that commits while its client times out.
import net from 'node:net';

export class ResetProxy {
  private readonly live = new Set<net.Socket>();
  private doomed = new Set<net.Socket>();
  /** Connections reset so far. */
  resets = 0;
  private holdPattern?: RegExp;
  private readonly held = new Map<net.Socket, Buffer[]>();

  private constructor(
    private readonly server: net.Server,
    readonly port: number,
  ) {}

  static async start(targetPort: number, targetHost = '127.0.0.1'): Promise<ResetProxy> {
    let proxy!: ResetProxy;
    const server = net.createServer((client) => proxy.forward(client, targetHost, targetPort));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    proxy = new ResetProxy(server, (server.address() as net.AddressInfo).port);
    return proxy;
  }

  /** Arms a reset for the next connection (open now) the client sends anything on. */
  resetNextUse(): void {
    this.doomed = new Set(this.live);
    if (this.doomed.size === 0) throw new Error('no open connection to reset');
  }

  /** The next connection that sends something matching `pattern` gets no answers until released. */
  holdRepliesAfter(pattern: RegExp): void {
    this.holdPattern = pattern;
  }

  /** Whether a connection's answers are being held now. */
  get holding(): boolean {
    return this.held.size > 0;
  }

  releaseReplies(): void {
    for (const [client, chunks] of this.held) for (const c of chunks) client.write(c);
    this.held.clear();
  }

  async close(): Promise<void> {
    for (const s of this.live) s.destroy();
    await new Promise((r) => this.server.close(r));
  }

  private forward(client: net.Socket, host: string, port: number): void {
    const upstream = net.connect(port, host);
    this.live.add(client);
    client.on('data', (chunk) => {
      if (this.doomed.has(client)) {
        this.doomed.clear();
        this.resets++;
        client.resetAndDestroy();
        upstream.destroy();
        return;
      }
      if (this.holdPattern?.test(chunk.toString('latin1'))) {
        this.holdPattern = undefined;
        this.held.set(client, []);
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      const held = this.held.get(client);
      if (held) held.push(chunk);
      else client.write(chunk);
    });
    const end = () => {
      this.live.delete(client);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  }
}
