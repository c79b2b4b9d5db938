// The board in a real browser (headless Chromium): what a person does on the page — type, press
// Enter, read the table — with the web and app tiers running in this process on a fresh SQLite
// file. Covers Unicode as typed, refusals, markup shown as text, no-JavaScript use, pagination.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startApp } from '../../src/board/app/main.js';
import { startWeb } from '../../src/board/web/main.js';
import { boardRows, launchChromium, postOnBoard } from '../helpers/browser.js';

const TIMESTAMP = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;

/** Cleanup steps run last-in first-out, every one of them even when an earlier one fails. */
class Cleanup {
  private readonly steps: (() => Promise<unknown> | unknown)[] = [];
  add(step: () => Promise<unknown> | unknown): void {
    this.steps.push(step);
  }
  async run(): Promise<void> {
    const errors: unknown[] = [];
    for (const step of this.steps.splice(0).reverse()) {
      try {
        await step();
      } catch (err) {
        errors.push(err);
      }
    }
    if (errors.length) throw new AggregateError(errors, 'cleanup failed');
  }
}

interface Board {
  url: string;
  appUrl: string;
}

/** A whole board (app on a fresh SQLite file, web in front of it) on free ports. */
async function startBoard(cleanup: Cleanup): Promise<Board> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-browser-'));
  cleanup.add(() => fs.rmSync(dir, { recursive: true, force: true }));
  const app = await startApp({
    APP_PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: `sqlite:${path.join(dir, 'db.sqlite')}`,
    LOG_LEVEL: 'silent',
  });
  cleanup.add(() => app.close());
  const web = await startWeb({ WEB_PORT: '0', HOST: '127.0.0.1', REST_URL: app.url, LOG_LEVEL: 'silent' });
  cleanup.add(() => web.close());
  // The app migrates its schema in the background; data routes answer 503 until it is done.
  for (let i = 0; ; i++) {
    const res = await fetch(`${app.url}/readyz`);
    await res.arrayBuffer();
    if (res.ok) break;
    if (i > 100) throw new Error(`app tier not ready: ${res.status}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { url: web.url, appUrl: app.url };
}

/** Milliseconds between a board timestamp (the app host's local time) and now. */
function ageMs(timestamp: string): number {
  const [d, t] = timestamp.split(' ') as [string, string];
  const [y, mo, da] = d.split('-').map(Number) as [number, number, number];
  const [h, mi, s] = t.split(':').map(Number) as [number, number, number];
  return Date.now() - new Date(y, mo - 1, da, h, mi, s).getTime();
}

describe('board in a real browser (Chromium)', { timeout: 180_000 }, () => {
  const cleanup = new Cleanup();
  let browser: Browser;
  let board: Board;
  let context: BrowserContext;
  let page: Page;

  before(async () => {
    board = await startBoard(cleanup);
    browser = await launchChromium();
    cleanup.add(() => browser.close());
    context = await browser.newContext({ locale: 'en-US' });
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
    await page.goto(board.url);
  });
  after(() => cleanup.run());

  it('shows the form and an empty board', async () => {
    assert.equal(await page.locator('input#text[name="text"]').count(), 1);
    assert.deepEqual(await boardRows(page), []);
  });

  it('a post typed and sent with Enter becomes the first row, with its timestamp', async () => {
    const response = await postOnBoard(page, 'Hello from Chromium');
    assert.equal(response?.status(), 200);
    assert.equal(new URL(page.url()).pathname, '/', 'post/redirect/get lands back on the board');
    const rows = await boardRows(page);
    assert.equal(rows.length, 1);
    const [timestamp, text] = rows[0]!;
    assert.match(timestamp, TIMESTAMP);
    assert.ok(Math.abs(ageMs(timestamp)) < 10_000, `timestamp ${timestamp} is not now`);
    assert.equal(text, 'Hello from Chromium');
    assert.equal(await page.inputValue('#text'), '', 'the input is empty again after posting');

    await postOnBoard(page, 'second post');
    const [first, second] = await boardRows(page);
    assert.equal(first?.[1], 'second post', 'newest first');
    assert.equal(second?.[1], 'Hello from Chromium');
  });

  it('emoji and Japanese show exactly as typed', async () => {
    const texts = ['こんにちは、掲示板！日本語のテストです。', '絵文字 🚢⚓👍🏽 と 家族 👨‍👩‍👧‍👦 も OK'];
    for (const text of texts) {
      await postOnBoard(page, text, 'fill');
      assert.equal((await boardRows(page))[0]?.[1], text);
    }
    await postOnBoard(page, 'ｶﾀｶﾅ ＆ 全角 — typed key by key ✓');
    assert.equal((await boardRows(page))[0]?.[1], 'ｶﾀｶﾅ ＆ 全角 — typed key by key ✓');
  });

  it('an empty submission is stopped by the browser and adds nothing', async () => {
    await page.goto(board.url);
    const before = await boardRows(page);
    const posts: string[] = [];
    const onRequest = (r: { method(): string; url(): string }) => {
      if (r.method() === 'POST') posts.push(r.url());
    };
    page.on('request', onRequest);
    try {
      await page.locator('#text').fill('');
      await page.locator('#text').press('Enter');
      await page.waitForTimeout(500);
    } finally {
      page.off('request', onRequest);
    }
    assert.deepEqual(posts, [], 'the required input keeps the form from being sent');
    assert.equal(await page.$eval('#text', (el) => (el as unknown as { validity: { valueMissing: boolean } }).validity.valueMissing), true);
    await page.reload();
    assert.deepEqual(await boardRows(page), before);
  });

  it('a whitespace-only submission is refused with an error and the typed text kept', async () => {
    await page.goto(board.url);
    const before = await boardRows(page);
    const response = await postOnBoard(page, '   ');
    assert.equal(response?.status(), 400);
    const error = page.locator('p.error[role="alert"]');
    assert.equal(await error.count(), 1);
    assert.match((await error.textContent()) ?? '', /Nothing was posted/);
    assert.equal(await page.inputValue('#text'), '   ', 'what was typed is still in the input');
    assert.deepEqual(await boardRows(page), before, 'the refusal page still lists the board, unchanged');
    await page.goto(board.url);
    assert.deepEqual(await boardRows(page), before, 'nothing was stored');
  });

  it('markup in a post is shown as text: no element is created and no script runs', async () => {
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    const markup = '<script>alert(1)</script><b>x</b><img src=x onerror=alert(2)>';
    await postOnBoard(page, markup, 'fill');
    const [, text] = (await boardRows(page))[0]!;
    assert.equal(text, markup);
    const cell = page.locator('table.contents tr').first().locator('td').nth(1);
    assert.equal(await cell.locator('*').count(), 0, 'the cell holds only text');
    assert.equal(await page.locator('table.contents script, table.contents b, table.contents img').count(), 0);
    await page.reload();
    await page.waitForTimeout(300);
    assert.deepEqual(dialogs, [], 'no alert fired');
  });

  it('works with JavaScript disabled', async () => {
    const noJs = await browser.newContext({ javaScriptEnabled: false, locale: 'en-US' });
    try {
      const p = await noJs.newPage();
      p.setDefaultTimeout(15_000);
      await p.goto(board.url);
      const response = await postOnBoard(p, 'posted without JavaScript');
      assert.equal(response?.status(), 200);
      const [timestamp, text] = (await boardRows(p))[0]!;
      assert.match(timestamp, TIMESTAMP);
      assert.equal(text, 'posted without JavaScript');
    } finally {
      await noJs.close();
    }
  });

  it("the page's own form sends its origin, so browsers without Fetch Metadata pass the Origin check", async () => {
    await page.goto(board.url);
    let origin: string | undefined;
    await page.route(board.url, async (route) => {
      if (route.request().method() === 'POST') origin = (await route.request().headerValue('origin')) ?? undefined;
      await route.continue();
    });
    try {
      const response = await postOnBoard(page, 'origin checked', 'fill');
      assert.equal(response?.status(), 200);
    } finally {
      await page.unrouteAll();
    }
    assert.equal(origin, new URL(board.url).origin, 'not "null", which Referrer-Policy: no-referrer would make it');
  });

  it('a form on another site that posts to the board is refused with a 403 page; nothing is stored', async () => {
    // localhost and 127.0.0.1 are different sites to the browser: this page is the attacker's.
    const target = board.url;
    const evil = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html><form method="post" action="${target}"><input name="text" value="forged post"><button>Win a prize</button></form>`);
    });
    await new Promise<void>((r) => evil.listen(0, '127.0.0.1', r));
    try {
      const p = await context.newPage();
      p.setDefaultTimeout(15_000);
      await p.goto(`http://localhost:${(evil.address() as AddressInfo).port}/`);
      const [response] = await Promise.all([p.waitForNavigation({ waitUntil: 'load' }), p.locator('button').click()]);
      assert.equal(response?.status(), 403);
      assert.match((await p.locator('p.error').textContent()) ?? '', /sent from another site/);
      assert.equal(await p.inputValue('#text'), '', 'the forged text is not put into the form');
      await p.close();
    } finally {
      evil.close();
    }
    await page.goto(board.url);
    assert.ok(!(await boardRows(page)).some(([, text]) => text === 'forged post'), 'nothing was stored');
  });

  it('pages through 25 posts: 20 on the first page, the rest behind the "older" link', async () => {
    const paged = new Cleanup();
    try {
      const fresh = await startBoard(paged);
      for (let i = 1; i <= 25; i++) {
        const res = await fetch(`${fresh.appUrl}/api/v1/posts`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ text: `post ${i}` }),
        });
        assert.equal(res.status, 201);
        await res.arrayBuffer();
      }
      const p = await context.newPage();
      paged.add(() => p.close());
      p.setDefaultTimeout(15_000);
      await p.goto(fresh.url);
      const first = await boardRows(p);
      assert.equal(first.length, 20);
      assert.deepEqual(
        first.map((r) => r[1]),
        Array.from({ length: 20 }, (_, i) => `post ${25 - i}`),
      );
      const older = p.locator('a[rel=next]');
      assert.equal(await older.count(), 1);
      await Promise.all([p.waitForNavigation({ waitUntil: 'load' }), older.click()]);
      const rest = await boardRows(p);
      assert.deepEqual(
        rest.map((r) => r[1]),
        ['post 5', 'post 4', 'post 3', 'post 2', 'post 1'],
      );
      for (const [timestamp] of rest) assert.match(timestamp, TIMESTAMP);
      assert.equal(await p.locator('a[rel=next]').count(), 0, 'the last page has no older link');
    } finally {
      await paged.run();
    }
  });
});
