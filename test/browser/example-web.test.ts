// The example app (examples/web) in Debian's Chromium against the real stack: built by the same
// code `npm run example` runs, served from its own origin (CORS configured for it), its
// persisted-documents manifest published as trusted documents of app "web". It searches in
// Chinese, pages forward and back, narrows by a facet, opens a dataset, sees pricing refused
// (FORBIDDEN) until an analyst key is entered, and shows an exchange that is down. Every request
// it sends carries a hash, never a document. A second gateway in trusted-documents mode
// (DATAEX_TRUSTED_DOCUMENTS=only) still serves the app while an ad-hoc document from the same
// page is refused; a third, with a tight public rate limit, shows RATE_LIMITED counting down its
// Retry-After and then the answer.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildExample, EXAMPLE_APP, publishExample, readManifest, serveExample, type ServedExample } from '../../examples/web/serve.ts';
import { createClient, DataexError } from '../../examples/web/src/client.ts';
import { ExchangeStripQuery, SearchQuery } from '../../examples/web/src/operations.ts';
import { EXCHANGES } from '../../subgraphs/exchanges.ts';
import { simCall, startExtraGateway, startTestStack, type TestStack } from '../helpers/stack.ts';
import { createKeys, type Keys } from '../unit/saved-queries/lifecycle.ts';
import { launchChromium, skipBrowserTests, type LaunchedBrowser } from './chromium.ts';

const TEXT = '行政处罚';
const SEARCH_IDS = 'query Ids($text: String, $after: String) { search(text: $text, first: 10, after: $after) { totalCount pageInfo { endCursor } edges { node { id } } } }';

let stack: TestStack;
let keys: Keys;
let strict: Awaited<ReturnType<typeof startExtraGateway>>;
let limited: Awaited<ReturnType<typeof startExtraGateway>>;
let browser: LaunchedBrowser;
const work = mkdtempSync(join(tmpdir(), 'dataex-example-'));
const served: Record<'main' | 'strict' | 'limited', ServedExample> = {} as never;
/** Bodies of the GraphQL requests each page sent, by gateway URL. */
const sent = new Map<string, Array<Record<string, unknown>>>();

function record(page: Page): void {
  page.on('request', (req) => {
    if (req.method() !== 'POST' || !req.url().endsWith('/graphql')) return;
    const list = sent.get(req.url()) ?? [];
    list.push(req.postDataJSON() as Record<string, unknown>);
    sent.set(req.url(), list);
  });
}

async function idsOnPage(page: Page): Promise<string[]> {
  return page.locator('[data-testid=result]').evaluateAll((items) => items.map((li) => li.getAttribute('data-id') ?? ''));
}

beforeAll(async () => {
  if (skipBrowserTests) return;
  // The pages' origins first: each gateway's CORS names its page's origin exactly.
  for (const name of ['main', 'strict', 'limited'] as const) {
    served[name] = await serveExample({ outDir: join(work, name), port: 0, host: '127.0.0.1' });
  }
  // Exchanges are probed every 200 ms, so one taken offline turns stale within seconds.
  stack = await startTestStack({ DATAEX_CORS_ORIGINS: served.main.origin, DATAEX_PLAYGROUND: 'false', DATAEX_PROBE_INTERVAL_MS: '200' });
  keys = await createKeys(stack);
  strict = await startExtraGateway(stack, { DATAEX_TRUSTED_DOCUMENTS: 'only', DATAEX_CORS_ORIGINS: served.strict.origin, DATAEX_PLAYGROUND: 'false', DATAEX_RATE_LIMITS: 'off' });
  // One token every 5 s, two at once: loading the page spends both.
  limited = await startExtraGateway(stack, { DATAEX_CORS_ORIGINS: served.limited.origin, DATAEX_PLAYGROUND: 'false', DATAEX_RATE_LIMITS: 'public=0.2/2,analyst=off,admin=off' });
  const published = await publishExample(stack.baseUrl, keys.admin);
  expect(published.published).toBe(Object.keys(readManifest()).length);
  await buildExample({ gatewayUrl: stack.gateway.url, outDir: join(work, 'main') });
  await buildExample({ gatewayUrl: strict.gateway.url, outDir: join(work, 'strict') });
  await buildExample({ gatewayUrl: limited.gateway.url, outDir: join(work, 'limited') });
  browser = await launchChromium();
  record(browser.page);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await limited?.close();
  await strict?.close();
  await stack?.close();
  for (const s of Object.values(served)) await s?.close();
  rmSync(work, { recursive: true, force: true });
});

