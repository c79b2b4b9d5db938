// Low-rate traffic to the board's page through its public address, for the replicas' end-to-end
// test and `npm run bench:deploy -- --replicas`: GETs of / and page posts with one-time keys, each
// bounded in count and time (a rate, a limit in seconds, stopping early when the work it watches
// settles), every request with a 10 s limit. Only ever sent to the URL given: the stack's own
// floating IP.
import { setTimeout as sleep } from 'node:timers/promises';
import { request, type Dispatcher } from 'undici';

const LIMIT = { headersTimeout: 10_000, bodyTimeout: 10_000 };

/** When a request failed (ms since the epoch, when it was sent) and how. */
export interface Failure {
  at: number;
  why: string;
}

export interface Traffic {
  ok: number;
  failed: Failure[];
}

/**
 * Calls `send` about `rate` times a second for at most `seconds`, or until `until` settles; `send`
 * gets the request's number and answers undefined for success, else why it failed.
 */
async function steady(rate: number, seconds: number, until: Promise<unknown> | undefined, send: (n: number) => Promise<string | undefined>): Promise<Traffic> {
  const out: Traffic = { ok: 0, failed: [] };
  const inFlight: Promise<void>[] = [];
  const end = Date.now() + seconds * 1000;
  let done = false;
  void until?.finally(() => (done = true));
  for (let n = 0; Date.now() < end && !done; n++) {
    const at = Date.now();
    inFlight.push(send(n).then((why) => (why === undefined ? void out.ok++ : void out.failed.push({ at, why }))));
    await sleep(1000 / rate);
  }
  await Promise.all(inFlight);
  return out;
}

/** What went wrong with a request, or undefined when it got `status`. */
async function outcome(status: number, fn: () => Promise<Dispatcher.ResponseData>): Promise<string | undefined> {
  try {
    const r = await fn();
    await r.body.dump();
    return r.statusCode === status ? undefined : `HTTP ${r.statusCode}`;
  } catch (e) {
    return (e as Error).message;
  }
}

/** GETs of the page at about `rate` per second: 200 is success. */
export function getLoad(url: string, rate: number, seconds: number, until?: Promise<unknown>): Promise<Traffic> {
  return steady(rate, seconds, until, () => outcome(200, () => request(url, { ...LIMIT, signal: AbortSignal.timeout(10_000) })));
}

/** One page post (a form with its text and one-time key, as a browser sends it): undefined on 303. */
function postForm(url: string, text: string, key: string): Promise<string | undefined> {
  return outcome(303, () =>
    request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ text, key }).toString(),
      ...LIMIT,
      signal: AbortSignal.timeout(10_000),
    }),
  );
}

/**
 * Page posts at about `rate` per second, each text `${label} ${n}`. An answer other than 303 is a
 * failure; its post is then sent again with the same key (up to 5 times) so that whether it was
 * stored is known: `stored` holds every text the board answered 303 for.
 */
export async function postLoad(url: string, label: string, rate: number, seconds: number, until?: Promise<unknown>): Promise<Traffic & { stored: string[] }> {
  const stored: string[] = [];
  const unsure: { text: string; key: string }[] = [];
  const run = Math.random().toString(36).slice(2);
  const traffic = await steady(rate, seconds, until, async (n) => {
    const post = { text: `${label} ${n}`, key: `${run}-${n}` };
    const why = await postForm(url, post.text, post.key);
    if (why === undefined) stored.push(post.text);
    else unsure.push(post);
    return why;
  });
  for (const post of unsure)
    for (let i = 0; i < 5; i++)
      if ((await postForm(url, post.text, post.key)) === undefined) {
        stored.push(post.text);
        break;
      }
  return { ...traffic, stored };
}

/** Every post's text on the board, newest first, read through the page 100 at a time. */
export async function boardTexts(base: string): Promise<string[]> {
  const texts: string[] = [];
  for (let path: string | undefined = '/?limit=100'; path;) {
    const r: Dispatcher.ResponseData = await request(new URL(path, base), LIMIT);
    const html = await r.body.text();
    if (r.statusCode !== 200) throw new Error(`GET ${path}: HTTP ${r.statusCode}`);
    const table = /<table class="contents">([\s\S]*?)<\/table>/.exec(html)?.[1] ?? '';
    texts.push(...[...table.matchAll(/<tr><td>.*?<\/td><td>(.*?)<\/td><\/tr>/g)].map((m) => unescapeHtml(m[1]!)));
    const older = /<a href="([^"]*)" rel="next">/.exec(html)?.[1];
    path = older ? unescapeHtml(older) : undefined;
  }
  return texts;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" };
const unescapeHtml = (s: string) => s.replace(/&(amp|lt|gt|quot|#39);/g, (_, e: string) => ENTITIES[e]!);

/** How often each of `texts` is on the board (texts not posted by us are not counted). */
export async function countOnBoard(base: string, label: string): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const text of await boardTexts(base)) if (text.startsWith(`${label} `)) counts.set(text, (counts.get(text) ?? 0) + 1);
  return counts;
}

/**
 * Seconds the board did not answer: from the first failed request to the last one sent before
 * a success, over each run of failures, plus one request interval each (0 when none failed).
 */
export function downtime(failed: Failure[], rate: number): number {
  if (failed.length === 0) return 0;
  const at = failed.map((f) => f.at).sort((x, y) => x - y);
  let total = 0;
  let start = at[0]!;
  for (let i = 1; i <= at.length; i++)
    if (i === at.length || at[i]! - at[i - 1]! > 2000 / rate) {
      total += at[i - 1]! - start + 1000 / rate;
      start = at[i] ?? 0;
    }
  return total / 1000;
}
