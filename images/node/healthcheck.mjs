// HEALTHCHECK for the node tiers, with Node's own fetch (the images have no curl):
// healthy = alive (/healthz) and ready (/readyz: the tier's dependency answers).
// Usage: node healthcheck.mjs PORT_VARIABLE DEFAULT_PORT — the port follows the tier's own setting.
const [portVar = 'PORT', fallback = '80'] = process.argv.slice(2);
const base = `http://127.0.0.1:${process.env[portVar] || fallback}`;
for (const path of ['/healthz', '/readyz']) {
  try {
    const res = await fetch(base + path, { signal: AbortSignal.timeout(2500) });
    if (!res.ok) {
      console.log(`${path}: HTTP ${res.status}`);
      process.exit(1);
    }
  } catch (err) {
    console.log(`${path}: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}
console.log('alive and ready');
