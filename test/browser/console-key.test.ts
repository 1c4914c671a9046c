// One API key for the whole console: the key set in the top bar is the one the saved-query
// runner (and the playground) send; the runner has no key field of its own. Checked with a
// shipped saved query whose answer differs for an analyst: `health-datasets-pricing` asks for
// price plans (`pricing`), which public callers are refused.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page, Request } from 'playwright-core';
import { startTestStack, type TestStack } from '../helpers/stack.ts';
import { launchChromium, skipBrowserTests, type LaunchedBrowser } from './chromium.ts';

const QUERY = 'health-datasets-pricing';

describe.skipIf(skipBrowserTests)('console API key', () => {
  let stack: TestStack;
  let chrome: LaunchedBrowser;
  let page: Page;
  let origin: string;
  let analystKey: string;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    stack = await startTestStack();
    origin = new URL(stack.baseUrl).origin;
    analystKey = (await stack.keys.create({ principalId: 'ana', role: 'analyst' })).key;
    chrome = await launchChromium();
    page = chrome.page;
    page.setDefaultTimeout(10_000);
    page.on('pageerror', (e) => pageErrors.push(e.message));
  }, 60_000);

  afterAll(async () => {
    await chrome?.close();
    await stack?.close();
  });

  const topBarKey = () => page.locator('.dx-topbar input[name=console-key]');
  const identity = () => page.locator('.dx-topbar .dx-identity');
  const isRun = (r: Request) => r.url().startsWith(`${origin}/saved-queries/${QUERY}/run`);

  /** Runs the selected saved query; resolves with the request the runner sent. */
  async function run(): Promise<Request> {
    const [request] = await Promise.all([page.waitForRequest(isRun), page.getByRole('button', { name: 'Run', exact: true }).click()]);
    await request.response();
    await expect.poll(() => page.getByRole('button', { name: 'Run', exact: true }).innerText()).toBe('Run');
    return request;
  }

  it('the saved-query runner sends the key set in the top bar, and has no key field of its own', async () => {
    await page.goto(`${stack.baseUrl}/#saved`);
    await page.locator('.dx-saved').waitFor({ timeout: 20_000 });
    await expect.poll(() => identity().innerText()).toBe('No API key: public caller');

    // The runner: no key field (one key for the whole console).
    await expect(page.locator('.dx-saved input[type=password]').count()).resolves.toBe(0);
    await expect(page.locator('.dx-saved input[name=api-key]').count()).resolves.toBe(0);

    await page.getByRole('button', { name: new RegExp(QUERY) }).click();
    await page.locator('input[name=first]').fill('5');

    // Without a key: a public caller, refused the price plans.
    const anonymous = await run();
    expect(anonymous.headers().authorization).toBeUndefined();
    await expect.poll(() => page.locator('.dx-saved-main [role=alert]').innerText()).toMatch(/analyst|FORBIDDEN|not allowed|permission/i);
    expect(await page.locator('.dx-table thead th').allInnerTexts()).not.toContain('pricing.model');

    // The key typed into the top bar is the runner's key.
    await topBarKey().fill(analystKey);
    await expect.poll(() => identity().innerText()).toBe(`API key …${analystKey.slice(-4)}`);
    const keyed = await run();
    expect(keyed.headers().authorization).toBe(`Bearer ${analystKey}`);
    await expect.poll(() => page.locator('.dx-table thead th').allInnerTexts(), { timeout: 15_000 }).toContain('pricing.model');
    await expect(page.locator('.dx-saved-main [role=alert]').count()).resolves.toBe(0);
    const models = await page
      .locator('.dx-table tbody tr')
      .evaluateAll((rows, col) => rows.map((r) => (r.children[col] as HTMLElement).innerText), (await page.locator('.dx-table thead th').allInnerTexts()).indexOf('pricing.model'));
    expect(models.length).toBe(5);
    expect(models.some((m) => /PER_CALL|PER_RECORD|MONTHLY|YEARLY|ONE_TIME|FREE|NEGOTIABLE/.test(m))).toBe(true);

    // Clearing it makes the runner a public caller again.
    await topBarKey().fill('');
    await expect.poll(() => identity().innerText()).toBe('No API key: public caller');
    const cleared = await run();
    expect(cleared.headers().authorization).toBeUndefined();
  }, 60_000);

  it('the playground sends the same key', async () => {
    await topBarKey().fill(analystKey);
    await page.getByRole('tab', { name: 'Playground' }).click();
    await page.locator('.graphiql-query-editor .view-line').first().waitFor({ timeout: 20_000 });
    const [request] = await Promise.all([
      page.waitForRequest((r) => r.url() === `${origin}/graphql` && r.method() === 'POST' && !(r.postData() ?? '').includes('__schema')),
      page.locator('.graphiql-execute-button').click(),
    ]);
    expect(request.headers().authorization).toBe(`Bearer ${analystKey}`);
    // The key stays set across the views.
    await page.getByRole('tab', { name: 'Saved queries' }).click();
    await expect(identity().innerText()).resolves.toBe(`API key …${analystKey.slice(-4)}`);
    expect(pageErrors).toEqual([]);
  }, 60_000);
});
