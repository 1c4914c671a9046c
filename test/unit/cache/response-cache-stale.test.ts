// The response cache's stale window: an answer past its max-age is still returned (marked
// stale by isStale) until the window ends, never without a window, and one refresh per key
// may be claimed at a time.

import { describe, expect, it } from 'vitest';
import { MemoryStore, TieredStore } from '../../../lib/cache/store.ts';
import { ResponseCache, cacheKeys, isStale } from '../../../gateway/response-cache/cache.ts';
import { ANONYMOUS } from '../../../lib/principal.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const answer = { status: 200, contentType: 'application/json', maxAgeS: 1, scope: 'PUBLIC' as const, operationName: 'Q', queryHash: null, datasets: ['beijing:1'] };

function cacheWith(staleS: number): ResponseCache {
  return new ResponseCache(new TieredStore(new MemoryStore({ maxBytes: 1 << 20 }), undefined), 3600, staleS);
}

describe('response cache stale window', () => {
  it('returns an answer past its max-age as stale within the window, and nothing without one', async () => {
    const keys = cacheKeys('POST', '{"query":"{ a }"}', ANONYMOUS);
    const withWindow = cacheWith(5);
    const without = cacheWith(0);
    await withWindow.save(keys, answer, '{"data":{"a":1}}');
    await without.save(keys, answer, '{"data":{"a":1}}');
    const fresh = withWindow.lookupLocal(keys)!;
    expect(isStale(fresh)).toBe(false);
    expect(fresh.body.toString()).toBe('{"data":{"a":1}}');
    await sleep(1050);
    const stale = withWindow.lookupLocal(keys);
    expect(stale?.body.toString()).toBe('{"data":{"a":1}}');
    expect(isStale(stale!)).toBe(true);
    expect(without.lookupLocal(keys)).toBeUndefined();
    expect(await without.lookup(keys)).toBeUndefined();
  });

  it('lets one refresh per key run at a time', async () => {
    const cache = cacheWith(5);
    const keys = cacheKeys('POST', '{"query":"{ b }"}', ANONYMOUS);
    await cache.save(keys, answer, '{}');
    const entry = cache.lookupLocal(keys)!;
    expect(cache.claimRefresh(keys, entry)).toBe(true);
    expect(cache.claimRefresh(keys, entry)).toBe(false);
    cache.refreshed(keys, entry);
    expect(cache.claimRefresh(keys, entry)).toBe(true);
  });
});
