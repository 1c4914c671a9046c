// The benchmark's operations. Every gateway gets the same request sequence for a scenario:
// fixed lists are cycled (each connection on its own), the cold scenario is generated request
// by request from a counter that restarts at 0 for every gateway.

import type { LoadRequest } from './lib.ts';
import { FEDERATION_QUERY } from './federation-bench/subgraphs.ts';
import { EXCHANGES } from '../subgraphs/exchanges.ts';

export type SuiteName = 'dataex' | 'federation';

export interface Scenario {
  name: string;
  suite: SuiteName;
  description: string;
  /** A response cache can serve it (a fixed set of requests, repeated). */
  cacheable: boolean;
  /** The requests of one run; `first()` are the first few, used to check answers. */
  build(fixtures: Fixtures): ScenarioRequests;
}

export interface ScenarioRequests {
  /**
   * What autocannon sends: a fixed list, or a fresh generator per run. Generated sequences
   * differ per `stream` (one per gateway), so no gateway replays requests another one sent
   * before it and finds the subgraphs' caches warm.
   */
  load(stream?: number): LoadRequest[] | { next(): LoadRequest };
  /** A few requests to check answers with (outside the load sequence). */
  sample(n: number): LoadRequest[];
}

export interface Fixtures {
  /** Search words with at least 20 hits. */
  words: string[];
  datasetIds: string[];
  /** Providers listed on every exchange. */
  providerCodes: string[];
}

const body = (query: string, variables?: Record<string, unknown>): LoadRequest => ({ body: JSON.stringify(variables ? { query, variables } : { query }) });

export const SEARCH_QUERY = `query SearchPage($text: String, $filter: DatasetFilter, $orderBy: DatasetOrder, $first: Int) {
  search(text: $text, filter: $filter, orderBy: $orderBy, first: $first) {
    totalCount
    edges {
      node {
        id title titleEn updatedAt productType
        exchange { id name }
        classification { level grade containsPersonalInfo }
        headlinePrice { text price { yuan } }
        pricing { model unit negotiable price { yuan } }
        provider { creditCode name registration { status establishedOn } }
      }
    }
    pageInfo { hasNextPage endCursor }
    facets { exchanges { value count } sectors { value label count } }
  }
}`;

export const DETAIL_QUERY = `query DatasetDetail($id: ID!) {
  dataset(id: $id) {
    id nativeId title titleEn description productType status scenarios keywords updatedAt
    exchange { id name city }
    sectors { code name }
    classification { level grade containsPersonalInfo sensitivePersonalInfo openness }
    headlinePrice { text }
    provider { creditCode name creditCodeValid registration { name status legalRepresentative establishedOn registeredCapital { yuan } } }
    pricing { model unit negotiable text price { amountFen yuan } }
    delivery { method format }
    certificates { number issuer }
    updateFrequency
  }
}`;

export const PROVIDER_QUERY = `query ProviderListings($creditCode: ID!) {
  provider(creditCode: $creditCode) {
    creditCode name creditCodeValid
    registration { status establishedOn registeredCapital { yuan } }
    exchanges { id name }
    datasets(first: 20) {
      totalCount
      edges { node { id title updatedAt exchange { id } headlinePrice { text } pricing { model price { yuan } } } }
    }
  }
}`;

const fixed = (requests: LoadRequest[]): ScenarioRequests => ({
  load: () => requests,
  sample: (n) => requests.slice(0, n),
});

// Deterministic pseudo-random numbers from an index (mulberry32).
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ORDERS = ['RELEVANCE', 'UPDATED_DESC', 'PRICE_ASC', 'PRICE_DESC', 'TITLE_ASC'];
const EPOCH = Date.UTC(2018, 0, 1) - 8 * 3600_000; // 2018-01-01T00:00:00+08:00

/** Beijing time with offset, as the API's DateTime. */
function beijingTime(ms: number): string {
  return new Date(ms + 8 * 3600_000).toISOString().replace(/\.\d{3}Z$/, '+08:00');
}

/** The i-th cold search: unique variables (updatedSince to the second), so no response cache helps. */
export function coldSearch(i: number, words: string[]): LoadRequest {
  const r = rng(i + 1);
  const text = r() < 0.2 ? null : words[Math.floor(r() * words.length)];
  const orderBy = ORDERS[Math.floor(r() * ORDERS.length)];
  const first = 10 + Math.floor(r() * 11);
  // Some day in six years, plus i seconds: unique per request.
  const since = EPOCH + Math.floor(r() * 6 * 365) * 86_400_000 + (i % 86_400) * 1000;
  return body(SEARCH_QUERY, { text, orderBy, first, filter: { updatedSince: beijingTime(since) } });
}

