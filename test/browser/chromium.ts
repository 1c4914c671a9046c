// Debian's Chromium driven by playwright-core: never a downloaded browser. The browser gets
// exactly these flags, a fresh temporary profile, and the pipe playwright talks over.

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'];

/** Browser tests skip only when Chromium is missing outside CI; in CI they must run (and fail). */
export const skipBrowserTests = !existsSync(CHROMIUM) && !process.env.CI;

export interface LaunchedBrowser {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

export async function launchChromium(options: { viewport?: { width: number; height: number } } = {}): Promise<LaunchedBrowser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium package (.ci/run does); never a downloaded browser`);
  }
  const profile = mkdtempSync(join(tmpdir(), 'dataex-chromium-'));
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Exactly our flags: none of playwright's defaults.
    ignoreDefaultArgs: true,
    args: [...CHROMIUM_FLAGS, `--user-data-dir=${profile}`, '--remote-debugging-pipe'],
    timeout: 30_000,
  });
  const context = await browser.newContext({
    acceptDownloads: true,
    viewport: options.viewport ?? { width: 1440, height: 900 },
    locale: 'zh-CN',
  });
  const page = await context.newPage();
  return {
    browser,
    context,
    page,
    async close() {
      await context.close().catch(() => undefined);
      await browser.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Every line a Monaco editor shows, scrolling it from top to bottom (Monaco only renders the
 * visible lines). Non-breaking spaces come back as spaces.
 */
export async function readMonaco(page: Page, editor: Locator): Promise<string[]> {
  const lines = new Map<number, string>();
  const collect = async () => {
    const rendered = await editor
      .locator('.view-lines .view-line')
      .evaluateAll((nodes) => nodes.map((n) => ({ top: parseFloat((n as HTMLElement).style.top) || 0, text: (n as HTMLElement).innerText })));
    let added = 0;
    for (const { top, text } of rendered) {
      if (!lines.has(top)) added++;
      lines.set(top, text.replace(/\u00a0/g, ' '));
    }
    return added;
  };
  await editor.hover();
  await collect();
  for (let i = 0, idle = 0; i < 200 && idle < 3; i++) {
    await page.mouse.wheel(0, 600);
    await page.waitForTimeout(30);
    idle = (await collect()) === 0 ? idle + 1 : 0;
  }
  return [...lines.entries()].sort((a, b) => a[0] - b[0]).map(([, text]) => text);
}
