// The console in a real browser (Debian's Chromium through playwright-core) against the real
// stack: the playground renders, a search typed into the editor returns listings of every
// exchange, "save current operation" saves, the saved-query runner runs from its form, pages,
// and downloads CSV; every request goes to the gateway's own origin and the CSP is never
// violated. Screenshots land in test-output/screenshots (and, with DATAEX_UPDATE_SCREENSHOTS=1,
// in docs/screenshots, which docs/console.md shows).

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startTestStack, type TestStack } from '../helpers/stack.ts';
import { EXCHANGES } from '../../subgraphs/exchanges.ts';
import { launchChromium, readMonaco, skipBrowserTests, type LaunchedBrowser } from './chromium.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
/** docs/console.md shows these; the test output (gitignored) gets a copy of each run's too. */
// Every run writes test-output/screenshots; the copies docs/console.md shows (docs/screenshots) are
// refreshed on request only, so a plain `npm test` leaves the git tree clean.
const SCREENSHOT_DIRS = [join(ROOT, 'test-output/screenshots'), ...(process.env.DATAEX_UPDATE_SCREENSHOTS ? [join(ROOT, 'docs/screenshots')] : [])];

async function screenshot(page: Page, name: string): Promise<void> {
  const png = await page.screenshot();
  for (const dir of SCREENSHOT_DIRS) writeFileSync(join(dir, name), png);
}

const SEARCH = '{ search(text: "交通", first: 100) { totalCount edges { node { id title exchange { id } } } } }';

// One line: Monaco auto-closes braces and indents as it is typed; the test prettifies it.
const SAVED_DOCUMENT =
  'query TrafficListings($text: String = "交通", $productTypes: [ProductType!], $first: Int = 8, $after: String) { ' +
  'search(text: $text, filter: { productTypes: $productTypes }, first: $first, after: $after) { ' +
  'totalCount pageInfo { hasNextPage endCursor } edges { node { id title exchange { id name } provider { name } headlinePrice { text } } } } }';