describe.skipIf(skipBrowserTests)('the example app (examples/web)', () => {
  it('shows every exchange in the status strip', async () => {
    const { page } = browser;
    await page.goto(`${served.main.origin}/`);
    await expect.poll(() => page.locator('[data-testid=exchange-strip] > li').count(), { timeout: 15_000 }).toBe(EXCHANGES.length);
    // Each exchange by its name, with a status (an exchange may turn DEGRADED on a loaded machine: its probe runs every 200 ms).
    const api = await stack.gql('{ exchanges { id name } }');
    for (const x of api.data.exchanges as Array<{ id: string; name: string }>) {
      expect(await page.locator(`[data-testid=exchange-${x.id}] .name`).textContent()).toBe(x.name);
      expect(await page.locator(`[data-testid=exchange-${x.id}] .status`).textContent()).toMatch(/^(ONLINE|DEGRADED|STALE|OFFLINE)$/);
    }
  });

  it('searches in Chinese and pages forward and back through the same results as the API', async () => {
    const { page } = browser;
    await page.fill('[data-testid=search-input]', TEXT);
    await page.click('[data-testid=search-button]');
    const first = await stack.gql(SEARCH_IDS, { text: TEXT });
    const firstIds = first.data.search.edges.map((e: { node: { id: string } }) => e.node.id);
    expect(firstIds.length).toBe(10);
    await expect.poll(() => idsOnPage(page), { timeout: 15_000 }).toEqual(firstIds);
    await expect.poll(() => page.locator('[data-testid=result-count]').textContent(), { timeout: 15_000 }).toBe(`${first.data.search.totalCount} listings · page 1`);

    await page.click('[data-testid=next-page]');
    const second = await stack.gql(SEARCH_IDS, { text: TEXT, after: first.data.search.pageInfo.endCursor });
    const secondIds = second.data.search.edges.map((e: { node: { id: string } }) => e.node.id);
    await expect.poll(() => idsOnPage(page), { timeout: 15_000 }).toEqual(secondIds);
    expect(secondIds.filter((id: string) => firstIds.includes(id))).toEqual([]);
    await expect.poll(() => page.locator('[data-testid=result-count]').textContent(), { timeout: 15_000 }).toMatch(/page 2$/);

    await page.click('[data-testid=previous-page]');
    await expect.poll(() => idsOnPage(page), { timeout: 15_000 }).toEqual(firstIds);
  });

  it('narrows the search by an exchange facet', async () => {
    const { page } = browser;
    const facet = page.locator('[data-testid=facet-exchanges] label', { hasText: '上海' });
    const label = await facet.textContent();
    const count = Number(/\((\d+)\)\s*$/.exec(label ?? '')?.[1]);
    expect(count).toBeGreaterThan(0);
    await facet.locator('input').check();
    await expect.poll(() => page.locator('[data-testid=result-count]').textContent(), { timeout: 15_000 }).toBe(`${count} listings · page 1`);
    const ids = await idsOnPage(page);
    expect(ids.length).toBe(Math.min(10, count));
    for (const id of ids) expect(id.startsWith('shanghai:'), id).toBe(true);
  });

  it('opens a dataset: pricing is FORBIDDEN without a key and shown after an analyst key is entered', async () => {
    const { page } = browser;
    const firstResult = page.locator('[data-testid=result]').first();
    const id = (await firstResult.getAttribute('data-id'))!;
    const title = await firstResult.locator('a.title').textContent();
    await firstResult.locator('a.title').click();
    await expect.poll(() => page.locator('[data-testid=dataset-title]').textContent(), { timeout: 15_000 }).toBe(title);
    await expect.poll(() => page.locator('[data-testid=pricing-forbidden]').count(), { timeout: 15_000 }).toBe(1);
    expect(await page.locator('[data-testid=pricing]').count()).toBe(0);

    await page.fill('[data-testid=key-input]', keys.analyst);
    await page.click('[data-testid=key-button]');
    await expect.poll(() => page.locator('[data-testid=pricing] tr').count(), { timeout: 15_000 }).toBeGreaterThan(1);
    expect(await page.locator('[data-testid=pricing-forbidden]').count()).toBe(0);
    const api = await stack.gql('query P($id: ID!) { dataset(id: $id) { pricing { model } } }', { id }, { authorization: `Bearer ${keys.analyst}` });
    const models = await page.locator('[data-testid=pricing] tr td:first-child').allTextContents();
    expect(models).toEqual(api.data.dataset.pricing.map((p: { model: string }) => p.model));
    expect(await page.locator('[data-testid=key-state]').textContent()).toBe(`key …${keys.analyst.slice(-4)}`);
  });

  it('opens the provider page across exchanges', async () => {
    const { page } = browser;
    const name = await page.locator('[data-testid=provider-link]').textContent();
    await page.click('[data-testid=provider-link]');
    await expect.poll(() => page.locator('[data-testid=provider-name]').textContent(), { timeout: 15_000 }).toBe(name);
    expect(await page.locator('[data-testid=provider-datasets] li').count()).toBeGreaterThan(0);
    expect((await page.locator('[data-testid=provider-exchanges]').textContent())?.length).toBeGreaterThan(0);
  });

  it('marks an exchange that is down: its live fields unavailable, then the exchange stale in the strip', async () => {
    const { page } = browser;
    // A Guiyang listing no one has opened yet (the catalog answers without calling the exchange).
    const listing = await stack.gql('{ search(filter: { exchanges: ["guiyang"] }, orderBy: TITLE_ASC, first: 100) { edges { node { id } } } }');
    const id = listing.data.search.edges.at(-1).node.id as string;
    await simCall(stack.simulators.guiyang!.url, 'POST', '/__sim/faults', { mode: 'offline' });
    try {
      await page.goto(`${served.main.origin}/#/dataset/${encodeURIComponent(id)}`);
      await expect.poll(() => page.locator('[data-testid=pricing-unavailable]').textContent(), { timeout: 15_000 }).toMatch(/^guiyang did not answer \(UPSTREAM_(UNAVAILABLE|ERROR)\)/);
      // The strip follows the exchange's status (cached up to its 10 s hint): reload until it says so.
      await expect
        .poll(
          async () => {
            await page.reload();
            await page.locator('[data-testid=exchange-guiyang]').waitFor({ timeout: 10_000 });
            return page.locator('[data-testid=exchange-guiyang] .status').textContent();
          },
          { timeout: 40_000, interval: 1000 },
        )
        .toBe('STALE');
    } finally {
      await simCall(stack.simulators.guiyang!.url, 'POST', '/__sim/faults', { mode: 'none' });
    }
  }, 90_000);

  it('sends every operation by its hash alone (documentId), never as a document', () => {
    const bodies = sent.get(stack.gateway.url) ?? [];
    expect(bodies.length).toBeGreaterThan(8);
    const manifest = readManifest();
    for (const body of bodies) {
      expect(body.query, JSON.stringify(body)).toBeUndefined();
      expect(String(body.documentId)).toMatch(new RegExp(`^${EXAMPLE_APP}/sha256:[0-9a-f]{64}$`));
      expect(manifest[String(body.documentId).slice(EXAMPLE_APP.length + 1)]).toBeDefined();
    }
  });
});

