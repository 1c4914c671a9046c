// /metrics on the whole stack: the exposition parses strictly, and after known queries (a
// response-cache miss, a hit, an answer that calls the upstreams, errors, a refusal, an upstream
// failure) the counters moved by exactly the expected amounts; histograms are cumulative; the
// breaker, harvest and Redis gauges are there with sane values.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callsBetween, simCall, simStats, startTestStack, type TestStack } from '../helpers/stack.ts';
import { parseExposition, type Exposition } from '../helpers/prometheus.ts';
import { skipWithoutRedis, startPrivateRedis } from '../helpers/redis.ts';
import { createCacheSetup } from '../../lib/cache/setup.ts';
import { metricsText } from '../../lib/observability/metrics.ts';
import { EXCHANGES, UPSTREAMS } from '../../subgraphs/exchanges.ts';

const noRedis = await skipWithoutRedis();

let stack: TestStack;

beforeAll(async () => {
  // One attempt per upstream call: every call the simulators see is one counted call.
  // Upstream counters are the subject: no gateway entity cache in front of them.
  stack = await startTestStack({ DATAEX_UPSTREAM_MAX_ATTEMPTS: '1', DATAEX_ENTITY_CACHE: 'false' }, { as: 'admin' });
}, 120_000);

afterAll(async () => {
  await stack?.close();
});

async function scrape(path = '/metrics'): Promise<Exposition> {
  const res = await stack.http(path);
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  return parseExposition(res.text);
}

const delta = (before: Exposition, after: Exposition, name: string, labels: Record<string, string> = {}) => after.sum(name, labels) - before.sum(name, labels);
const exchangeOf = (id: string) => id.slice(0, id.indexOf(':'));

/** The first `n` listings of an exchange (a catalog-only query: no upstream call). */
async function listings(exchange: string, n: number): Promise<string[]> {
  const res = await stack.gql(`{ search(first: ${n}, filter: { exchanges: ["${exchange}"] }) { edges { node { id } } } }`);
  return res.data.search.edges.map((e: any) => e.node.id);
}

