// Prometheus metrics (prom-client, its default registry): what /metrics on the gateway and on
// each subgraph serves. In the one-process `npm start` every component shares the registry; a
// process of its own (docker-compose) exposes what it does itself.
//
//   dataex_requests_total{operation,outcome,cache}         GraphQL operations answered by the gateway
//   dataex_request_duration_seconds{operation,cache}       histogram of their latency
//   dataex_response_cache_{hits,misses}_total              gateway response-cache look-ups
//   dataex_upstream_cache_{hits,misses,stale,errors}_total{upstream}   per-listing upstream cache
//   dataex_upstream_calls_total{upstream,route,outcome}    upstream calls (retries inside one call)
//   dataex_upstream_call_duration_seconds{upstream,route}  histogram of their latency
//   dataex_breaker_state{upstream}                         0 closed, 1 half-open, 2 open
//   dataex_harvest_age_seconds{exchange}, dataex_exchange_datasets{exchange},
//   dataex_exchange_stale{exchange}                        catalog harvest state
//   dataex_redis_configured, dataex_redis_up               Redis tier
//   + prom-client's process metrics (dataex_process_*, dataex_nodejs_*)
//
// Label cardinality is bounded: operation is the operation's name (or "anonymous"), at most
// 64 characters, and at most MAX_OPERATIONS distinct names (then "_other"); routes are the
// adapters' fixed route labels. Never documents, variables, ids or principals.
//
// The gateway's request metrics are plain numbers in arrays (no prom-client call, no
// allocation per request: the response-cache hit path is benchmarked), turned into samples
// only when /metrics is scraped. Cache hit/miss counters are read from the caches' own
// counters at scrape time.

import { Counter, Gauge, Histogram, collectDefaultMetrics, register, type Metric } from 'prom-client';

export { register as metricsRegistry };

const PREFIX = 'dataex_';

// ---------------------------------------------------------------------------------------------
// Gateway requests: allocation-free cells.

const OUTCOMES = ['ok', 'partial', 'error', 'refused'] as const;
const CACHE_STATES = ['HIT', 'STALE', 'MISS', 'BYPASS', 'COALESCED', 'none'] as const;
const OUTCOME_INDEX: Record<string, number> = { ok: 0, partial: 1, error: 2, refused: 3 };
const CACHE_INDEX: Record<string, number> = { HIT: 0, STALE: 1, MISS: 2, BYPASS: 3, COALESCED: 4 };
const NO_CACHE = CACHE_STATES.length - 1;

/** Seconds; the last bucket is +Inf. */
export const REQUEST_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15];
export const UPSTREAM_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export const MAX_OPERATIONS = 200;
const OPERATION_NAME = /^[_A-Za-z][_0-9A-Za-z]*$/;

interface OperationCells {
  label: string;
  /** Counts by outcome × cache state. */
  counts: Float64Array;
  /** Per cache state: bucket counts (non-cumulative, + one for +Inf), sum, count. */
  buckets: Float64Array[];
  sums: Float64Array;
  observed: Float64Array;
}

const operations = new Map<string, OperationCells>();
let anonymous: OperationCells | undefined;
let other: OperationCells | undefined;

function newCells(label: string): OperationCells {
  return {
    label,
    counts: new Float64Array(OUTCOMES.length * CACHE_STATES.length),
    buckets: CACHE_STATES.map(() => new Float64Array(REQUEST_BUCKETS.length + 1)),
    sums: new Float64Array(CACHE_STATES.length),
    observed: new Float64Array(CACHE_STATES.length),
  };
}

/** The cells of an operation name, bounded (see the header). Allocates only for a new name. */
function cellsOf(name: string | null | undefined): OperationCells {
  if (!name) return (anonymous ??= newCells('anonymous'));
  const known = operations.get(name);
  if (known) return known;
  if (operations.size >= MAX_OPERATIONS || name.length > 64 || !OPERATION_NAME.test(name)) {
    return (other ??= newCells('_other'));
  }
  const cells = newCells(name);
  operations.set(name, cells);
  return cells;
}

/** The operation label a name is counted under. */
export function operationLabel(name: string | null | undefined): string {
  return cellsOf(name).label;
}

