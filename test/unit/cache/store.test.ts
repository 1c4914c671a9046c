import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../../lib/cache/store.ts';
import { accessClass, cacheKeys, datasetIdsOf, tagsOf } from '../../../gateway/response-cache/cache.ts';
import { ANONYMOUS } from '../../../lib/principal.ts';

describe('MemoryStore', () => {
  it('evicts the least recently used entries beyond its byte budget', async () => {
    const store = new MemoryStore({ maxBytes: 1_000 });
    for (let i = 0; i < 5; i++) await store.set(`k${i}`, Buffer.alloc(300, i), 60_000);
    expect(store.bytes).toBeLessThanOrEqual(1_000);
    expect(await store.get('k0')).toBeUndefined();
    expect((await store.get('k4'))?.[0]).toBe(4);
  });

  it('expires entries after their TTL and purges by tag', async () => {
    const store = new MemoryStore({ maxBytes: 10_000 });
    await store.set('short', Buffer.from('x'), 30);
    await store.set('a', Buffer.from('a'), 60_000);
    await store.set('b', Buffer.from('b'), 60_000);
    await store.tag('a', ['t1'], 60_000);
    await store.tag('b', ['t2'], 60_000);
    await new Promise((r) => setTimeout(r, 60));
    expect(await store.get('short')).toBeUndefined();
    expect(await store.purgeTag('t1')).toBe(1);
    expect(await store.get('a')).toBeUndefined();
    expect((await store.get('b'))?.toString()).toBe('b');
  });
});

describe('MemoryStore tags', () => {
  it('forget entries that were evicted or expired, so the tag index stays bounded', async () => {
    const store = new MemoryStore({ maxBytes: 2_000 });
    for (let i = 0; i < 100; i++) {
      await store.set(`k${i}`, Buffer.alloc(400), 60_000);
      await store.tag(`k${i}`, [`ds:${i}`, 'ex:beijing'], 60_000);
    }
    expect(store.size).toBeLessThanOrEqual(5);
    expect(store.tagCount).toBeLessThanOrEqual(store.size + 1);
    const live = store.size;
    expect(live).toBeGreaterThan(0);
    expect(await store.purgeTag('ex:beijing')).toBe(live);
    expect(store.size).toBe(0);
    expect(store.tagCount).toBe(0);
  });
});

describe('response cache keys', () => {
  const analyst = { id: 'ana', role: 'analyst' as const, clearance: { maxLevel: 'IMPORTANT' as const, maxGrade: null }, personalInfo: false };
  const analyst2 = { ...analyst, id: 'bob' };
  const pi = { ...analyst, id: 'carol', personalInfo: true };

  it('shares the PUBLIC key within an access class and never the PRIVATE key', () => {
    const body = Buffer.from('{"query":"{ exchanges { id } }"}');
    expect(cacheKeys('POST', body, analyst).shared).toBe(cacheKeys('POST', body, analyst2).shared);
    expect(cacheKeys('POST', body, analyst).private).not.toBe(cacheKeys('POST', body, analyst2).private);
    expect(cacheKeys('POST', body, analyst).shared).not.toBe(cacheKeys('POST', body, pi).shared);
    expect(cacheKeys('POST', body, analyst).shared).not.toBe(cacheKeys('POST', body, ANONYMOUS).shared);
    expect(cacheKeys('POST', Buffer.from('{"query":"{ exchanges { name } }"}'), analyst).shared).not.toBe(cacheKeys('POST', body, analyst).shared);
    expect(accessClass(analyst)).not.toBe(accessClass(pi));
  });

  it('tags an answer with the datasets and exchanges it holds', () => {
    const ids = datasetIdsOf('{"data":{"a":{"id":"beijing:3f2a"},"b":[{"id":"shanghai:tradable:1789"}],"c":{"id":"guiyang"},"d":{"id":"beijing:3f2a"}}}');
    expect(ids).toEqual(['beijing:3f2a', 'shanghai:tradable:1789']);
    const tags = tagsOf(ids);
    expect(tags.sort()).toEqual(['ds:beijing:3f2a', 'ds:shanghai:tradable:1789', 'ex:beijing', 'ex:shanghai']);
  });
});
