// A real browser for end-to-end tests: Debian's Chromium driven by playwright-core (no browser
// download). Install it with `apt-get install -y --no-install-recommends chromium fonts-noto-cjk`;
// set CHROMIUM_PATH to use another binary. Used by test/board/browser.test.ts and the Docker e2e.
import fs from 'node:fs';
import { chromium, type Browser, type LaunchOptions, type Page, type Response } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Headless in a container as root: no sandbox, no GPU, and nothing that phones home. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Launches headless Chromium; close it with `browser.close()` (in an `after` hook). */
export async function launchChromium(options: LaunchOptions = {}): Promise<Browser> {
  const executablePath = options.executablePath ?? CHROMIUM_PATH;
  if (!fs.existsSync(executablePath)) {
    throw new Error(`Chromium not found at ${executablePath}: apt-get install -y --no-install-recommends chromium fonts-noto-cjk ` + '(or set CHROMIUM_PATH)');
  }
  return chromium.launch({
    timeout: 60_000,
    ...options,
    executablePath,
    headless: true,
    args: [...CHROMIUM_ARGS, ...(options.args ?? [])],
  });
}

/** The rows of the board's `table.contents` as [timestamp, text], as the browser shows them. */
export function boardRows(page: Page): Promise<[string, string][]> {
  return page.$$eval('table.contents tr', (trs) =>
    trs.map((tr) => {
      const cells = tr.querySelectorAll('td');
      return [cells[0]?.textContent ?? '', cells[1]?.textContent ?? ''] as [string, string];
    }),
  );
}

/**
 * Types `text` into the board's #text input the way a person does and submits it with Enter.
 * Resolves with the response of the page that follows (the board after the 303, or the refusal).
 */
export async function postOnBoard(page: Page, text: string, how: 'type' | 'fill' = 'type'): Promise<Response | null> {
  const input = page.locator('#text');
  await input.fill('');
  if (how === 'type') await input.pressSequentially(text);
  else await input.fill(text);
  const [response] = await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), input.press('Enter')]);
  return response;
}
