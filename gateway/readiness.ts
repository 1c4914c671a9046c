// /readyz: the supergraph is loaded (we would not be listening otherwise) and every subgraph
// answers its own /readyz (the catalog only after its first harvest). A subgraph without
// /readyz counts as ready when it answers at all. Results are cached briefly so probes
// cannot turn into load.

import { request } from 'undici';
import type { SubgraphEndpoint } from './supergraph.ts';

export interface SubgraphReadiness {
  name: string;
  ready: boolean;
  detail?: unknown;
  error?: string;
}

export interface ReadinessReport {
  ready: boolean;
  subgraphs: SubgraphReadiness[];
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

export function createReadiness(subgraphs: readonly SubgraphEndpoint[], cacheMs = 1_000, timeoutMs = 2_000) {
  let cached: { at: number; report: Promise<ReadinessReport> } | undefined;
  return {
    check(): Promise<ReadinessReport> {
      if (cached && Date.now() - cached.at < cacheMs) return cached.report;
      const report = Promise.all(subgraphs.map((s) => checkOne(s, timeoutMs))).then((results) => ({
        ready: results.every((r) => r.ready),
        subgraphs: results,
      }));
      cached = { at: Date.now(), report };
      return report;
    },
  };
}
