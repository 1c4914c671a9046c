// gateway/request/cache.ts: when a request may use the response cache, a hit's headers, what
// is stored, and the background refresh of a stale answer.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { HeaderMap, type HTTPGraphQLResponse } from '@apollo/server';
import { cachePlanOf, revalidate, storeAnswer, writeHit } from '../../../gateway/request/cache.ts';
import { ResponseCache } from '../../../gateway/response-cache/cache.ts';
import type { GatewayContext } from '../../../gateway/contracts.ts';
import { MemoryStore, TieredStore } from '../../../lib/cache/store.ts';
import { ANONYMOUS } from '../../../lib/principal.ts';

const newCache = () => new ResponseCache(new TieredStore(new MemoryStore({ maxBytes: 1 << 20 }), undefined), 3600, 60);
const req = (method: string, headers: Record<string, string>) => ({ method, headers }) as unknown as IncomingMessage;
const raw = Buffer.from('{"query":"{ a }"}');
const response: HTTPGraphQLResponse = { status: 200, headers: new HeaderMap([['content-type', 'application/json']]), body: { kind: 'complete', string: '{"data":{"id":"beijing:1"}}' } };
const context = (cacheable: boolean): GatewayContext => ({
  principal: ANONYMOUS,
  stale: new Set(),
  outcome: { cacheDecision: { cacheable, maxAgeS: 30, scope: 'PUBLIC', isQuery: true }, facts: { operationName: 'A', queryHash: 'h', errorCodes: [], hasData: true, resolved: true } },
});

/** A response that records what is written to it. */
function recorder() {
  const out: { status?: number; headers?: Array<string | number>; body?: unknown } = {};
  const res = {
    destroyed: false,
    writeHead: (s: number, h: Array<string | number>) => Object.assign(out, { status: s, headers: h }),
    end: (b: unknown) => Object.assign(out, { body: b }),
  } as unknown as ServerResponse;
  return { res, out };
}

describe('the cache step', () => {
  it("applies Apollo's CSRF rule: a request a browser could send without a preflight is not served from the cache", () => {
    const cache = newCache();
    expect(cachePlanOf(cache, req('POST', { 'content-type': 'application/json' }), raw, ANONYMOUS)).toBeDefined();
    expect(cachePlanOf(cache, req('POST', { 'content-type': 'text/plain' }), raw, ANONYMOUS)).toBeUndefined();
    expect(cachePlanOf(cache, req('GET', {}), raw, ANONYMOUS)).toBeUndefined();
    expect(cachePlanOf(cache, req('GET', { 'apollo-require-preflight': 'true' }), raw, ANONYMOUS)).toBeDefined();
    expect(cachePlanOf(undefined, req('POST', { 'content-type': 'application/json' }), raw, ANONYMOUS)).toBeUndefined();
  });

  it('skips the look-up but still stores on Cache-Control: no-cache', () => {
    const plan = cachePlanOf(newCache(), req('POST', { 'content-type': 'application/json', 'cache-control': 'no-cache' }), raw, ANONYMOUS);
    expect(plan?.lookUp).toBe(false);
  });

  it('stores only what the cache decision allows, and writes a hit from its bytes with Age and scope', async () => {
    const cache = newCache();
    const plan = cachePlanOf(cache, req('POST', { 'content-type': 'application/json' }), raw, ANONYMOUS)!;
    await storeAnswer(plan, 200, response, context(false), '{"data":{}}', []);
    expect(cache.lookupLocal(plan.keys)).toBeUndefined();
    await storeAnswer(plan, 400, response, context(true), '{"data":{}}', []);
    expect(cache.lookupLocal(plan.keys)).toBeUndefined();
    await storeAnswer(plan, 200, response, context(true), '{"data":{"id":"beijing:1"}}', ['beijing:1']);
    const hit = cache.lookupLocal(plan.keys)!;
    expect(hit.datasets).toEqual(['beijing:1']);
    const { res, out } = recorder();
    writeHit(res, hit, false, true);
    const headers = Object.fromEntries(Array.from({ length: out.headers!.length / 2 }, (_, i) => [out.headers![2 * i], out.headers![2 * i + 1]]));
    expect(out.status).toBe(200);
    expect(headers).toMatchObject({ 'cache-control': 'max-age=30, private', 'x-dataex-cache': 'HIT', age: '0' });
    expect(String(out.body)).toBe('{"data":{"id":"beijing:1"}}');
  });

  it('refreshes a stale answer by executing again, and releases the refresh claim even when that fails', async () => {
    const cache = newCache();
    const plan = cachePlanOf(cache, req('POST', { 'content-type': 'application/json' }), raw, ANONYMOUS)!;
    await storeAnswer(plan, 200, response, context(true), '{"data":{"v":1}}', []);
    const stale = cache.lookupLocal(plan.keys)!;
    expect(cache.claimRefresh(plan.keys, stale)).toBe(true);
    await revalidate(plan, stale, async () => {
      throw new Error('upstream down');
    });
    expect(cache.claimRefresh(plan.keys, stale)).toBe(true);
    await revalidate(plan, stale, async () => ({ response: { ...response, body: { kind: 'complete', string: '{"data":{"v":2}}' } }, context: context(true) }));
    expect(String(cache.lookupLocal(plan.keys)!.body)).toBe('{"data":{"v":2}}');
  });
});
