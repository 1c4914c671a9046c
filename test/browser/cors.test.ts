// CORS from a real browser (issue 17, item 1): a page on a second origin, in Debian's Chromium,
// sends every header dataex documents or GraphQL clients send, and reads every header dataex
// answers with. Chromium enforces CORS itself: a header not allowed fails the fetch, a header
// not exposed reads as null.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { apiKey, startTestStack, type TestStack } from '../helpers/stack.ts';
import { launchChromium, skipBrowserTests, type LaunchedBrowser } from './chromium.ts';

let stack: TestStack;
let page: Server;
let origin: string;
let browser: LaunchedBrowser;
let analyst: string;
let publicKey: string;

beforeAll(async () => {
  if (skipBrowserTests) return;
  page = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>app</title><p>app'));
  await new Promise<void>((resolve) => page.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(page.address() as AddressInfo).port}`;
  stack = await startTestStack({ DATAEX_CORS_ORIGINS: origin, DATAEX_RATE_LIMITS: 'public=1/2,analyst=off,admin=off' });
  analyst = (await apiKey(stack, 'analyst', 'cors-analyst')).authorization;
  publicKey = (await apiKey(stack, 'public', 'cors-public')).authorization;
  browser = await launchChromium();
  await browser.page.goto(origin);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await stack?.close();
  await new Promise((resolve) => page?.close(resolve));
});

interface Fetched {
  ok: boolean;
  status?: number;
  error?: string;
  headers?: Record<string, string | null>;
  text?: string;
}

/** fetch() from the page on the app's origin; reads the named response headers. */
async function fetchFromPage(url: string, init: { method?: string; headers?: Record<string, string>; body?: string }, read: string[]): Promise<Fetched> {
  return browser.page.evaluate(
    async ({ url, init, read }) => {
      try {
        const res = await fetch(url, init);
        const headers: Record<string, string | null> = {};
        for (const name of read) headers[name] = res.headers.get(name);
        return { ok: true, status: res.status, headers, text: await res.text() };
      } catch (e) {
        return { ok: false, error: String(e) };
      }
    },
    { url, init, read },
  );
}

describe.skipIf(skipBrowserTests)('CORS from a page on another origin', () => {
  it('sends trace context, CSRF-prevention and cache-control headers, and reads x-dataex-cache and Age', async () => {
    const body = JSON.stringify({ query: '{ exchanges { id name } }' });
    const headers = {
      'content-type': 'application/json',
      authorization: analyst,
      traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      tracestate: 'vendor=value',
      'apollographql-client-name': 'web',
      'apollographql-client-version': '1.0.0',
    };
    const first = await fetchFromPage(stack.gateway.url, { method: 'POST', headers, body }, ['x-dataex-cache', 'age']);
    expect(first.error).toBeUndefined();
    expect(first.status).toBe(200);
    expect(JSON.parse(first.text!).data.exchanges.length).toBeGreaterThan(0);
    expect(first.headers!['x-dataex-cache']).toBe('MISS');
    const second = await fetchFromPage(stack.gateway.url, { method: 'POST', headers, body }, ['x-dataex-cache', 'age']);
    expect(second.headers).toMatchObject({ 'x-dataex-cache': 'HIT' });
    expect(second.headers!.age).toMatch(/^\d+$/);
    // `Cache-Control: no-cache` skips the look-up.
    const fresh = await fetchFromPage(stack.gateway.url, { method: 'POST', headers: { ...headers, 'cache-control': 'no-cache' }, body }, ['x-dataex-cache']);
    expect(fresh.error).toBeUndefined();
    expect(fresh.headers!['x-dataex-cache']).toBe('MISS');
  });

  it('sends a GET with x-apollo-operation-name or apollo-require-preflight (as the CSRF error asks)', async () => {
    const url = `${stack.gateway.url}?query=${encodeURIComponent('query Names { exchanges { id } }')}`;
    for (const csrf of [{ 'x-apollo-operation-name': 'Names' }, { 'apollo-require-preflight': 'true' }] as Record<string, string>[]) {
      const res = await fetchFromPage(url, { headers: { ...csrf, authorization: analyst } }, []);
      expect(res.error, JSON.stringify(csrf)).toBeUndefined();
      expect(res.status).toBe(200);
      expect(JSON.parse(res.text!).data.exchanges.length).toBeGreaterThan(0);
    }
  });

  it('reads Content-Disposition on an export and Retry-After on a 429', async () => {
    const csv = await fetchFromPage(`${stack.baseUrl}/saved-queries/exchange-status/run?format=csv`, { headers: { authorization: analyst } }, ['content-disposition', 'x-dataex-saved-query']);
    expect(csv.status).toBe(200);
    expect(csv.headers!['content-disposition']).toMatch(/^attachment; filename="exchange-status-\d{8}\.csv"$/);
    expect(csv.headers!['x-dataex-saved-query']).toBe('exchange-status');

    let limited: Fetched | undefined;
    for (let i = 0; i < 10 && !limited; i++) {
      const res = await fetchFromPage(
        stack.gateway.url,
        { method: 'POST', headers: { 'content-type': 'application/json', authorization: publicKey }, body: JSON.stringify({ query: `{ exchanges { id } a${i}: exchanges { name } }` }) },
        ['retry-after'],
      );
      expect(res.error).toBeUndefined();
      if (res.status === 429) limited = res;
    }
    expect(limited).toBeDefined();
    expect(limited!.headers!['retry-after']).toMatch(/^\d+$/);
  });

  it('varies on Origin, and gives other origins no CORS headers', async () => {
    const preflight = await request(stack.gateway.url, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'traceparent, content-type' },
    });
    await preflight.body.text();
    expect(preflight.statusCode).toBe(204);
    expect(String(preflight.headers.vary)).toMatch(/\borigin\b/i);
    expect(String(preflight.headers['access-control-allow-headers'])).toMatch(/\btraceparent\b/);
    const stranger = await request(stack.gateway.url, {
      method: 'POST',
      headers: { origin: 'http://evil.example', 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ exchanges { id } }' }),
    });
    await stranger.body.text();
    expect(stranger.headers['access-control-allow-origin']).toBeUndefined();
    expect(String(stranger.headers.vary)).toMatch(/\borigin\b/i);
  });
});
