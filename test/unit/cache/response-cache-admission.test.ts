// The response cache's admission policy: while almost no look-up hits, an answer is stored only
// the second time its key is answered (one-off answers are never copied, tagged or kept); with
// a healthy hit ratio, and before a first window has been judged, every answer is stored.

import { describe, expect, it } from 'vitest';
import { MemoryStore, TieredStore } from '../../../lib/cache/store.ts';
import { ResponseCache, cacheKeys, type AdmissionPolicy } from '../../../gateway/response-cache/cache.ts';
import { ANONYMOUS } from '../../../lib/principal.ts';

const answer = { status: 200, contentType: 'application/json', maxAgeS: 60, scope: 'PUBLIC' as const, operationName: 'Q', queryHash: null, datasets: ['beijing:1'] };
const policy: AdmissionPolicy = { window: 10, minHitRatio: 0.05, doorkeeperSize: 100 };

function cacheWith(admission: AdmissionPolicy = policy): { cache: ResponseCache; memory: MemoryStore } {
  const memory = new MemoryStore({ maxBytes: 1 << 20 });
  return { cache: new ResponseCache(new TieredStore(memory, undefined), 3600, 30, admission), memory };
}

const keysOf = (q: string) => cacheKeys('POST', `{"query":"{ ${q} }"}`, ANONYMOUS);

describe('response cache admission', () => {
  it('stores every answer until a window of look-ups has been judged', async () => {
    const { cache, memory } = cacheWith();
    cache.misses += 9;
    await cache.save(keysOf('a'), answer, '{"data":{"a":1}}');
    expect(cache.admitting).toBe(false);
    expect(cache.lookupLocal(keysOf('a'))?.body.toString()).toBe('{"data":{"a":1}}');
    expect(memory.size).toBe(1);
  });

  it('after a window of misses, stores an answer only on its key’s second sighting', async () => {
    const { cache, memory } = cacheWith();
    cache.misses += 10;
    await cache.save(keysOf('a'), answer, '{"data":{"a":1}}');
    expect(cache.admitting).toBe(true);
    expect(cache.lookupLocal(keysOf('a'))).toBeUndefined();
    expect(memory.size).toBe(0);
    expect(memory.tagCount).toBe(0);
    expect(cache.notAdmitted).toBe(1);
    // Another key answered once is not stored either; the first key's second answer is.
    await cache.save(keysOf('b'), answer, '{"data":{"b":1}}');
    await cache.save(keysOf('a'), answer, '{"data":{"a":2}}');
    expect(cache.lookupLocal(keysOf('b'))).toBeUndefined();
    expect(cache.lookupLocal(keysOf('a'))?.body.toString()).toBe('{"data":{"a":2}}');
    expect(memory.size).toBe(1);
    // Stored under admission, it is tagged like any other answer: a purge drops it.
    expect(await cache.purge({ kind: 'datasets', ids: ['beijing:1'] })).toBe(1);
    expect(cache.lookupLocal(keysOf('a'))).toBeUndefined();
  });

  it('replaces an answer already stored (a stale refresh) at once while admitting', async () => {
    const { cache } = cacheWith();
    await cache.save(keysOf('a'), answer, '{"data":{"a":1}}');
    cache.misses += 10;
    await cache.save(keysOf('a'), answer, '{"data":{"a":2}}');
    expect(cache.admitting).toBe(true);
    expect(cache.lookupLocal(keysOf('a'))?.body.toString()).toBe('{"data":{"a":2}}');
  });

  it('stores every answer again once a window’s hit ratio recovers', async () => {
    const { cache } = cacheWith();
    cache.misses += 10;
    await cache.save(keysOf('a'), answer, '{}');
    expect(cache.admitting).toBe(true);
    cache.hits += 5;
    cache.misses += 5;
    await cache.save(keysOf('c'), answer, '{"data":{"c":1}}');
    expect(cache.admitting).toBe(false);
    expect(cache.lookupLocal(keysOf('c'))?.body.toString()).toBe('{"data":{"c":1}}');
  });

  it('never stores a one-off answer for a caller of another class from a sighting by this one', async () => {
    const { cache } = cacheWith();
    cache.misses += 10;
    const analyst = { ...ANONYMOUS, id: 'k1', role: 'analyst' as const };
    const other = cacheKeys('POST', '{"query":"{ a }"}', analyst);
    await cache.save(keysOf('a'), answer, '{"data":{"a":1}}');
    await cache.save(other, answer, '{"data":{"a":"analyst"}}');
    expect(cache.lookupLocal(other)).toBeUndefined();
    expect(cache.lookupLocal(keysOf('a'))).toBeUndefined();
  });
});
