// The machine's ceiling: the smallest possible node:http server, run as its own process.
import http from 'node:http';

const port = Number(process.env.PORT ?? 0);
const body = 'Hello, world!\n';
const server = http.createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
});
server.keepAliveTimeout = 10_000;
server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`hello server listening on ${(server.address() as { port: number }).port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
