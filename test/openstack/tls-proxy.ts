// A TLS endpoint signed by a private CA, for the `cacert` tests: a CA and a server certificate
// for 127.0.0.1 made with the openssl CLI, and a TLS-terminating proxy on 127.0.0.1 that passes
// the bytes on to one real sandbox service. The openssl CLI is there wherever the suite runs:
// ca-certificates and the sandbox's python3-nova depend on it.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { createServer, type Server } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';

export interface KeyPair {
  key: string;
  cert: string;
}

const openssl = (dir: string, args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });

/** A self-signed CA in `dir` (files `<name>.key`, `<name>.pem`). */
export function makeCa(dir: string, name: string): KeyPair {
  const kp = { key: join(dir, `${name}.key`), cert: join(dir, `${name}.pem`) };
  openssl(dir, [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-days',
    '2',
    '-subj',
    `/CN=berth test ${name}`,
    '-keyout',
    kp.key,
    '-out',
    kp.cert,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  return kp;
}

/** A server certificate for 127.0.0.1 signed by `ca`. */
export function makeServerCert(dir: string, ca: KeyPair, name = 'server'): KeyPair {
  const kp = { key: join(dir, `${name}.key`), cert: join(dir, `${name}.pem`) };
  const csr = join(dir, `${name}.csr`);
  const ext = join(dir, `${name}.ext`);
  writeFileSync(ext, 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n');
  openssl(dir, ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', '/CN=127.0.0.1', '-keyout', kp.key, '-out', csr]);
  openssl(dir, ['x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-CAcreateserial', '-days', '2', '-extfile', ext, '-out', kp.cert]);
  return kp;
}

export class TlsProxy {
  /** TCP connections accepted (a client that retries shows as more than one). */
  connections = 0;
  private server?: Server;
  private readonly sockets = new Set<Socket>();

  constructor(
    private readonly target: { host: string; port: number },
    private readonly cert: KeyPair,
  ) {}

  /** Starts listening; returns https://127.0.0.1:<port>. */
  async start(): Promise<string> {
    this.server = createServer({ key: readFileSync(this.cert.key), cert: readFileSync(this.cert.cert) }, (client) => {
      const upstream = connect(this.target.port, this.target.host);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => (s === client ? upstream : client).destroy());
      }
      client.pipe(upstream).pipe(client);
    });
    this.server.on('connection', (s: Socket) => {
      this.connections++;
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    this.server.on('tlsClientError', () => {}); // a client refusing our certificate: expected in a test
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    return `https://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}
