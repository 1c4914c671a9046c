// Contract tests: each adapter against its live simulator on a free port. The simulator's world
// holds the canonical values it rendered into the wire format, so every mapped record can be
// checked field by field against what the upstream meant.

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type World } from '../../../simulators/index.ts';
import type { WorldListing } from '../../../simulators/world.ts';
import { createBeijingAdapter } from '../../../subgraphs/beijing/adapter.ts';
import type { ExchangeAdapter, RegistryAdapter } from '../../../subgraphs/common/adapter.ts';
import type { DatasetRecord } from '../../../subgraphs/common/model.ts';
import { epochMsToIso, uniqueStrings, yuanToFen } from '../../../subgraphs/common/normalize.ts';
import { UpstreamClient } from '../../../subgraphs/common/upstream.ts';
import { createGuiyangAdapter } from '../../../subgraphs/guiyang/adapter.ts';
import { createRegistryAdapter } from '../../../subgraphs/registry/adapter.ts';
import { createShanghaiAdapter } from '../../../subgraphs/shanghai/adapter.ts';
import { collect, failure } from './helpers.ts';

type Sim = Awaited<ReturnType<typeof startSimulator>>;

async function stats(sim: Sim): Promise<Record<string, number>> {
  const res = await fetch(`${sim.url}/__sim/stats`);
  return ((await res.json()) as { routes: Record<string, number> }).routes;
}

