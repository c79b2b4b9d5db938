// A plain HTTP request with exactly the headers given (fetch always adds a Content-Type to a
// string body; the original's client sends none, and that case must be tested as it is).
import http from 'node:http';
import net from 'node:net';

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  json<T = any>(): T;
}

export function rawRequest(url: string, opts: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: opts.method ?? 'GET', headers: opts.headers ?? {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json: () => JSON.parse(body) });
      });
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

export const postJson = (url: string, value: unknown, headers: Record<string, string> = {}) =>
  rawRequest(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(value) });

/** Bytes written as they are on a TCP connection: for requests no HTTP client would send. */
export function rawSocket(url: string, data: string | Buffer = '') {
  const { hostname, port } = new URL(url);
  const socket = net.connect(Number(port), hostname);
  const started = Date.now();
  let received = '';
  socket.on('data', (d) => (received += d));
  socket.on('error', () => undefined);
  if (data.length) socket.write(data);
  const closed = new Promise<{ data: string; ms: number; status: number }>((resolve) =>
    socket.once('close', () => resolve({ data: received, ms: Date.now() - started, status: Number(/^HTTP\/1\.1 (\d{3})/.exec(received)?.[1] ?? 0) })),
  );
  return { socket, closed, received: () => received };
}