describe('/metrics', () => {
  it('counts a miss, a hit, upstream calls and the upstream cache exactly', async () => {
    // Two listings of each exchange, with their live prices.
    const picked = (await Promise.all(EXCHANGES.map((x) => listings(x.id, 2)))).flat();
    const LIVE = `query MetricsLive { ${picked.map((id, i) => `d${i}: dataset(id: "${id}") { id pricing { model } }`).join(' ')} }`;

    const before = await scrape();
    const simsBefore = await simStats(stack);

    const miss = await stack.gql(LIVE);
    expect(miss.errors).toBeUndefined();
    expect(miss.headers['x-dataex-cache']).toBe('MISS');
    const hit = await stack.gql(LIVE);
    expect(hit.headers['x-dataex-cache']).toBe('HIT');

    const after = await scrape();
    const simsAfter = await simStats(stack);

    expect(delta(before, after, 'dataex_requests_total', { operation: 'MetricsLive', outcome: 'ok', cache: 'MISS' })).toBe(1);
    expect(delta(before, after, 'dataex_requests_total', { operation: 'MetricsLive', outcome: 'ok', cache: 'HIT' })).toBe(1);
    expect(delta(before, after, 'dataex_requests_total')).toBe(2);
    expect(delta(before, after, 'dataex_response_cache_hits_total')).toBe(1);
    expect(delta(before, after, 'dataex_response_cache_misses_total')).toBe(1);
    expect(delta(before, after, 'dataex_request_duration_seconds_count', { operation: 'MetricsLive', cache: 'HIT' })).toBe(1);
    expect(delta(before, after, 'dataex_request_duration_seconds_count', { operation: 'MetricsLive', cache: 'MISS' })).toBe(1);
    expect(delta(before, after, 'dataex_request_duration_seconds_sum', { operation: 'MetricsLive', cache: 'MISS' })).toBeGreaterThan(0);

    // Every listing of the answer was an upstream-cache miss of its exchange, and every HTTP
    // call a simulator saw was counted once, under its upstream.
    const ids: string[] = Object.values(miss.data).map((d: any) => d.id);
    expect(ids).toEqual(picked);
    const exchanges = [...new Set(ids.map(exchangeOf))];
    expect(exchanges).toHaveLength(EXCHANGES.length);
    for (const { id: exchange } of EXCHANGES) {
      const listings = ids.filter((id) => exchangeOf(id) === exchange).length;
      expect(delta(before, after, 'dataex_upstream_cache_misses_total', { upstream: exchange }), exchange).toBe(listings);
      expect(delta(before, after, 'dataex_upstream_cache_hits_total', { upstream: exchange }), exchange).toBe(0);
      const calls = callsBetween(simsBefore, simsAfter, exchange, /./);
      expect(delta(before, after, 'dataex_upstream_calls_total', { upstream: exchange }), exchange).toBe(calls);
      expect(delta(before, after, 'dataex_upstream_calls_total', { upstream: exchange, outcome: 'ok' }), exchange).toBe(calls);
      expect(delta(before, after, 'dataex_upstream_call_duration_seconds_count', { upstream: exchange }), exchange).toBe(calls);
      if (listings > 0) expect(calls, exchange).toBeGreaterThan(0);
    }

    // The same operation past the response cache: answered from the upstream cache.
    const again = await stack.gql(LIVE, undefined, { 'cache-control': 'no-cache' });
    expect(again.errors).toBeUndefined();
    const third = await scrape();
    for (const exchange of exchanges) {
      expect(delta(after, third, 'dataex_upstream_cache_hits_total', { upstream: exchange }), exchange).toBe(ids.filter((id) => exchangeOf(id) === exchange).length);
      expect(delta(after, third, 'dataex_upstream_calls_total', { upstream: exchange }), exchange).toBe(0);
    }
    expect(delta(after, third, 'dataex_requests_total', { operation: 'MetricsLive', outcome: 'ok', cache: 'MISS' })).toBe(1);
    // no-cache skips the look-up: neither a hit nor a miss.
    expect(delta(after, third, 'dataex_response_cache_hits_total') + delta(after, third, 'dataex_response_cache_misses_total')).toBe(0);
  });

  it('counts errors, refusals and upstream failures by outcome', async () => {
    // A fresh Guiyang listing (catalog-only query: no upstream call).
    const id = (await listings('guiyang', 40)).at(-1)!;

    const before = await scrape();
    const bad = await stack.gql('query MetricsBad { search(first: 500) { totalCount } }');
    expect(bad.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');

    const tooWide = `query MetricsRefused { ${Array.from({ length: 12 }, (_, i) => `f${i}: exchanges { id }`).join(' ')} }`;
    const refused = await stack.http('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: tooWide, operationName: 'MetricsRefused' }),
    });
    expect(refused.status).toBe(400);

    const guiyang = stack.simulators.guiyang!.url;
    await simCall(guiyang, 'POST', '/__sim/faults', { mode: 'ratelimit' });
    let down: any;
    try {
      down = await stack.gql(`query MetricsDown { dataset(id: "${id}") { id pricing { model } } }`);
    } finally {
      await simCall(guiyang, 'POST', '/__sim/faults', { mode: 'none' });
    }
    expect(down.data.dataset.id).toBe(id);
    expect(down.errors?.[0].extensions?.code).toBe('UPSTREAM_UNAVAILABLE');
    const after = await scrape();

    expect(delta(before, after, 'dataex_requests_total', { operation: 'MetricsBad', outcome: 'error', cache: 'BYPASS' })).toBe(1);
    // Refused before validation: counted, but its name takes no label slot (issue 16).
    expect(delta(before, after, 'dataex_requests_total', { operation: '_unvalidated', outcome: 'refused', cache: 'none' })).toBe(1);
    expect(after.series('dataex_requests_total', { operation: 'MetricsRefused' })).toEqual([]);
    expect(delta(before, after, 'dataex_requests_total', { operation: 'MetricsDown', outcome: 'partial', cache: 'BYPASS' })).toBe(1);
    expect(delta(before, after, 'dataex_requests_total')).toBe(3);
    // Three look-ups, none found.
    expect(delta(before, after, 'dataex_response_cache_misses_total')).toBe(3);
    expect(delta(before, after, 'dataex_response_cache_hits_total')).toBe(0);

    expect(delta(before, after, 'dataex_upstream_calls_total', { upstream: 'guiyang', outcome: 'unavailable' })).toBe(1);
    expect(delta(before, after, 'dataex_upstream_calls_total', { upstream: 'guiyang' })).toBe(1);
    expect(delta(before, after, 'dataex_upstream_cache_misses_total', { upstream: 'guiyang' })).toBe(1);
    expect(delta(before, after, 'dataex_upstream_cache_errors_total', { upstream: 'guiyang' })).toBe(1);
  });

  it('has cumulative histograms and sane breaker, harvest and Redis gauges', async () => {
    const m = await scrape();

    // Histograms: per series, buckets never decrease with `le`, and +Inf equals _count.
    for (const family of m.families.values()) {
      if (family.type !== 'histogram') continue;
      const groups = new Map<string, Array<{ le: number; value: number }>>();
      for (const s of family.samples.filter((x) => x.name === `${family.name}_bucket`)) {
        const { le, ...rest } = s.labels;
        const key = JSON.stringify(Object.entries(rest).sort());
        groups.set(key, [...(groups.get(key) ?? []), { le: le === '+Inf' ? Infinity : Number(le), value: s.value }]);
      }
      for (const [key, buckets] of groups) {
        const sorted = [...buckets].sort((a, b) => a.le - b.le);
        for (let i = 1; i < sorted.length; i++) expect(sorted[i].value, `${family.name} ${key}`).toBeGreaterThanOrEqual(sorted[i - 1].value);
        expect(sorted.at(-1)!.le).toBe(Infinity);
        const labels = Object.fromEntries(JSON.parse(key) as Array<[string, string]>);
        expect(m.value(`${family.name}_count`, labels), `${family.name} ${key}`).toBe(sorted.at(-1)!.value);
      }
    }
    expect(m.families.get('dataex_request_duration_seconds')?.type).toBe('histogram');
    expect(m.families.get('dataex_upstream_call_duration_seconds')?.type).toBe('histogram');
    expect(m.families.get('dataex_requests_total')?.type).toBe('counter');

    for (const { name: upstream } of UPSTREAMS) {
      expect(m.value('dataex_breaker_state', { upstream }), upstream).toBe(0);
    }

    const states = stack.catalog.harvester.allStates();
    expect(states.map((s) => s.info.id)).toEqual(EXCHANGES.map((e) => e.id));
    for (const s of states) {
      const age = m.value('dataex_harvest_age_seconds', { exchange: s.info.id });
      expect(age, s.info.id).toBeGreaterThanOrEqual(0);
      expect(age, s.info.id).toBeLessThan(600);
      expect(m.value('dataex_exchange_datasets', { exchange: s.info.id })).toBe(s.datasetCount);
      expect(s.datasetCount).toBeGreaterThan(0);
      expect(m.value('dataex_exchange_stale', { exchange: s.info.id })).toBe(0);
    }

    // Memory only: Redis is not configured, so there is no "up" to report.
    expect(m.value('dataex_redis_configured')).toBe(0);
    expect(m.series('dataex_redis_up')).toEqual([]);

    // Process metrics come along.
    expect(m.families.has('dataex_process_cpu_user_seconds_total')).toBe(true);
  });

  it('is served by the subgraphs too', async () => {
    const url = stack.subgraphs.beijing.url.replace(/\/graphql$/, '/metrics');
    const res = await fetch(url);
    expect(res.status).toBe(200);
    const m = parseExposition(await res.text());
    expect(m.families.has('dataex_upstream_calls_total')).toBe(true);
  });
});

describe.skipIf(noRedis)('/metrics with Redis', () => {
  it('reports the Redis connection up, then down when Redis dies', async () => {
    const redis = await startPrivateRedis();
    const cache = createCacheSetup({ redisUrl: redis.url, redisPrefix: 'dataex-metrics-test:', memoryBytes: 1 << 20 });
    const read = async () => parseExposition((await metricsText()).body);
    let killed = false;
    try {
      for (let i = 0; i < 50 && cache.redis!.status !== 'ready'; i++) await new Promise((r) => setTimeout(r, 50));
      let m = await read();
      expect(m.value('dataex_redis_configured')).toBe(1);
      expect(m.value('dataex_redis_up')).toBe(1);
      await redis.kill();
      killed = true;
      for (let i = 0; i < 50 && cache.redis!.status === 'ready'; i++) await new Promise((r) => setTimeout(r, 50));
      m = await read();
      expect(m.value('dataex_redis_up')).toBe(0);
    } finally {
      await cache.close();
      if (!killed) await redis.kill();
    }
    const m = await read();
    expect(m.value('dataex_redis_configured')).toBe(0);
  });
});