/** One GraphQL operation answered by the gateway. */
export function recordRequest(operationName: string | null | undefined, outcome: string, cache: string | null | undefined, seconds: number): void {
  const cells = cellsOf(operationName);
  const o = OUTCOME_INDEX[outcome] ?? 2;
  const c = cache ? (CACHE_INDEX[cache] ?? NO_CACHE) : NO_CACHE;
  cells.counts[o * CACHE_STATES.length + c]++;
  const buckets = cells.buckets[c];
  let b = 0;
  while (b < REQUEST_BUCKETS.length && seconds > REQUEST_BUCKETS[b]) b++;
  buckets[b]++;
  cells.sums[c] += seconds;
  cells.observed[c]++;
}

interface Sample {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
}

/** A metric prom-client's registry can serialise, whose samples we build ourselves. */
function customMetric(name: string, help: string, type: 'counter' | 'gauge' | 'histogram', samples: () => Sample[]): void {
  const metric = {
    name,
    help,
    type,
    aggregator: 'sum',
    get: async () => ({ name, help, type, values: samples(), aggregator: 'sum' }),
    reset: () => undefined,
  };
  if (!register.getSingleMetric(name)) register.registerMetric(metric as unknown as Metric);
}

function allCells(): OperationCells[] {
  const list = [...operations.values()];
  if (anonymous) list.push(anonymous);
  if (other) list.push(other);
  return list;
}

customMetric(
  `${PREFIX}requests_total`,
  'GraphQL operations answered by the gateway, by operation name, outcome (ok, partial, error, refused) and response-cache state (HIT, STALE, MISS, BYPASS, COALESCED, none).',
  'counter',
  () => {
    const out: Sample[] = [];
    for (const cells of allCells()) {
      for (const [o, outcome] of OUTCOMES.entries()) {
        for (const [c, cache] of CACHE_STATES.entries()) {
          const value = cells.counts[o * CACHE_STATES.length + c];
          if (value > 0) out.push({ labels: { operation: cells.label, outcome, cache }, value });
        }
      }
    }
    return out;
  },
);

customMetric(`${PREFIX}request_duration_seconds`, 'Time from request to answer of GraphQL operations at the gateway, by operation name and response-cache state.', 'histogram', () => {
  const name = `${PREFIX}request_duration_seconds`;
  const out: Sample[] = [];
  for (const cells of allCells()) {
    CACHE_STATES.forEach((cache, c) => {
      if (cells.observed[c] === 0) return;
      let cumulative = 0;
      REQUEST_BUCKETS.forEach((le, b) => {
        cumulative += cells.buckets[c][b];
        out.push({ metricName: `${name}_bucket`, labels: { operation: cells.label, cache, le }, value: cumulative });
      });
      out.push({ metricName: `${name}_bucket`, labels: { operation: cells.label, cache, le: '+Inf' }, value: cells.observed[c] });
      out.push({ metricName: `${name}_sum`, labels: { operation: cells.label, cache }, value: cells.sums[c] });
      out.push({ metricName: `${name}_count`, labels: { operation: cells.label, cache }, value: cells.observed[c] });
    });
  }
  return out;
});

// ---------------------------------------------------------------------------------------------
// Counters read from the components' own counters at scrape time. A component that goes away
// (a stack closed in tests) leaves its last counts behind, so every counter stays monotonic.

interface CounterSource<T> {
  labels: Record<string, string>;
  read(): T;
}

class SourcedCounters<K extends string> {
  private readonly sources = new Set<CounterSource<Record<K, number>>>();
  private readonly retired = new Map<string, { labels: Record<string, string>; values: Record<K, number> }>();

  constructor(names: Record<K, { name: string; help: string }>, labelNames: string[]) {
    const self = this;
    // Each counter registers itself with the default registry and is read only at scrape time.
    for (const key of Object.keys(names) as K[]) {
      new Counter({
        name: names[key].name,
        help: names[key].help,
        labelNames,
        collect() {
          this.reset();
          for (const { labels, value } of self.totals(key)) this.inc(labels, value);
        },
      });
    }
  }

