// The load generator, run as its own process so it never shares an event loop with a server:
// autocannon's API, plus a latency record of every 2xx response at microsecond resolution
// (autocannon's own histogram rounds to whole milliseconds, too coarse to compare p50s).
// Usage: node --import tsx bench/load.ts '{"url":"http://127.0.0.1:8080/","connections":50,"duration":10}'
// Prints one line of JSON (a LoadResult) on stdout.
import autocannon from 'autocannon';

export interface LoadResult {
  url: string;
  seconds: number;
  responses: number;
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  socketErrors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  /** CPU time the load generator itself used, in µs per response. */
  loadCpuUsPerReq: number;
}

interface LoadArgs {
  url: string;
  connections: number;
  duration: number;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

function run(args: LoadArgs): Promise<LoadResult> {
  let latencies = new Float64Array(1 << 16);
  let n = 0;
  let responses = 0;
  const started = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  return new Promise((resolve, reject) => {
    const instance = autocannon({ url: args.url, connections: args.connections, duration: args.duration, timeout: 10 }, (err, result) => {
      if (err) return reject(err);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const cpu = process.cpuUsage(cpu0);
      const sorted = latencies.subarray(0, n).sort();
      const statusCodes: Record<string, number> = {};
      for (const [code, { count }] of Object.entries(result.statusCodeStats ?? {})) statusCodes[code] = count;
      resolve({
        url: args.url,
        seconds,
        responses,
        rps: responses / seconds,
        p50: percentile(sorted, 50),
        p99: percentile(sorted, 99),
        non2xx: result.non2xx,
        socketErrors: result.errors,
        timeouts: result.timeouts,
        statusCodes,
        loadCpuUsPerReq: (cpu.user + cpu.system) / Math.max(1, responses),
      });
    });
    instance.on('response', (_client: unknown, statusCode: number, _bytes: number, ms: number) => {
      responses++;
      if (statusCode < 200 || statusCode > 299) return;
      if (n === latencies.length) {
        const grown = new Float64Array(latencies.length * 2);
        grown.set(latencies);
        latencies = grown;
      }
      latencies[n++] = ms;
    });
  });
}

const args = JSON.parse(process.argv[2] ?? '{}') as LoadArgs;
run(args).then(
  (r) => process.stdout.write(`${JSON.stringify(r)}\n`),
  (err: unknown) => {
    process.stderr.write(`load generator failed: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