async function faults(sim: Sim, body: object): Promise<void> {
  const res = await fetch(`${sim.url}/__sim/faults`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  expect(res.status).toBe(200);
}

interface Expectations {
  /** Beijing lists only the primary sector. */
  sectors: 'primary' | 'all';
  /** Guiyang's list dates have no time of day. */
  time: 'seconds' | 'date';
  /** Shanghai's list shows at most three AI tags. */
  keywords: 'all' | 'first3';
  /** Shanghai's list price has no unit. */
  unit: boolean;
}

/** One mapped record against the canonical listing it came from. */
function expectMatchesWorld(r: DatasetRecord, w: WorldListing, x: Expectations): void {
  const iso = epochMsToIso(w.updatedAtMs)!;
  expect({
    id: r.id,
    nativeId: r.nativeId,
    title: r.title,
    titleEn: r.titleEn,
    description: r.description,
    productType: r.productType,
    status: r.status,
    providerCode: r.providerCode,
    providerName: r.providerName,
    sectors: r.sectors,
    scenarios: r.scenarios,
    keywords: r.keywords,
    classification: r.classification,
    updatedAt: r.updatedAt,
  }).toEqual({
    id: w.id,
    nativeId: w.nativeId,
    title: w.title,
    titleEn: w.titleEn,
    description: w.description,
    productType: w.productType,
    status: w.status,
    providerCode: w.providerCode,
    providerName: w.providerName,
    sectors: x.sectors === 'primary' ? [w.sectors[0]] : uniqueStrings(w.sectors),
    scenarios: uniqueStrings(w.scenarios),
    keywords: uniqueStrings(x.keywords === 'first3' ? w.keywords.slice(0, 3) : w.keywords),
    classification: w.classification,
    updatedAt: x.time === 'seconds' ? iso : `${iso.slice(0, 10)}T00:00:00+08:00`,
  });
  const p = w.headlinePrice;
  expect(r.headlinePrice).not.toBeNull();
  expect(r.headlinePrice!.model).toBe(p.model);
  // Integer fen, sub-fen prices rounded per normalize.ts (0.0028 yuan → 1 fen).
  expect(r.headlinePrice!.amountFen).toBe(p.yuan === null ? null : yuanToFen(p.yuan));
  if (x.unit) expect(r.headlinePrice!.unit).toBe(p.unit);
}

async function harvestAll(adapter: ExchangeAdapter) {
  const pages = await collect(adapter);
  return { pages, records: pages.flatMap((p) => p.records), skipped: pages.flatMap((p) => p.skipped) };
}

function pickSome<T>(items: readonly T[], n: number): T[] {
  const step = Math.max(1, Math.floor(items.length / n));
  return items.filter((_, i) => i % step === 0).slice(0, n);
}

async function expectDetailsMatchWorld(adapter: ExchangeAdapter, world: World, listings: WorldListing[]): Promise<void> {
  const out = await adapter.details(listings.map((l) => l.nativeId));
  for (const l of listings) {
    const d = out.get(l.nativeId);
    if (d instanceof Error) throw d;
    expect(d, l.id).not.toBeNull();
    const w = world.detailOf(l);
    expect(d!.id).toBe(l.id);
    expect(d!.pricing.map((p) => [p.model, p.amountFen])).toEqual(w.pricing.map((p) => [p.model, p.yuan === null ? null : yuanToFen(p.yuan)]));
    expect(d!.delivery.map((x) => x.method)).toEqual(uniqueStrings(w.delivery.map((x) => x.method)));
    expect(d!.updateFrequency).toBe(w.updateFrequency);
    expect(d!.sample?.columns ?? null).toEqual(w.sample?.columns ?? null);
    expect(d!.sample?.rows.length ?? null).toBe(w.sample?.rows.length ?? null);
  }
}

describe('beijing adapter ↔ simulator', () => {
  let sim: Sim;
  let adapter: ExchangeAdapter;
  beforeAll(async () => {
    sim = await startSimulator('beijing', { port: 0 });
    adapter = createBeijingAdapter({ baseUrl: sim.url });
  });
  afterAll(async () => {
    await adapter.close();
    await sim.close();
  });
  afterEach(() => faults(sim, { mode: 'none' }));

  it('harvests every listing, pages of 500, each matching the world', async () => {
    const { records, skipped, pages } = await harvestAll(adapter);
    expect(skipped).toEqual([]);
    expect(records).toHaveLength(sim.world.listings.beijing.length);
    expect(pages).toHaveLength(Math.ceil(sim.world.listings.beijing.length / 500));
    for (const r of records) expectMatchesWorld(r, sim.world.listingById.get(r.id)!, { sectors: 'primary', time: 'seconds', keywords: 'all', unit: true });
  });

  it('fetches signed details', async () => {
    const some = pickSome(sim.world.listings.beijing, 12);
    await expectDetailsMatchWorld(adapter, sim.world, some);
    const out = await adapter.details(['0'.repeat(32)]);
    expect(out.get('0'.repeat(32))).toBeNull();
  });

  it('maps the wrong secret to UPSTREAM_ERROR', async () => {
    const bad = createBeijingAdapter({ baseUrl: sim.url, appSecret: 'nope' });
    const id = sim.world.listings.beijing[0].nativeId;
    expect((await bad.details([id])).get(id)).toMatchObject({ code: 'UPSTREAM_ERROR' });
    await bad.close();
  });

  it('maps simulator faults: error envelope, garbage, rate limit, offline, hang', async () => {
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
    const client = new UpstreamClient({ upstream: 'beijing', baseUrl: sim.url, timeouts: { headersMs: 200, totalMs: 1000 } });
    const quick = createBeijingAdapter({ baseUrl: sim.url, client });
    await expect(collect(quick)).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
    await quick.close();
  });
});

describe('shanghai adapter ↔ simulator', () => {
  let sim: Sim;
  let adapter: ExchangeAdapter;
  beforeAll(async () => {
    sim = await startSimulator('shanghai', { port: 0 });
    adapter = createShanghaiAdapter({ baseUrl: sim.url });
  });
  afterAll(async () => {
    await adapter.close();
    await sim.close();
  });

  it('harvests both id spaces in pages of 100, each matching the world', async () => {
    const { records, skipped } = await harvestAll(adapter);
    expect(skipped).toEqual([]);
    expect(records).toHaveLength(sim.world.listings.shanghai.length);
    for (const r of records) expectMatchesWorld(r, sim.world.listingById.get(r.id)!, { sectors: 'all', time: 'seconds', keywords: 'first3', unit: false });
    const routes = await stats(sim);
    expect(routes['POST /oauth/token']).toBe(1);
    const perType = [1, 2].map((t) => sim.world.listings.shanghai.filter((l) => l.serviceType === t).length);
    expect(routes['POST /dex-api/dex-es/query/all/search']).toBe(perType.reduce((n, c) => n + Math.ceil(c / 100), 0));
  });

  it('keeps colliding ids apart and exact (beyond 2^53)', async () => {
    const { records } = await harvestAll(adapter);
    const ids = new Set(records.map((r) => r.id));
    expect(sim.world.shanghaiCollidingIds.length).toBeGreaterThan(0);
    for (const id of sim.world.shanghaiCollidingIds.slice(0, 20)) {
      expect(id > BigInt(Number.MAX_SAFE_INTEGER)).toBe(true);
      expect(ids.has(`shanghai:registered:${id}`)).toBe(true);
      expect(ids.has(`shanghai:tradable:${id}`)).toBe(true);
    }
  });

  it('fetches details in batches of ≤ 50, colliding keys resolved separately', async () => {
    const colliding = sim.world.shanghaiCollidingIds.slice(0, 3).flatMap((id) => [`registered:${id}`, `tradable:${id}`]);
    const listings = [...pickSome(sim.world.listings.shanghai, 60), ...colliding.map((k) => sim.world.listingById.get(`shanghai:${k}`)!)];
    const before = (await stats(sim))['POST /dex-api/product/detail/batch'] ?? 0;
    await expectDetailsMatchWorld(adapter, sim.world, listings);
    const after = (await stats(sim))['POST /dex-api/product/detail/batch'];
    expect(after - before).toBe(Math.ceil(new Set(listings.map((l) => l.nativeId)).size / 50));
  });

  it('refreshes a token shortly before it expires (no 401 needed), and on a 401', async () => {
    const own = await startSimulator('shanghai', { port: 0, tokenTtlSeconds: 60 });
    const ids = own.world.listings.shanghai.slice(0, 2).map((l) => l.nativeId);
    const ok = (out: Map<string, unknown>) => [...out.values()].every((d) => d && !(d instanceof Error));
    const calls = async () => {
      const s = await stats(own);
      return { token: s['POST /oauth/token'] ?? 0, batch: s['POST /dex-api/product/detail/batch'] ?? 0 };
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
    const bad = createShanghaiAdapter({ baseUrl: sim.url, clientSecret: 'wrong-secret-value' });
    const e = await failure(collect(bad));
    expect(e).toMatchObject({ code: 'UPSTREAM_ERROR', upstream: 'shanghai' });
    expect(e.message).not.toContain('wrong-secret-value');
    await bad.close();
  });
});

describe('guiyang adapter ↔ simulator', () => {
  let sim: Sim;
  let adapter: ExchangeAdapter;
  beforeAll(async () => {
    sim = await startSimulator('guiyang', { port: 0 });
    adapter = createGuiyangAdapter({ baseUrl: sim.url });
  });
  afterAll(async () => {
    await adapter.close();
    await sim.close();
  });

  it('harvests every listing, pages of 200, each matching the world', async () => {
    const { records, skipped, pages } = await harvestAll(adapter);
    expect(skipped).toEqual([]);
    expect(records).toHaveLength(sim.world.listings.guiyang.length);
    expect(pages).toHaveLength(Math.ceil(sim.world.listings.guiyang.length / 200));
    for (const r of records) expectMatchesWorld(r, sim.world.listingById.get(r.id)!, { sectors: 'all', time: 'date', keywords: 'all', unit: true });
  });

  it('fetches details through the signed gateway', async () => {
    await expectDetailsMatchWorld(adapter, sim.world, pickSome(sim.world.listings.guiyang, 12));
    expect((await adapter.details(['999999999'])).get('999999999')).toBeNull();
  });

  it('maps a wrong secret (inner E401) to UPSTREAM_ERROR', async () => {
    const bad = createGuiyangAdapter({ baseUrl: sim.url, appSecret: 'nope' });
    const id = sim.world.listings.guiyang[0].nativeId;
    expect((await bad.details([id])).get(id)).toMatchObject({ code: 'UPSTREAM_ERROR', message: expect.stringContaining('E401') });
    await bad.close();
  });

  it('maps the gateway error fault (inner E500) to UPSTREAM_ERROR', async () => {
    await faults(sim, { mode: 'error' });
    try {
      const id = sim.world.listings.guiyang[0].nativeId;
      expect((await adapter.details([id])).get(id)).toMatchObject({ code: 'UPSTREAM_ERROR', message: expect.stringContaining('E500') });
    } finally {
      await faults(sim, { mode: 'none' });
    }
  });
});

describe('registry adapter ↔ simulator', () => {
  let sim: Sim;
  let adapter: RegistryAdapter;
  beforeAll(async () => {
    sim = await startSimulator('registry', { port: 0 });
    adapter = createRegistryAdapter({ baseUrl: sim.url });
  });
  afterAll(async () => {
    await adapter.close();
    await sim.close();
  });

  it('looks every provider up in chunks of 100', async () => {
    const codes = sim.world.providers.map((p) => p.creditCode);
    const out = await adapter.lookup([...codes, ...codes.slice(0, 50)]);
    const known = codes.filter((c) => sim.world.registry.has(c));
    expect(out.size).toBe(known.length);
    expect((await stats(sim))['GET /api/v1/enterprises']).toBe(Math.ceil(codes.length / 100));
    for (const p of sim.world.providers) {
      const w = sim.world.registry.get(p.creditCode);
      const r = out.get(p.creditCode);
      if (!w) {
        expect(r).toBeUndefined();
        continue;
      }
      expect(r).toMatchObject({ creditCode: p.creditCode, name: w.name, status: w.regStatus, regionCode: p.regionCode, establishedOn: w.establishDate });
      if (w.regCapital?.endsWith('人民币')) expect(r!.registeredCapitalFen).toBeGreaterThan(0);
    }
  });
});