  private totals(key: K): Array<{ labels: Record<string, string>; value: number }> {
    const sums = new Map<string, { labels: Record<string, string>; value: number }>();
    const add = (labels: Record<string, string>, value: number) => {
      const id = JSON.stringify(labels);
      const entry = sums.get(id);
      if (entry) entry.value += value;
      else sums.set(id, { labels, value });
    };
    for (const r of this.retired.values()) add(r.labels, r.values[key]);
    for (const s of this.sources) add(s.labels, s.read()[key] ?? 0);
    return [...sums.values()];
  }

  track(labels: Record<string, string>, read: () => Record<K, number>): () => void {
    const source: CounterSource<Record<K, number>> = { labels, read };
    this.sources.add(source);
    return () => {
      if (!this.sources.delete(source)) return;
      const last = read();
      const id = JSON.stringify(labels);
      const prev = this.retired.get(id);
      const values = { ...last };
      if (prev) for (const k of Object.keys(values) as K[]) values[k] += prev.values[k] ?? 0;
      this.retired.set(id, { labels, values });
    };
  }
}

const responseCacheCounters = new SourcedCounters<'hits' | 'misses' | 'stale' | 'notAdmitted'>(
  {
    hits: { name: `${PREFIX}response_cache_hits_total`, help: 'Gateway response-cache look-ups that found an answer, fresh or stale (hit ratio: hits / (hits + misses)).' },
    misses: { name: `${PREFIX}response_cache_misses_total`, help: 'Gateway response-cache look-ups that found nothing.' },
    stale: { name: `${PREFIX}response_cache_stale_total`, help: 'Hits served stale (past max-age, within DATAEX_RESPONSE_CACHE_STALE_S) while a background request refreshed them.' },
    notAdmitted: {
      name: `${PREFIX}response_cache_not_admitted_total`,
      help: 'Cacheable answers not stored: answered for the first time while the hit ratio was below 5 % (stored on a second answer; docs/caching.md).',
    },
  },
  [],
);

/** Counts a response cache's hits, misses, stale hits and answers not admitted (its own fields); returns the untrack. */
export function trackResponseCache(cache: { hits: number; misses: number; staleHits: number; notAdmitted: number }): () => void {
  return responseCacheCounters.track({}, () => ({ hits: cache.hits, misses: cache.misses, stale: cache.staleHits, notAdmitted: cache.notAdmitted }));
}

const upstreamCacheCounters = new SourcedCounters<'hits' | 'misses' | 'stale' | 'errors'>(
  {
    hits: { name: `${PREFIX}upstream_cache_hits_total`, help: 'Upstream-cache keys (listing details, registrations) answered fresh from the cache.' },
    misses: { name: `${PREFIX}upstream_cache_misses_total`, help: 'Upstream-cache keys fetched from the upstream.' },
    stale: { name: `${PREFIX}upstream_cache_stale_total`, help: 'Upstream-cache keys served stale because the upstream failed.' },
    errors: { name: `${PREFIX}upstream_cache_errors_total`, help: 'Upstream-cache keys that failed with no stale value to serve.' },
  },
  ['upstream'],
);

/** Counts a CachedLookup's stats under `upstream`; returns the untrack. */
export function trackUpstreamCache(upstream: string, lookup: { stats: { hits: number; misses: number; stale: number; errors: number } }): () => void {
  return upstreamCacheCounters.track({ upstream }, () => ({ ...lookup.stats }));
}

// ---------------------------------------------------------------------------------------------
// Upstream calls (not a hot path: one per upstream batch).

const upstreamCalls = new Counter({
  name: `${PREFIX}upstream_calls_total`,
  help: 'Calls to upstream APIs (retries count within one call), by upstream, route and outcome (ok, client_error, error, unavailable, short_circuited, rejected, aborted).',
  labelNames: ['upstream', 'route', 'outcome'],
});

const upstreamDuration = new Histogram({
  name: `${PREFIX}upstream_call_duration_seconds`,
  help: 'Duration of calls to upstream APIs, retries included, by upstream and route.',
  labelNames: ['upstream', 'route'],
  buckets: UPSTREAM_BUCKETS,
});

export function recordUpstreamCall(upstream: string, route: string, outcome: string, seconds: number): void {
  upstreamCalls.inc({ upstream, route, outcome });
  upstreamDuration.observe({ upstream, route }, seconds);
}

