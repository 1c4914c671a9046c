// Contract tests' harness: each adapter against its live simulator on a free port
// (test/unit/adapters/<upstream>.contract.test.ts hold what is specific to each upstream). The
// simulator's world holds the canonical values it rendered into the wire format, so every mapped
// record can be checked field by field against what the upstream meant.

import { afterAll, beforeAll, expect } from 'vitest';
import { type RunningSimulator, type SimulatorName, type SimulatorOptions, startSimulator, type World } from '../../../simulators/index.ts';
import type { WorldListing } from '../../../simulators/world.ts';
import type { ExchangeAdapter, HarvestPage } from '../../../subgraphs/common/adapter.ts';
import type { DatasetRecord } from '../../../subgraphs/common/model.ts';
import { epochMsToIso, uniqueStrings, yuanToFen } from '../../../subgraphs/common/normalize.ts';
import { UpstreamClient, type UpstreamClientOptions } from '../../../subgraphs/common/upstream.ts';
import { EXCHANGE_ADAPTERS } from '../../../subgraphs/exchange-modules.generated.ts';
import { type ExchangeId, exchangeById } from '../../../subgraphs/exchanges.ts';
import { collect } from './helpers.ts';

export type Sim = RunningSimulator;

/** Requests the simulator has answered, by route ("POST /oauth/token"). */
export async function stats(sim: Sim): Promise<Record<string, number>> {
  const res = await fetch(`${sim.url}/__sim/stats`);
  return ((await res.json()) as { routes: Record<string, number> }).routes;
}

/** Sets the simulator's fault mode (`{ mode: 'none' }` clears it). */
export async function faults(sim: Sim, body: object): Promise<void> {
  const res = await fetch(`${sim.url}/__sim/faults`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  expect(res.status).toBe(200);
}

/**
 * A simulator started before the describe block's tests (free port, its own world) and an
 * adapter on it, both closed after them. Read `sim` and `adapter` inside tests and hooks.
 */
export function useSimulator<A extends { close(): Promise<void> }>(name: SimulatorName, makeAdapter: (sim: Sim) => A, options: SimulatorOptions = {}): { readonly sim: Sim; readonly adapter: A } {
  let sim: Sim | undefined;
  let adapter: A | undefined;
  beforeAll(async () => {
    sim = await startSimulator(name, { ...options, port: 0 });
    adapter = makeAdapter(sim);
  });
  afterAll(async () => {
    await adapter?.close();
    await sim?.close();
  });
  return {
    get sim() {
      if (!sim) throw new Error(`the ${name} simulator is not started (read it inside a test)`);
      return sim;
    },
    get adapter() {
      if (!adapter) throw new Error(`the ${name} adapter is not built (read it inside a test)`);
      return adapter;
    },
  };
}

/**
 * The exchange's adapter as the subgraph builds it: the `createAdapter` of subgraphs/<id>/adapter.ts
 * (found by id, subgraphs/exchange-modules.generated.ts) with the exchange's entry from the list;
 * credentials unset here are the development values the simulator accepts; `settings` by the
 * entry's setting keys (unset: the adapter's defaults).
 */
export function listAdapter(
  id: ExchangeId,
  baseUrl: string,
  credentials: Record<string, string> = {},
  client: Partial<UpstreamClientOptions> = {},
  settings: Record<string, unknown> = {},
): ExchangeAdapter {
  const entry = exchangeById(id)!;
  return EXCHANGE_ADAPTERS[id]({
    info: { id: entry.id, name: entry.name, city: entry.city },
    baseUrl,
    client: new UpstreamClient({ upstream: id, baseUrl, ...client }),
    credentials,
    settings,
  });
}

/** The world's listings on the exchange, in its list order. */
export function listingsOf(world: World, id: ExchangeId): readonly WorldListing[] {
  return world.listings[id];
}

export interface Expectations {
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
export function expectMatchesWorld(r: DatasetRecord, w: WorldListing, x: Expectations): void {
  const iso = epochMsToIso(w.updatedAtMs)!;
  expect({
    id: r.id,
    nativeId: r.nativeId,
    exchange: r.exchange,
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
    exchange: w.exchange,
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

/** Every page of a harvest, and its records and skips. */
export async function harvestAll(adapter: ExchangeAdapter): Promise<{ pages: HarvestPage[]; records: DatasetRecord[]; skipped: HarvestPage['skipped'] }> {
  const pages = await collect(adapter);
  return { pages, records: pages.flatMap((p) => p.records), skipped: pages.flatMap((p) => p.skipped) };
}

/**
 * A whole harvest against the world: nothing skipped, every listing of the exchange exactly once,
 * each matching its canonical listing; `pageSize` (when the exchange's pages are plain) the page count.
 */
export async function expectHarvestMatchesWorld(adapter: ExchangeAdapter, sim: Sim, id: ExchangeId, x: Expectations, pageSize?: number): Promise<DatasetRecord[]> {
  const { records, skipped, pages } = await harvestAll(adapter);
  const listings = listingsOf(sim.world, id);
  expect(skipped).toEqual([]);
  expect(records).toHaveLength(listings.length);
  expect(new Set(records.map((r) => r.id))).toEqual(new Set(listings.map((l) => l.id)));
  if (pageSize !== undefined) expect(pages).toHaveLength(Math.ceil(listings.length / pageSize));
  for (const r of records) expectMatchesWorld(r, sim.world.listingById.get(r.id)!, x);
  return records;
}

/** About `n` items spread over the whole list. */
export function pickSome<T>(items: readonly T[], n: number): T[] {
  const step = Math.max(1, Math.floor(items.length / n));
  return items.filter((_, i) => i % step === 0).slice(0, n);
}

/** The adapter's details of `listings` against the world's: prices, delivery, frequency, sample. */
export async function expectDetailsMatchWorld(adapter: ExchangeAdapter, world: World, listings: readonly WorldListing[]): Promise<void> {
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