export const SCENARIOS: Scenario[] = [
  {
    name: 'search',
    suite: 'dataex',
    description: 'cross-exchange search page: 20 results with provider, registration and live pricing, facets (8 searches cycled)',
    cacheable: true,
    build: (f) => fixed(f.words.slice(0, 8).map((text) => body(SEARCH_QUERY, { text, first: 20 }))),
  },
  {
    name: 'detail',
    suite: 'dataex',
    description: 'dataset detail by id: catalog fields, provider registration, pricing, delivery, certificates (50 ids cycled)',
    cacheable: true,
    build: (f) => fixed(f.datasetIds.map((id) => body(DETAIL_QUERY, { id }))),
  },
  {
    name: 'provider',
    suite: 'dataex',
    description: 'a provider listed on every exchange, with its registration and 20 listings with pricing (20 providers cycled)',
    cacheable: true,
    build: (f) => fixed(f.providerCodes.map((creditCode) => body(PROVIDER_QUERY, { creditCode }))),
  },
  {
    name: 'cold',
    suite: 'dataex',
    description: 'search page with unique variables per request (text, order, size, updatedSince): no response cache can help',
    cacheable: false,
    build: (f) => ({
      load: (stream = 0) => {
        let i = stream * 1_000_000;
        return { next: () => coldSearch(i++, f.words) };
      },
      // Samples come from an index range no load stream reaches, so they warm nothing it sends.
      sample: (n) => Array.from({ length: n }, (_, k) => coldSearch(10_000_000 + k, f.words)),
    }),
  },
  {
    name: 'federation',
    suite: 'federation',
    description: "the public gateway benchmark's shape: accounts, inventory, products, reviews and its nested query (~87 KB answer)",
    cacheable: true,
    build: () => fixed([body(FEDERATION_QUERY)]),
  },
];

export function scenarioByName(name: string): Scenario | undefined {
  return SCENARIOS.find((s) => s.name === name);
}

const CANDIDATE_WORDS = ['数据', '企业', '信用', '统计', '交通', '医疗', '金融', '气象', '登记', '语音', '电力', '物流', '专利', '行政处罚', '农业', '教育', 'data', 'credit'];

async function catalogQuery(url: string, query: string): Promise<any> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
  const json = (await res.json()) as { data?: any; errors?: unknown[] };
  if (json.errors || !json.data) throw new Error(`fixture query failed: ${JSON.stringify(json.errors)}`);
  return json.data;
}

/** Picks real ids, providers and words from the catalog subgraph (the same for every gateway). */
export async function loadFixtures(catalogUrl: string): Promise<Fixtures> {
  const counts = await catalogQuery(catalogUrl, `{ ${CANDIDATE_WORDS.map((w, i) => `w${i}: search(text: ${JSON.stringify(w)}, first: 1) { totalCount }`).join(' ')} }`);
  const words = CANDIDATE_WORDS.filter((_, i) => counts[`w${i}`].totalCount >= 20);
  const perExchange = await catalogQuery(
    catalogUrl,
    `{ ${EXCHANGES.map(({ id }) => `${id}: search(filter: { exchanges: ["${id}"] }, orderBy: UPDATED_DESC, first: 17) { edges { node { id } } }`).join(' ')} }`,
  );
  const lists: string[][] = Object.values(perExchange).map((c: any) => c.edges.map((e: any) => e.node.id));
  const datasetIds: string[] = [];
  for (let i = 0; datasetIds.length < 50 && i < 17; i++) for (const list of lists) if (list[i] && datasetIds.length < 50) datasetIds.push(list[i]);
  const providers = await catalogQuery(catalogUrl, `{ providers(minExchanges: 3, first: 20) { edges { node { creditCode } } } }`);
  const providerCodes: string[] = providers.providers.edges.map((e: any) => e.node.creditCode);
  if (words.length < 8 || datasetIds.length < 50 || providerCodes.length < 5) {
    throw new Error(`not enough fixture data: ${words.length} words, ${datasetIds.length} ids, ${providerCodes.length} providers`);
  }
  return { words, datasetIds, providerCodes };
}
