// /readyz: the state of every dependency as JSON — each subgraph's own /readyz (the catalog's
// carries each exchange's harvest and breaker state), Redis, harvest age — and one verdict.
// The gateway is not ready only when it cannot answer at all: the supergraph is not loaded
// (then we would not be listening) or no subgraph that can answer root fields is reachable.
// A failing exchange or a down Redis make it "degraded", still ready: it answers around them.
// Results are cached briefly so probes cannot turn into load.

import { request } from 'undici';
import type { SubgraphEndpoint } from './supergraph.ts';

export interface SubgraphReadiness {
  name: string;
  ready: boolean;
  detail?: unknown;
  error?: string;
}

export interface ExchangeReadiness {
  id: string;
  status: string;
  stale: boolean;
  breaker?: unknown;
  datasets?: number;
  lastHarvestAt: string | null;
  /** Seconds since the last successful harvest. */
  harvestAgeS: number | null;
}

export interface ReadinessReport {
  ready: boolean;
  status: 'ready' | 'degraded' | 'not-ready';
  subgraphs: SubgraphReadiness[];
  exchanges: ExchangeReadiness[];
  redis: string;
}

export interface ReadinessOptions {
  /** Subgraphs without which nothing can be answered (the one owning the root fields); default: any one. */
  essential?: readonly string[];
  /** Redis tier state: "off" | "up" | "suspended" | "down". */
  redisState?: () => string;
  cacheMs?: number;
  timeoutMs?: number;
}

function readyzUrl(graphqlUrl: string): string {
  const u = new URL(graphqlUrl);
  u.pathname = '/readyz';
  u.search = '';
  return u.toString();
}

async function checkOne(subgraph: SubgraphEndpoint, timeoutMs: number): Promise<SubgraphReadiness> {
  try {
    const res = await request(readyzUrl(subgraph.url), { headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
    const text = await res.body.text();
    if (res.statusCode === 404) return { name: subgraph.name, ready: true };
    let detail: unknown;
    try {
      detail = (JSON.parse(text) as { detail?: unknown }).detail;
    } catch {
      detail = undefined;
    }
    return { name: subgraph.name, ready: res.statusCode === 200, ...(detail === undefined ? {} : { detail }) };
  } catch (e) {
    return { name: subgraph.name, ready: false, error: (e as Error).message };
  }
}

function exchangesOf(subgraphs: SubgraphReadiness[], now: number): ExchangeReadiness[] {
  const out: ExchangeReadiness[] = [];
  for (const s of subgraphs) {
    const list = (s.detail as { exchanges?: Array<Record<string, unknown>> } | undefined)?.exchanges;
    if (!Array.isArray(list)) continue;
    for (const e of list) {
      const last = typeof e.lastHarvestAt === 'string' ? e.lastHarvestAt : null;
      out.push({
        id: String(e.id),
        status: String(e.status),
        stale: Boolean(e.stale),
        ...(e.breaker !== undefined ? { breaker: e.breaker } : {}),
        ...(typeof e.datasets === 'number' ? { datasets: e.datasets } : {}),
        lastHarvestAt: last,
        harvestAgeS: last ? Math.max(0, Math.round((now - Date.parse(last)) / 1000)) : null,
      });
    }
  }
  return out;
}

export function createReadiness(subgraphs: readonly SubgraphEndpoint[], options: ReadinessOptions = {}) {
  const cacheMs = options.cacheMs ?? 1_000;
  const timeoutMs = options.timeoutMs ?? 2_000;
  const essential = (options.essential ?? []).filter((name) => subgraphs.some((s) => s.name === name));
  let cached: { at: number; report: Promise<ReadinessReport> } | undefined;

  async function build(): Promise<ReadinessReport> {
    const results = await Promise.all(subgraphs.map((s) => checkOne(s, timeoutMs)));
    const exchanges = exchangesOf(results, Date.now());
    const redis = options.redisState?.() ?? 'off';
    const canAnswer = essential.length > 0 ? essential.every((n) => results.find((r) => r.name === n)?.ready) : results.some((r) => r.ready);
    const allWell = results.every((r) => r.ready) && exchanges.every((e) => e.status === 'ONLINE') && (redis === 'off' || redis === 'up');
    // /readyz is unauthenticated: it tells each part's state, never what a subgraph's own
    // report holds (listing counts, addresses in error messages).
    const parts = results.map((r) => ({ name: r.name, ready: r.ready, ...(r.ready ? {} : { error: 'unreachable or not ready' }) }));
    const states = exchanges.map(({ datasets: _counts, ...state }) => state);
    return { ready: canAnswer, status: !canAnswer ? 'not-ready' : allWell ? 'ready' : 'degraded', subgraphs: parts, exchanges: states, redis };
  }

  return {
    check(): Promise<ReadinessReport> {
      if (cached && Date.now() - cached.at < cacheMs) return cached.report;
      const report = build();
      cached = { at: Date.now(), report };
      return report;
    },
  };
}
