// Shenzhen's adapter against its simulator (harness: ./contract-harness.ts): 0-based pages of 50,
// signed details, the wrong secret, the simulator's faults, and the pace: at the exchange's real
// limit of 5 calls per second, a burst of details is spread out and meets no 429.

import { afterEach, describe, expect, it } from 'vitest';
import { collect } from './helpers.ts';
import { expectDetailsMatchWorld, expectHarvestMatchesWorld, faults, listAdapter, listingsOf, pickSome, stats, useSimulator } from './contract-harness.ts';
import { COMPLIANCE_KIND } from '../../../subgraphs/shenzhen/mapping.ts';
import { createShenzhenAdapter } from '../../../subgraphs/shenzhen/adapter.ts';
import { PacerRegistry } from '../../../subgraphs/shenzhen/pacer.ts';

const FAST = { callsPerSecond: 1000 };

describe('shenzhen adapter ↔ simulator', () => {
  // No limit on the simulator, the adapter's pace raised with it: the exchange's behaviour, quickly.
  const t = useSimulator('shenzhen', (sim) => listAdapter('shenzhen', sim.url, {}, {}, FAST), { callsPerSecond: 0 });
  afterEach(() => faults(t.sim, { mode: 'none' }));

  it('harvests every listing from pageNo 0, pages of 50, each matching the world', async () => {
    await expectHarvestMatchesWorld(t.adapter, t.sim, 'shenzhen', { sectors: 'primary', time: 'seconds', keywords: 'all', unit: true }, 50);
  });

  it('fetches signed details, their one compliance assessment included', async () => {
    const some = pickSome(listingsOf(t.sim.world, 'shenzhen'), 24);
    await expectDetailsMatchWorld(t.adapter, t.sim.world, some);
    const out = await t.adapter.details(some.map((l) => l.nativeId));
    for (const l of some) {
      const d = out.get(l.nativeId);
      if (!d || d instanceof Error) throw new Error(`no detail of ${l.id}`);
      const w = t.sim.world.detailOf(l);
      expect(d.certificates.map((c) => [c.number, c.issuer, c.kind])).toEqual(w.certificates.map((c) => [c.number, c.issuer, COMPLIANCE_KIND]));
    }
    expect(some.some((l) => t.sim.world.detailOf(l).certificates.length === 1)).toBe(true);
    expect((await t.adapter.details(['SZ00000000000000'])).get('SZ00000000000000')).toBeNull();
  });

  it('maps the wrong secret (code 40001) to UPSTREAM_ERROR naming the signature', async () => {
    const bad = listAdapter('shenzhen', t.sim.url, { appSecret: 'nope' }, {}, FAST);
    const id = listingsOf(t.sim.world, 'shenzhen')[0].nativeId;
    try {
      const out = (await bad.details([id])).get(id);
      expect(out).toMatchObject({ code: 'UPSTREAM_ERROR', upstream: 'shenzhen' });
      expect((out as Error).message).toMatch(/signature/);
      expect((out as Error).message).not.toContain('nope');
    } finally {
      await bad.close();
    }
  });

  it('maps simulator faults: error envelope, garbage, rate limit, offline, hang', async () => {
    const { adapter, sim } = t;
    await faults(sim, { mode: 'error' });
    await expect(collect(adapter)).rejects.toMatchObject({ code: 'UPSTREAM_ERROR', message: expect.stringContaining('系统繁忙') });
    await faults(sim, { mode: 'garbage' });
    await expect(collect(adapter)).rejects.toMatchObject({ code: 'UPSTREAM_ERROR' }); // truncated JSON
    await expect(collect(adapter)).rejects.toMatchObject({ code: 'UPSTREAM_ERROR' }); // wrong envelope
    await faults(sim, { mode: 'ratelimit' });
    await expect(collect(adapter)).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', retryAfterSeconds: 1 });
    await faults(sim, { mode: 'offline' });
    await expect(collect(adapter)).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
    await faults(sim, { mode: 'hang' });
    const quick = listAdapter('shenzhen', sim.url, {}, { timeouts: { headersMs: 200, totalMs: 1000 } }, FAST);
    await expect(collect(quick)).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
    await quick.close();
  });
});

describe('shenzhen adapter at the real limit (5 calls/s per app key)', () => {
  const t = useSimulator('shenzhen', (sim) => listAdapter('shenzhen', sim.url), { callsPerSecond: 5 });

  it('spreads 20 concurrent details over ≥ 3 s and meets no 429', async () => {
    const before = await stats(t.sim);
    const some = pickSome(listingsOf(t.sim.world, 'shenzhen'), 20);
    expect(some).toHaveLength(20);
    const started = performance.now();
    const out = await t.adapter.details(some.map((l) => l.nativeId));
    const ms = performance.now() - started;
    for (const l of some) expect(out.get(l.nativeId), l.id).toMatchObject({ id: l.id });
    // 5 per window: calls 1-5, 6-10, 11-15, 16-20 start in four windows, three full windows apart.
    expect(ms).toBeGreaterThanOrEqual(3000);
    const after = await stats(t.sim);
    expect((after['GET /szde/api/sp/detail'] ?? 0) - (before['GET /szde/api/sp/detail'] ?? 0)).toBe(20);
    const statuses = ((await (await fetch(`${t.sim.url}/__sim/stats`)).json()) as { statuses: Record<string, number> }).statuses;
    expect(statuses['429'] ?? 0).toBe(0);
    expect(statuses['200']).toBeGreaterThanOrEqual(20);
  }, 20_000);

  it('without the pace, the same burst meets the 429 it avoids (the limit is real)', async () => {
    // Its own pacer registry: the process-wide one would pace it with the adapter above (slowest wins).
    const unpaced = createShenzhenAdapter({ baseUrl: t.sim.url, callsPerSecond: 0, pacers: new PacerRegistry() });
    try {
      await fetch(`${t.sim.url}/__sim/reset`, { method: 'POST' });
      const some = pickSome(listingsOf(t.sim.world, 'shenzhen'), 20);
      // rateLimitRetries: the adapter still waits out the 429s and gets every detail.
      const out = await unpaced.details(some.map((l) => l.nativeId));
      expect(some.filter((l) => out.get(l.nativeId) instanceof Error).length).toBeLessThan(20);
      const statuses = ((await (await fetch(`${t.sim.url}/__sim/stats`)).json()) as { statuses: Record<string, number> }).statuses;
      expect(statuses['429']).toBeGreaterThan(0);
    } finally {
      await unpaced.close();
    }
  }, 20_000);
});
