// Backend CPU per catalog search page, two code trees side by side: each tree's bench backend
// (bench/targets/backend.ts, NODE_ENV=production, no upstream latency) in its own process,
// driven with the `cold` scenario's catalog query (unique variables per request) in batches
// that alternate between the two, so a drift in the machine's speed touches both alike.
// Prints each tree's backend CPU per request and their ratio. Not a test.
//
//   node bench/backend-ab.ts <tree-before> <tree-after>     (e.g. a `git worktree` of main)
//   BATCHES=12 BATCH=400 (requests per batch), 8 at a time

import { randomBytes } from 'node:crypto';
import { cpuSecondsOf, startTarget, type Target } from './lib.ts';
import { coldSearch, loadFixtures } from './scenarios.ts';

const roots = process.argv.slice(2);
if (roots.length !== 2) throw new Error('usage: node bench/backend-ab.ts <tree-before> <tree-after>');
const BATCH = Number(process.env.BATCH ?? 400);
const BATCHES = Number(process.env.BATCHES ?? 12);
const CONCURRENCY = 8;
const env = {
  NODE_ENV: 'production',
  DATAEX_SIM_LATENCY_MS: '0',
  DATAEX_HARVEST_INTERVAL_MS: '0',
  DATAEX_PROBE_INTERVAL_MS: '0',
  DATAEX_UPSTREAM_TTL_S: '300',
  DATAEX_LOG_LEVEL: 'warn',
  DATAEX_SIGNING_SECRET: randomBytes(32).toString('hex'),
};

const start = (root: string): Promise<Target> => startTarget('bench/targets/backend.ts', env, 120_000, { cwd: root, quiet: true });

// What a gateway asks the catalog for on the `cold` page (the rest comes from other subgraphs).
const CATALOG_QUERY = `query($text: String, $filter: DatasetFilter, $orderBy: DatasetOrder, $first: Int) {
  search(text: $text, filter: $filter, orderBy: $orderBy, first: $first) {
    totalCount
    edges { node { __typename id title titleEn updatedAt productType exchange { id name } classification { level grade containsPersonalInfo } headlinePrice { text price { yuan } } provider { creditCode name } } }
    pageInfo { hasNextPage endCursor }
    facets { exchanges { value count } sectors { value label count } }
  }
}`;

const backends = await Promise.all(roots.map(start));
try {
  const { words } = await loadFixtures(backends[0].info.subgraphs.catalog);
  const body = (i: number) => JSON.stringify({ query: CATALOG_QUERY, variables: JSON.parse(coldSearch(i, words).body as string).variables });

  /** CPU seconds the backend spent on BATCH requests from index `from`. */
  const batch = async (backend: Target, from: number): Promise<number> => {
    let next = 0;
    const worker = async () => {
      while (next < BATCH) {
        const k = next++;
        const res = await fetch(backend.info.subgraphs.catalog, { method: 'POST', headers: { 'content-type': 'application/json' }, body: body(from + k) });
        const text = await res.text();
        if (!text.includes('"totalCount"')) throw new Error(`unexpected answer: ${text.slice(0, 300)}`);
      }
    };
    const before = cpuSecondsOf(backend.proc.pid!);
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    return cpuSecondsOf(backend.proc.pid!) - before;
  };

  for (const b of backends) await batch(b, 9_000_000); // warm-up, discarded
  const cpu = [0, 0];
  for (let round = 0; round < BATCHES; round++) {
    for (let j = 0; j < 2; j++) {
      const k = (round + j) % 2; // alternate which tree goes first
      cpu[k] += await batch(backends[k], round * BATCH);
    }
  }
  const perOp = cpu.map((c) => (c * 1000) / (BATCHES * BATCH));
  console.log(`${roots[0]}: ${perOp[0].toFixed(3)} ms/request  ${roots[1]}: ${perOp[1].toFixed(3)} ms/request  after ÷ before ${(perOp[1] / perOp[0]).toFixed(3)}`);
} finally {
  await Promise.all(backends.map((b) => b.stop()));
}