describe.skipIf(skipBrowserTests)('the example app against a gateway in trusted-documents mode', () => {
  it('still searches and opens datasets, while an ad-hoc document from the same page is refused', async () => {
    const { page } = browser;
    await page.goto(`${served.strict.origin}/#/search?text=${encodeURIComponent(TEXT)}`);
    await expect.poll(() => page.locator('[data-testid=result]').count(), { timeout: 15_000 }).toBe(10);
    await page.locator('[data-testid=result] a.title').first().click();
    await expect.poll(() => page.locator('[data-testid=dataset-title]').count(), { timeout: 15_000 }).toBe(1);
    expect(await page.locator('[data-testid=error]').count()).toBe(0);
    const bodies = [...(sent.get(strict.gateway.url) ?? [])];
    expect(bodies.length).toBeGreaterThan(2);
    for (const body of bodies) expect(body.query, JSON.stringify(body)).toBeUndefined();

    const adHoc = await page.evaluate(async (url) => {
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ exchanges { id } }' }) });
      return { status: res.status, body: await res.json() };
    }, strict.gateway.url);
    expect(adHoc.status).toBe(403);
    expect(adHoc.body.errors[0].extensions.code).toBe('FORBIDDEN');
    expect(adHoc.body.errors[0].message).toMatch(/trusted/i);
    expect(adHoc.body.data).toBeUndefined();
  });
});

