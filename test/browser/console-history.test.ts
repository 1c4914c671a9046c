// The console's schedule and run history in Chromium against the real stack, on a clock the test
// moves: an analyst schedules a saved query from the runner, two scheduled runs happen (the Taiyuan
// simulator publishing two listings and repricing one in between), and the runner shows both runs
// and their change report, rows marked added and changed, the changed price as old → new; a kept
// run's CSV downloads with the key.

import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simCall, startTestStack, type TestStack } from '../helpers/stack.ts';
import { jsonHeaders } from '../unit/saved-queries/lifecycle.ts';
import { launchChromium, skipBrowserTests, type LaunchedBrowser } from './chromium.ts';

const DAY = 86_400_000;
const FIRST_SLOT = Date.parse('2026-12-07T01:00:00Z'); // 09:00 China time
const clock = { t: FIRST_SLOT - DAY, now: () => clock.t };
const QUERY = 'taiyuan-titles';
const DOCUMENT = `query TaiyuanTitles($after: String) {
  search(filter: { exchanges: ["taiyuan"] }, orderBy: TITLE_ASC, first: 100, after: $after) {
    totalCount
    pageInfo { endCursor hasNextPage }
    edges { node { id title headlinePrice { price { yuan } } } }
  }
}`;

describe.skipIf(skipBrowserTests)('console: schedule and change report', () => {
  let stack: TestStack;
  let chrome: LaunchedBrowser;
  let page: Page;
  let analystKey: string;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    stack = await startTestStack({ DATAEX_SCHEDULES: 'false' }, { clock });
    analystKey = (await stack.keys.create({ principalId: 'ana', role: 'analyst' })).key;
    const put = await stack.http(`/saved-queries/${QUERY}`, { method: 'PUT', headers: jsonHeaders(analystKey), body: JSON.stringify({ document: DOCUMENT }) });
    expect(put.status).toBe(201);
    chrome = await launchChromium();
    page = chrome.page;
    page.setDefaultTimeout(15_000);
    page.on('pageerror', (e) => pageErrors.push(e.message));
  }, 120_000);

  afterAll(async () => {
    await chrome?.close();
    await stack?.close();
  });

  it('schedules the query, then shows its runs and what changed between them', async () => {
    await page.goto(`${stack.baseUrl}/#saved`);
    await page.locator('.dx-saved').waitFor({ timeout: 20_000 });
    await page.locator('.dx-topbar input[name=console-key]').fill(analystKey);
    await page.getByRole('button', { name: new RegExp(QUERY) }).click();
    await expect.poll(() => page.getByTestId('schedule-state').innerText()).toBe('Not scheduled.');

    await page.locator('.dx-schedule-form input[name=cron]').fill('0 9 * * *');
    await page.getByRole('button', { name: 'Save schedule' }).click();
    await expect.poll(() => page.getByTestId('schedule-state').innerText()).toMatch(/^Runs 0 9 \* \* \* \(China time\) as ana · next 2026-12-07T09:00:00\+08:00 · active$/);

    // Day one's run; the exchange changes; day two's run.
    clock.t = FIRST_SLOT + 60_000;
    expect(await stack.gateway.history.scheduler!.tick()).toHaveLength(1);
    const listing = await stack.gql('{ search(filter: { exchanges: ["taiyuan"], levels: [GENERAL] }, orderBy: TITLE_ASC, first: 1) { edges { node { nativeId } } } }');
    const changed = await simCall(stack.simulators.taiyuan!.url, 'POST', '/__sim/listings', { add: 2, reprice: [{ id: listing.data.search.edges[0].node.nativeId, yuan: '88.80' }] });
    expect(changed.added).toHaveLength(2);
    await stack.catalog.harvester.harvest('taiyuan');
    clock.t = FIRST_SLOT + DAY + 60_000;
    expect(await stack.gateway.history.scheduler!.tick()).toHaveLength(1);

    await page.getByRole('button', { name: '↻ Runs' }).click();
    await expect.poll(() => page.locator('[data-testid=runs] tbody tr').count()).toBe(2);
    expect(await page.locator('[data-testid=runs] tbody tr td:nth-child(2)').allInnerTexts()).toEqual(['schedule', 'schedule']);

    await page.locator('[data-testid=runs] tbody tr').first().getByRole('button', { name: 'Changes' }).click();
    await expect.poll(() => page.getByTestId('change-summary').innerText()).toMatch(/^2 added · 0 removed · 1 changed · \d+ unchanged, since run /);
    expect(await page.locator('[data-testid=change-report] tr[data-change=added]').count()).toBe(2);
    const changedRow = page.locator('[data-testid=change-report] tr[data-change=changed]');
    expect(await changedRow.count()).toBe(1);
    expect(await changedRow.locator('td.dx-cell-changed').first().innerText()).toMatch(/ → 88\.80$/);
    // Highlighted: the changed cell's background differs from an unchanged one's.
    const colours = await changedRow.locator('td').evaluateAll((tds) => tds.map((td) => getComputedStyle(td).backgroundColor));
    expect(new Set(colours).size).toBeGreaterThan(1);

    // A kept run's CSV, fetched with the key and saved.
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('[data-testid=runs] tbody tr').first().getByRole('button', { name: 'CSV' }).click()]);
    const csv = readFileSync((await download.path())!, 'utf8');
    expect(csv.replace(/^\uFEFF/, '').split('\r\n')[0]).toBe('id,title,headlinePrice.price.yuan');
    expect(download.suggestedFilename()).toMatch(/^taiyuan-titles-\d{8}\.csv$/);
    expect(pageErrors).toEqual([]);
  }, 90_000);
});