describe.skipIf(skipBrowserTests)('console in Chromium', () => {
  let stack: TestStack;
  let chrome: LaunchedBrowser;
  let page: Page;
  let origin: string;
  let analystKey: string;
  const requests: string[] = [];
  const cspViolations: string[] = [];
  const pageErrors: string[] = [];

  beforeAll(async () => {
    stack = await startTestStack();
    origin = new URL(stack.baseUrl).origin;
    analystKey = (await stack.keys.create({ principalId: 'ana', role: 'analyst' })).key;
    chrome = await launchChromium();
    page = chrome.page;
    page.setDefaultTimeout(10_000);
    // The context sees the page's requests and its workers'.
    chrome.context.on('request', (r) => requests.push(r.url()));
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
    });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    for (const dir of SCREENSHOT_DIRS) mkdirSync(dir, { recursive: true });
  }, 60_000);

  afterAll(async () => {
    await chrome?.close();
    await stack?.close();
  });

  it('renders GraphiQL with the example tabs, docs and history, from the gateway alone', async () => {
    const response = await page.goto(`${stack.baseUrl}/`);
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-security-policy']).toMatch(/script-src 'self'(;|$)/);
    await page.locator('.graphiql-container').waitFor({ timeout: 20_000 });
    await page.locator('.graphiql-query-editor .view-line').first().waitFor();
    const tabs = await page.locator('.graphiql-tab').allInnerTexts();
    expect(tabs.join(' ')).toMatch(/SearchAcrossExchanges.*DatasetDetail.*ProvidersOnSeveralExchanges.*ExchangeStatus/s);
    // Sidebar: docs explorer, history, query explorer.
    for (const label of ['Show Documentation Explorer', 'Show History', 'Show GraphiQL Explorer']) {
      await expect(page.getByRole('button', { name: label }).count()).resolves.toBe(1);
    }
    // The query explorer plugin renders the schema's root fields (introspection is on).
    await page.getByRole('button', { name: 'Show GraphiQL Explorer' }).click();
    await expect.poll(() => page.locator('.graphiql-plugin').innerText(), { timeout: 10_000 }).toMatch(/datasets[\s\S]*providers[\s\S]*search/);
    await page.getByRole('button', { name: 'Hide GraphiQL Explorer' }).click();
  });

  it('runs a search typed into the editor and shows listings of every exchange', async () => {
    const tabCount = await page.locator('.graphiql-tab').count();
    await page.locator('.graphiql-tab-add').click();
    await expect.poll(() => page.locator('.graphiql-tab').count()).toBe(tabCount + 1);
    const editor = page.locator('.graphiql-query-editor .monaco-editor');
    await editor.click();
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Delete');
    await page.keyboard.insertText(SEARCH);
    // GraphiQL has taken the edit when the tab is renamed after the (anonymous) operation.
    await expect.poll(() => page.locator('.graphiql-tab-active').innerText()).toMatch(/untitled/i);
    await page.getByRole('button', { name: /^Prettify query/ }).click();
    await expect.poll(() => editor.locator('.view-line').count()).toBeGreaterThan(5);
    const answer = page.waitForResponse((r) => r.url() === `${origin}/graphql` && r.request().method() === 'POST' && (r.request().postData() ?? '').includes('交通'));
    await page.locator('.graphiql-execute-button').click();
    const body = await (await answer).json();
    expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
    const fromNetwork = new Set(body.data.search.edges.map((e: any) => e.node.exchange.id));
    expect([...fromNetwork].sort()).toEqual(EXCHANGES.map((e) => e.id).sort());

    // What the result pane shows (read line by line from the editor).
    const pane = page.locator('.graphiql-response .monaco-editor');
    await expect.poll(async () => (await pane.locator('.view-line').allInnerTexts()).join('\n'), { timeout: 10_000 }).toContain('totalCount');
    const text = (await readMonaco(page, pane)).join('\n');
    for (const { id } of EXCHANGES) expect(text).toContain(`"id": "${id}"`);
    expect(text).toMatch(/"title": ".*[\u4e00-\u9fff]/);
    await pane.click();
    await page.keyboard.press('Control+Home');
    await page.waitForTimeout(200);
    await screenshot(page, 'playground.png');
  }, 45_000);

  it('saves the current operation from the playground', async () => {
    const editor = page.locator('.graphiql-query-editor .monaco-editor');
    await editor.click();
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Delete');
    await page.keyboard.insertText(SAVED_DOCUMENT);
    await expect.poll(() => page.locator('.graphiql-tab-active').innerText()).toMatch(/TrafficListings/);
    await page.getByRole('button', { name: /^Prettify query/ }).click();
    await expect.poll(() => editor.locator('.view-line').count()).toBeGreaterThan(10);
    await page.getByRole('button', { name: 'Save as a saved query' }).click();
    const dialog = page.getByRole('dialog', { name: 'Save current operation' });
    await expect(dialog.locator('input[name=name]').inputValue()).resolves.toBe('traffic-listings');
    await dialog.locator('input[name=description]').fill('交通 listings on every exchange');
    // No key: the API refuses, and the dialog says why.
    await dialog.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => dialog.getByRole('alert').innerText()).toMatch(/analyst or admin/);
    await page.locator('.dx-topbar input[name=console-key]').fill(analystKey);
    await dialog.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => dialog.getByRole('status').innerText()).toMatch(/traffic-listings.*created/);
    await dialog.getByRole('button', { name: 'Close' }).click();
    const saved = await stack.http('/saved-queries/traffic-listings');
    expect(saved.status).toBe(200);
    expect(JSON.parse(saved.text)).toMatchObject({ name: 'traffic-listings', owner: 'ana', description: '交通 listings on every exchange' });
  }, 45_000);

  it('runs a saved query from its typed form, pages it, and downloads its CSV', async () => {
    await page.getByRole('tab', { name: 'Saved queries' }).click();
    // The console's one key, set for saving above: cleared, so the first download has none.
    await page.locator('.dx-topbar input[name=console-key]').fill('');
    const item = page.getByRole('button', { name: /traffic-listings/ });
    await item.waitFor();
    // The query saved a moment ago is selected; the form is typed from its variables.
    await expect(item.getAttribute('aria-pressed')).resolves.toBe('true');
    await expect(page.locator('input[name=text]').inputValue()).resolves.toBe('交通');
    await expect(page.locator('input[name=first]').getAttribute('type')).resolves.toBe('number');
    const dataset = page.getByRole('group', { name: 'productTypes' }).getByLabel('DATASET');
    await expect(dataset.getAttribute('type')).resolves.toBe('checkbox');

    // A wrong value is caught by the form before anything is sent.
    await page.locator('input[name=first]').fill('2.5');
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await expect.poll(() => page.locator('.dx-field-error').innerText()).toMatch(/first must be a whole number/);

    await page.locator('input[name=first]').fill('6');
    await dataset.check();
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    const count = page.getByTestId('result-count');
    await expect.poll(() => count.innerText(), { timeout: 15_000 }).toMatch(/^6 rows of \d+/);
    const rows = page.locator('.dx-table tbody tr');
    await expect(rows.count()).resolves.toBe(6);
    const headers = await page.locator('.dx-table thead th').allInnerTexts();
    expect(headers).toEqual(expect.arrayContaining(['id', 'title', 'exchange.id', 'provider.name', 'headlinePrice.text']));
    const firstPage = await rows.allInnerTexts();
    expect(firstPage.join('\n')).toMatch(/[\u4e00-\u9fff]/);

    // Server-side paging through the query's `after` variable.
    await page.getByRole('button', { name: 'Next page ▶' }).click();
    await expect.poll(async () => (await rows.allInnerTexts()).join('\n'), { timeout: 15_000 }).not.toBe(firstPage.join('\n'));
    await expect(rows.count()).resolves.toBe(6);
    await page.getByRole('button', { name: '◀ Previous page' }).click();
    await expect.poll(async () => (await rows.allInnerTexts()).join('\n'), { timeout: 15_000 }).toBe(firstPage.join('\n'));
    await screenshot(page, 'saved-queries.png');

    // CSV: a plain link to /saved-queries/:name/run?format=csv&… (no key: a native download).
    const link = page.getByTestId('download-csv');
    const href = await link.getAttribute('href');
    expect(href).toMatch(/^\/saved-queries\/traffic-listings\/run\?format=csv&/);
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    expect(download.suggestedFilename()).toMatch(/^traffic-listings.*\.csv$/);
    const csv = readFileSync((await download.path())!, 'utf8').replace(/^\uFEFF/, '');
    const lines = csv.trim().split(/\r?\n/);
    expect(lines[0]).toMatch(/title/);
    expect(lines.length).toBe(7); // header + 6 rows
    expect(lines.slice(1).join('\n')).toMatch(/[\u4e00-\u9fff]/);
    const ids = firstPage.map((row) => row.split('\t')[1]);
    for (const id of ids) expect(csv).toContain(id);

    // With an API key the console fetches with the key and saves the file itself.
    await page.locator('.dx-topbar input[name=console-key]').fill(analystKey);
    const [keyed] = await Promise.all([page.waitForEvent('download'), link.click()]);
    expect(keyed.suggestedFilename()).toMatch(/^traffic-listings.*\.csv$/);
    const keyedCsv = readFileSync((await keyed.path())!, 'utf8').replace(/^\uFEFF/, '');
    expect(keyedCsv.trim().split(/\r?\n/), keyedCsv).toHaveLength(7);
  }, 45_000);

  it('offers the exchanges the API serves as checkboxes for a saved query’s exchanges', async () => {
    await page.getByRole('button', { name: /personal-info-datasets/ }).click();
    const group = page.getByRole('group', { name: 'exchanges' });
    await group.waitFor();
    const boxes = group.locator('input[type=checkbox]');
    const values = await boxes.evaluateAll((inputs) => inputs.map((i) => (i as HTMLInputElement).value));
    expect(values.slice(0, EXCHANGES.length)).toEqual(EXCHANGES.map((e) => e.id));
    for (const e of EXCHANGES) await expect(group.getByLabel(new RegExp(`^${e.id}\\b`)).getAttribute('type')).resolves.toBe('checkbox');
    await expect(group.innerText()).resolves.toContain(EXCHANGES[0].name);
  }, 20_000);

  it('made every request to the gateway’s own origin, without a CSP violation or page error', () => {
    expect(requests.length).toBeGreaterThan(5);
    const foreign = requests.filter((url) => !url.startsWith('data:') && new URL(url).origin !== origin);
    expect(foreign).toEqual([]);
    expect(requests.some((url) => /\/console\/assets\/graphql\.worker-/.test(url))).toBe(true);
    expect(cspViolations).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
