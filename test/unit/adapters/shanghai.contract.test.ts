// Shanghai's adapter against its simulator (harness: ./contract-harness.ts): two id spaces in
// pages of 100, ids beyond 2^53, detail batches of ≤ 50, the OAuth token's life.

import { describe, expect, it } from 'vitest';
import { startSimulator } from '../../../simulators/index.ts';
import { createShanghaiAdapter, DETAIL_BATCH_PATH, SEARCH_PATH } from '../../../subgraphs/shanghai/adapter.ts';
import { TOKEN_PATH } from '../../../subgraphs/shanghai/token.ts';
import { collect, failure } from './helpers.ts';
import { expectDetailsMatchWorld, expectHarvestMatchesWorld, harvestAll, listAdapter, listingsOf, pickSome, stats, useSimulator } from './contract-harness.ts';

const SEARCH = `POST ${SEARCH_PATH}`;
const BATCH = `POST ${DETAIL_BATCH_PATH}`;
const TOKEN = `POST ${TOKEN_PATH}`;

describe('shanghai adapter ↔ simulator', () => {
  const t = useSimulator('shanghai', (sim) => listAdapter('shanghai', sim.url));

  it('harvests both id spaces in pages of 100, each matching the world', async () => {
    await expectHarvestMatchesWorld(t.adapter, t.sim, 'shanghai', { sectors: 'all', time: 'seconds', keywords: 'first3', unit: false });
    const routes = await stats(t.sim);
    expect(routes[TOKEN]).toBe(1);
    const perType = [1, 2].map((type) => t.sim.world.listings.shanghai.filter((l) => l.serviceType === type).length);
    expect(routes[SEARCH]).toBe(perType.reduce((n, c) => n + Math.ceil(c / 100), 0));
  });

  it('keeps colliding ids apart and exact (beyond 2^53)', async () => {
    const { records } = await harvestAll(t.adapter);
    const ids = new Set(records.map((r) => r.id));
    expect(t.sim.world.shanghaiCollidingIds.length).toBeGreaterThan(0);
    for (const id of t.sim.world.shanghaiCollidingIds.slice(0, 20)) {
      expect(id > BigInt(Number.MAX_SAFE_INTEGER)).toBe(true);
      expect(ids.has(`shanghai:registered:${id}`)).toBe(true);
      expect(ids.has(`shanghai:tradable:${id}`)).toBe(true);
    }
  });

  it('fetches details in batches of ≤ 50, colliding keys resolved separately', async () => {
    const { sim, adapter } = t;
    const colliding = sim.world.shanghaiCollidingIds.slice(0, 3).flatMap((id) => [`registered:${id}`, `tradable:${id}`]);
    const listings = [...pickSome(listingsOf(sim.world, 'shanghai'), 60), ...colliding.map((k) => sim.world.listingById.get(`shanghai:${k}`)!)];
    const before = (await stats(sim))[BATCH] ?? 0;
    await expectDetailsMatchWorld(adapter, sim.world, listings);
    const after = (await stats(sim))[BATCH];
    expect(after - before).toBe(Math.ceil(new Set(listings.map((l) => l.nativeId)).size / 50));
  });

  it('refreshes a token shortly before it expires (no 401 needed), and on a 401', async () => {
    const own = await startSimulator('shanghai', { port: 0, tokenTtlSeconds: 60 });
    const ids = own.world.listings.shanghai.slice(0, 2).map((l) => l.nativeId);
    const ok = (out: Map<string, unknown>) => [...out.values()].every((d) => d && !(d instanceof Error));
    const calls = async () => {
      const s = await stats(own);
      return { token: s[TOKEN] ?? 0, batch: s[BATCH] ?? 0 };
    };
    try {
      // The adapter's clock, moved by hand: the token (60 s, refreshed 10% = 6 s early) is due
      // for renewal by the adapter's reckoning while the upstream still honours it.
      let clock = Date.now();
      const a = createShanghaiAdapter({ baseUrl: own.url, now: () => clock });
      expect(ok(await a.details(ids))).toBe(true);
      expect(await calls()).toEqual({ token: 1, batch: 1 });
      clock += 54_000 - 1_000;
      expect(ok(await a.details(ids))).toBe(true);
      expect(await calls()).toEqual({ token: 1, batch: 2 });
      clock += 2_000;
      expect(ok(await a.details(ids))).toBe(true);
      // Renewed before use: one more token call and no batch refused (no 401, no retry).
      expect(await calls()).toEqual({ token: 2, batch: 3 });
      await a.close();

      // The upstream forgets every token it issued (POST /__sim/reset revokes them and zeroes
      // the counts) while the adapter believes its own valid (frozen clock): the next batch is
      // refused with 401, the adapter fetches one new token and the retry succeeds.
      const frozen = Date.now();
      const b = createShanghaiAdapter({ baseUrl: own.url, now: () => frozen });
      expect(ok(await b.details(ids))).toBe(true);
      await fetch(`${own.url}/__sim/reset`, { method: 'POST' });
      expect(ok(await b.details(ids))).toBe(true);
      expect(await calls()).toEqual({ token: 1, batch: 2 });
      await b.close();
    } finally {
      await own.close();
    }
  });

  it('maps wrong client credentials to UPSTREAM_ERROR without the secret', async () => {
    const bad = listAdapter('shanghai', t.sim.url, { clientSecret: 'wrong-secret-value' });
    const e = await failure(collect(bad));
    expect(e).toMatchObject({ code: 'UPSTREAM_ERROR', upstream: 'shanghai' });
    expect(e.message).not.toContain('wrong-secret-value');
    await bad.close();
  });
});
