import { describe, expect, it } from 'vitest';
import { CachedLookup } from '../../../lib/cache/cached-lookup.ts';
import { MemoryStore } from '../../../lib/cache/store.ts';

function setup(opts: { ttlMs?: number; staleMs?: number } = {}) {
  let now = 1_000_000;
  const calls: string[][] = [];
  let failing: Error | undefined;
  let delayMs = 0;
  const lookup = new CachedLookup<string>({
    store: new MemoryStore({ maxBytes: 1 << 20 }),
    namespace: 'x:',
    ttlMs: opts.ttlMs ?? 1_000,
    staleMs: opts.staleMs ?? 10_000,
    negativeTtlMs: 100,
    now: () => now,
    fetch: async (keys) => {
      calls.push([...keys]);
      if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
      if (failing) throw failing;
      return new Map(keys.map((k) => [k, k.startsWith('missing') ? null : `value-${k}`]));
    },
  });
  return {
    lookup,
    calls,
    advance: (ms: number) => (now += ms),
    fail: (e: Error | undefined) => (failing = e),
    delay: (ms: number) => (delayMs = ms),
  };
}

describe('CachedLookup', () => {
  it('fetches missing keys in one batch and serves them from the store afterwards', async () => {
    const t = setup();
    const first = await t.lookup.getMany(['a', 'b', 'a']);
    expect(t.calls).toEqual([['a', 'b']]);
    expect(first.get('a')).toEqual({ value: 'value-a', stale: false, hit: false });
    const second = await t.lookup.getMany(['a', 'b', 'c']);
    expect(t.calls).toEqual([['a', 'b'], ['c']]);
    expect(second.get('a')).toEqual({ value: 'value-a', stale: false, hit: true });
  });

  it('shares one fetch between concurrent callers (single-flight)', async () => {
    const t = setup();
    t.delay(20);
    const results = await Promise.all(Array.from({ length: 30 }, () => t.lookup.getMany(['k'])));
    expect(t.calls).toEqual([['k']]);
    for (const r of results) expect(r.get('k')?.value).toBe('value-k');
  });

  it('refetches after the TTL and caches "not found" for the shorter negative TTL', async () => {
    const t = setup();
    await t.lookup.getMany(['a', 'missing-1']);
    t.advance(500);
    await t.lookup.getMany(['a', 'missing-1']);
    expect(t.calls).toEqual([['a', 'missing-1'], ['missing-1']]);
    t.advance(600);
    await t.lookup.getMany(['a']);
    expect(t.calls.at(-1)).toEqual(['a']);
  });

  it('serves the last good value, flagged stale, while the upstream fails, until the stale limit', async () => {
    const t = setup({ ttlMs: 1_000, staleMs: 5_000 });
    await t.lookup.getMany(['a']);
    t.fail(new Error('upstream down'));
    t.advance(2_000);
    const stale = await t.lookup.getMany(['a', 'never-seen']);
    expect(stale.get('a')).toEqual({ value: 'value-a', stale: true, hit: true });
    expect(stale.get('never-seen')?.value).toBeInstanceOf(Error);
    t.advance(4_000);
    const tooOld = await t.lookup.getMany(['a']);
    expect(tooOld.get('a')?.value).toBeInstanceOf(Error);
    t.fail(undefined);
    expect((await t.lookup.getMany(['a'])).get('a')).toEqual({ value: 'value-a', stale: false, hit: false });
  });

  it('keeps per-key errors apart from good keys, and invalidation forces a refetch', async () => {
    const store = new MemoryStore({ maxBytes: 1 << 20 });
    let calls = 0;
    const lookup = new CachedLookup<string>({
      store,
      namespace: 'y:',
      ttlMs: 60_000,
      staleMs: 60_000,
      fetch: async (keys) => {
        calls++;
        return new Map(keys.map((k) => [k, k === 'bad' ? new Error('bad id') : k.toUpperCase()]));
      },
    });
    const r = await lookup.getMany(['ok', 'bad']);
    expect(r.get('ok')?.value).toBe('OK');
    expect(r.get('bad')?.value).toBeInstanceOf(Error);
    await lookup.getMany(['ok']);
    expect(calls).toBe(1);
    await lookup.invalidate(['ok']);
    await lookup.getMany(['ok']);
    expect(calls).toBe(2);
  });
});
