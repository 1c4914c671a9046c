// Wiring: every adapter built from configuration carries its upstream's guard, the registry
// exposes breaker state, and the catalog turns an open breaker into DEGRADED and /readyz detail.

import { afterEach, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { loadConfig } from '../../../lib/config.ts';
import { createExchangeAdapter, createRegistryAdapterFromConfig } from '../../../subgraphs/adapters.ts';
import { mapListResponse } from '../../../subgraphs/beijing/mapping.ts';
import { Harvester } from '../../../subgraphs/catalog/harvester.ts';
import { startCatalogSubgraph } from '../../../subgraphs/catalog/subgraph.ts';
import type { ExchangeAdapter } from '../../../subgraphs/common/adapter.ts';
import { UpstreamError } from '../../../subgraphs/common/errors.ts';
import type { DatasetRecord } from '../../../subgraphs/common/model.ts';
import { ResilienceRegistry, breakerState, upstreamHealth, type UpstreamHealth } from '../../../subgraphs/common/resilience/index.ts';
import { startSimulator, type RunningSimulator } from '../../../simulators/index.ts';
import { fixture } from '../adapters/helpers.ts';
import { rejectionOf, sim, simHits } from './helpers.ts';

const config = loadConfig({ DATAEX_DATA_DIR: '/tmp/dataex-resilience-test' });
const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function simulatorFor(name: 'beijing' | 'registry'): Promise<RunningSimulator> {
  const s = await startSimulator(name, { port: 0 });
  cleanups.push(() => s.close());
  return s;
}

describe('adapters built from configuration', () => {
  it('share one guard per upstream, retry through a flaky upstream, and drop the guard on close', async () => {
    const sim1 = await simulatorFor('beijing');
    const registry = new ResilienceRegistry();
    const noWait = { backoffBaseMs: 1, backoffMaxMs: 2 };
    const a = createExchangeAdapter('beijing', sim1.url, config, { registry, resilience: noWait });
    const b = createExchangeAdapter('beijing', sim1.url, config, { registry });
    expect(registry.breakerState('beijing')).toBe('closed');
    expect(registry.guard('beijing')!.settings.backoffMaxMs).toBe(2); // the first acquirer's settings

    await sim(sim1.url, 'POST', '/__sim/faults', { mode: 'offline', rate: 0.2 });
    let records = 0;
    for await (const page of a.harvest()) records += page.records.length;
    expect(records).toBe(sim1.world.listings.beijing.length);
    const health = registry.health('beijing')!;
    expect(health.counters.retries).toBeGreaterThan(0);
    expect(health.counters.calls).toBe(Math.ceil(records / 500));

    await a.close();
    expect(registry.breakerState('beijing')).toBe('closed'); // b still holds it
    await b.close();
    expect(registry.breakerState('beijing')).toBeUndefined();
    expect(registry.snapshot()).toEqual({});
  });

  it('gives the registry adapter a guard too, in the process-wide registry by default', async () => {
    const reg = await simulatorFor('registry');
    const adapter = createRegistryAdapterFromConfig(reg.url, config);
    cleanups.push(() => adapter.close());
    expect(breakerState('registry')).toBe('closed');
    await adapter.lookup(['91350100M000100Y43']);
    expect(upstreamHealth.health('registry')!.counters.calls).toBe(1);
  });

  it('fails fast with the breaker open, without calling the upstream', async () => {
    const sim1 = await simulatorFor('beijing');
    const registry = new ResilienceRegistry();
    const adapter = createExchangeAdapter('beijing', sim1.url, config, {
      registry,
      resilience: { maxAttempts: 1, breakerMinimumCalls: 3, breakerHalfOpenAfterMs: 60_000 },
    });
    cleanups.push(() => adapter.close());
    await sim(sim1.url, 'POST', '/__sim/faults', { mode: 'offline' });
    const uuid = sim1.world.listings.beijing[0].uuid;
    for (let i = 0; i < 3; i++) expect((await adapter.details([uuid])).get(uuid)).toBeInstanceOf(UpstreamError);
    expect(registry.breakerState('beijing')).toBe('open');
    const hits = await simHits(sim1.url);
    const e = (await adapter.details([uuid])).get(uuid) as UpstreamError;
    expect(e).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', upstream: 'beijing' });
    expect(e.message).toMatch(/circuit open .*next probe at/);
    const harvestError = await rejectionOf(
      (async () => {
        for await (const _ of adapter.harvest()) void _;
      })(),
    );
    expect(harvestError.message).toMatch(/circuit open/);
    expect(await simHits(sim1.url)).toBe(hits);
  });
});

// ───────────── catalog ─────────────

const RECORDS: DatasetRecord[] = mapListResponse(fixture('beijing/recorded-list.json')).records;

function fakeAdapter(id = 'beijing'): ExchangeAdapter {
  return {
    info: { id, name: id, city: '' },
    async *harvest() {
      yield { records: id === 'beijing' ? RECORDS : [], skipped: [] };
    },
    details: async () => new Map(),
    close: async () => undefined,
  };
}

function health(breaker: UpstreamHealth['breaker']): UpstreamHealth {
  return {
    upstream: 'beijing',
    breaker,
    openedAt: null,
    nextProbeAt: null,
    openReason: null,
    window: { calls: 0, failures: 0, failureRate: 0 },
    budget: { calls: 0, retries: 0 },
    inFlight: 0,
    queued: 0,
    counters: { calls: 0, attempts: 0, successes: 0, failures: 0, errors: 0, retries: 0, retriesDenied: 0, shortCircuited: 0, rejected: 0, opened: 0 },
  };
}

describe('catalog exchange status', () => {
  it('is DEGRADED while the breaker is open or probing, even after a good harvest', async () => {
    let breaker: UpstreamHealth['breaker'] | null = 'closed';
    const index = { replaceExchange: () => ({ added: [], changed: [], removed: [] }), get: () => undefined };
    const harvester = new Harvester({
      adapters: [fakeAdapter()],
      index,
      intervalMs: 0,
      probeIntervalMs: 0,
      upstreamHealth: () => (breaker === null ? undefined : health(breaker)),
    });
    expect(harvester.state('beijing')).toMatchObject({ status: 'OFFLINE', breaker: 'closed' });
    breaker = 'open';
    expect(harvester.state('beijing')!.status).toBe('OFFLINE'); // never harvested stays OFFLINE
    await harvester.start();
    expect(harvester.state('beijing')).toMatchObject({ status: 'DEGRADED', stale: false, breaker: 'open' });
    breaker = 'half-open';
    expect(harvester.allStates()[0].status).toBe('DEGRADED');
    breaker = 'closed';
    expect(harvester.state('beijing')).toMatchObject({ status: 'ONLINE', breaker: 'closed' });
    breaker = null; // no client of the exchange in this process
    expect(harvester.state('beijing')).toMatchObject({ status: 'ONLINE', breaker: null });
    harvester.stop();
  });

  it("shows each exchange's breaker in /readyz and Exchange.status", async () => {
    // A client of "beijing" in this process whose breaker is open.
    const lease = upstreamHealth.acquire('beijing', { maxAttempts: 1, breakerMinimumCalls: 1, breakerHalfOpenAfterMs: 60_000 });
    cleanups.push(() => lease.release());
    await rejectionOf(lease.guard.policy({ method: 'GET', path: '/x' }, () => Promise.reject(new UpstreamError('UPSTREAM_UNAVAILABLE', 'beijing', 'beijing GET /x: HTTP 503')), 'beijing'));
    expect(breakerState('beijing')).toBe('open');

    const catalog = await startCatalogSubgraph({ adapters: [fakeAdapter('beijing'), fakeAdapter('shanghai')], port: 0, host: '127.0.0.1', harvestIntervalMs: 0, probeIntervalMs: 0 });
    cleanups.push(() => catalog.close());
    await catalog.firstHarvest;
    const base = catalog.url.replace(/\/graphql$/, '');
    const ready = (await (await request(`${base}/readyz`)).body.json()) as any;
    const [bj, sh] = ready.detail.exchanges;
    expect(bj).toMatchObject({ id: 'beijing', status: 'DEGRADED', stale: false, breaker: { state: 'open', counters: { opened: 1 } } });
    expect(bj.breaker.nextProbeAt).toMatch(/\+08:00$/);
    expect(bj.breaker.openReason).toMatch(/1 of 1 calls failed/);
    expect(sh).toMatchObject({ id: 'shanghai', status: 'ONLINE', breaker: null });

    const res = await request(catalog.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ exchanges { id status stale } }' }),
    });
    const body = (await res.body.json()) as any;
    expect(body.data.exchanges).toEqual([
      { id: 'beijing', status: 'DEGRADED', stale: false },
      { id: 'shanghai', status: 'ONLINE', stale: false },
    ]);
  });
});