// ---------------------------------------------------------------------------------------------
// State gauges, read at scrape time.

export type BreakerStateName = 'closed' | 'half-open' | 'open';
const BREAKER_VALUE: Record<BreakerStateName, number> = { closed: 0, 'half-open': 1, open: 2 };
const breakerSources = new Set<() => Record<string, BreakerStateName>>();

new Gauge({
  name: `${PREFIX}breaker_state`,
  help: "State of this process's circuit breaker per upstream: 0 closed, 1 half-open, 2 open.",
  labelNames: ['upstream'],
  collect() {
    this.reset();
    for (const source of breakerSources) for (const [upstream, state] of Object.entries(source())) this.set({ upstream }, BREAKER_VALUE[state]);
  },
});

/** Reports breaker states (the process-wide resilience registry registers itself). */
export function trackBreakers(source: () => Record<string, BreakerStateName>): () => void {
  breakerSources.add(source);
  return () => void breakerSources.delete(source);
}

export interface HarvestStateView {
  info: { id: string };
  lastHarvestAt: string | null;
  datasetCount: number;
  stale: boolean;
}

const harvestSources = new Set<() => readonly HarvestStateView[]>();
const harvestStates = () => [...harvestSources].flatMap((s) => s());

new Gauge({
  name: `${PREFIX}harvest_age_seconds`,
  help: 'Seconds since the last successful harvest of an exchange (absent until the first one).',
  labelNames: ['exchange'],
  collect() {
    this.reset();
    const now = Date.now();
    for (const s of harvestStates()) {
      const at = s.lastHarvestAt === null ? NaN : Date.parse(s.lastHarvestAt);
      if (Number.isFinite(at)) this.set({ exchange: s.info.id }, Math.max(0, (now - at) / 1000));
    }
  },
});

new Gauge({
  name: `${PREFIX}exchange_datasets`,
  help: 'Listings of an exchange in the catalog (from its last harvest).',
  labelNames: ['exchange'],
  collect() {
    this.reset();
    for (const s of harvestStates()) this.set({ exchange: s.info.id }, s.datasetCount);
  },
});

new Gauge({
  name: `${PREFIX}exchange_stale`,
  help: '1 while an exchange is served from an older harvest because the last harvest or probe failed.',
  labelNames: ['exchange'],
  collect() {
    this.reset();
    for (const s of harvestStates()) this.set({ exchange: s.info.id }, s.stale ? 1 : 0);
  },
});

/** Reports a catalog harvester's states; returns the untrack. */
export function trackHarvester(source: () => readonly HarvestStateView[]): () => void {
  harvestSources.add(source);
  return () => void harvestSources.delete(source);
}

/** ioredis connection states ('ready' = up). */
const redisSources = new Set<() => string>();

new Gauge({
  name: `${PREFIX}redis_configured`,
  help: '1 when this process uses Redis (DATAEX_REDIS_URL or DATAEX_REDIS_CLUSTER), else 0.',
  collect() {
    this.set(redisSources.size > 0 ? 1 : 0);
  },
});

// Absent (not 0) without Redis, so that "redis_up == 0" alerts only where Redis is used.
customMetric(`${PREFIX}redis_up`, "1 while this process's Redis connection is ready, 0 while it is not; absent without Redis.", 'gauge', () => {
  if (redisSources.size === 0) return [];
  let up = 1;
  for (const status of redisSources) if (status() !== 'ready') up = 0;
  return [{ labels: {}, value: up }];
});

/** Reports a Redis connection's status; returns the untrack. */
export function trackRedis(status: () => string): () => void {
  redisSources.add(status);
  return () => void redisSources.delete(status);
}

// ---------------------------------------------------------------------------------------------
// Exposition.

let processMetrics = false;

/** prom-client's process metrics (CPU, memory, event-loop lag, GC), started once per process. */
export function startProcessMetrics(): void {
  if (processMetrics) return;
  processMetrics = true;
  collectDefaultMetrics({ prefix: PREFIX });
}

/** The exposition text and its content type. */
export async function metricsText(): Promise<{ contentType: string; body: string }> {
  return { contentType: register.contentType, body: await register.metrics() };
}