describe.skipIf(skipBrowserTests)('the example app against a rate-limited gateway', () => {
  it('shows RATE_LIMITED counting down its Retry-After, then asks again and shows the answer', async () => {
    const { page } = browser;
    await page.goto(`${served.limited.origin}/`);
    await expect.poll(() => page.locator('[data-testid=result]').count(), { timeout: 15_000 }).toBe(10);
    const before = await idsOnPage(page);
    // Every text the rate-limit notice shows, recorded as it appears (it is gone again once the
    // retry succeeds, which on a fast machine is a second later).
    await page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { rateLimitNotices: string[] }).rateLimitNotices = seen;
      new MutationObserver(() => {
        const notice = document.querySelector('[data-testid=rate-limited]');
        if (notice?.textContent && seen.at(-1) !== notice.textContent) seen.push(notice.textContent);
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    });
    const notices = () => page.evaluate(() => (window as unknown as { rateLimitNotices: string[] }).rateLimitNotices);
    // Loading spent both tokens (strip and first search); one comes back every 5 s, so on a slow
    // machine a search may still get through: search again (other words each time) until refused.
    for (const text of [TEXT, '数据', '交通', '企业', '信用', '医疗']) {
      await page.fill('[data-testid=search-input]', text);
      await page.click('[data-testid=search-button]');
      const refused = await expect
        .poll(async () => (await notices()).length, { timeout: 3_000 })
        .toBeGreaterThan(0)
        .then(() => true)
        .catch(() => false);
      if (refused) break;
    }
    const seen = await notices();
    expect(seen.length).toBeGreaterThan(0);
    expect(seen[0]).toMatch(/^Too many requests \(RATE_LIMITED\): trying again in [1-5] s$/);
    await expect.poll(() => page.locator('[data-testid=result-count]').textContent(), { timeout: 20_000 }).toMatch(/ listings · page 1$/);
    expect(await page.locator('[data-testid=rate-limited]').count()).toBe(0);
    expect(await idsOnPage(page)).not.toEqual(before);
  }, 90_000);
});

describe.skipIf(skipBrowserTests)("the example's client (examples/web/src/client.ts) in Node", () => {
  it('falls back once to the document text where its documents are not published, then keeps sending text', async () => {
    const bodies: Array<Record<string, unknown>> = [];
    const realFetch = globalThis.fetch;
    globalThis.fetch = (async (url: string, init: RequestInit) => {
      bodies.push(JSON.parse(String(init.body)));
      return realFetch(url, init);
    }) as typeof fetch;
    try {
      const client = createClient({ url: stack.gateway.url, app: 'not-published', apiKey: () => undefined });
      const strip = await client.execute(ExchangeStripQuery, {});
      expect(strip.data?.exchanges.map((x) => x.id).sort()).toEqual(EXCHANGES.map((x) => x.id).sort());
      expect(client.sendsHashes).toBe(false);
      const search = await client.execute(SearchQuery, { text: TEXT, first: 3 });
      expect(search.data?.search.edges).toHaveLength(3);
      expect(bodies.map((b) => (b.documentId ? 'hash' : b.query ? 'text' : 'neither'))).toEqual(['hash', 'text', 'text']);
      expect(String(bodies[0].documentId)).toMatch(/^not-published\/sha256:[0-9a-f]{64}$/);
    } finally {
      globalThis.fetch = realFetch;
    }
  });

  it('throws the refusal of a whole request as a DataexError with its code and status', async () => {
    const client = createClient({ url: stack.gateway.url, app: EXAMPLE_APP, apiKey: () => 'dx_not_a_real_key' });
    const refused = await client.execute(ExchangeStripQuery, {}).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(DataexError);
    expect(refused).toMatchObject({ code: 'UNAUTHENTICATED', status: 401 });
  });
});
