// A TCP port on 127.0.0.1 that was free a moment ago, for servers that must be given one.
// It is chosen below the kernel's ephemeral range: a port from that range (what listen(0) gives)
// can be taken by any outgoing connection on the machine before the server binds it (the OpenStack
// sandbox's services open many on loopback), and a Docker Engine publishes a port only once the
// container starts, seconds later.
import { readFileSync } from 'node:fs';
import net from 'node:net';

const FLOOR = 10_000;
/** Ports this process handed out: two servers of one test are never given the same. */
const given = new Set<number>();

/** The first port of the kernel's ephemeral range (32768 when it cannot be read). */
export function ephemeralStart(): number {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || 32768;
  } catch {
    return 32768;
  }
}

function tryListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

export async function freePort(): Promise<number> {
  const top = ephemeralStart();
  for (let n = 0; n < 200; n++) {
    const port = FLOOR + Math.floor(Math.random() * (top - FLOOR));
    if (given.has(port) || !(await tryListen(port))) continue;
    given.add(port);
    return port;
  }
  throw new Error(`no free port on 127.0.0.1 between ${FLOOR} and ${top - 1} in 200 tries`);
}
