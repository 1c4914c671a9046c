// Fault matrix: every /__sim/faults mode on one exchange, with short timings. Each exchange has
// its own file (test/e2e/faults/<id>.test.ts: `faultMatrix('<id>')`), so each gets its own stack
// and vitest runs the exchanges in parallel. For each mode, a fixed set of queries (a
// cross-exchange search with prices, a dataset per exchange, a provider with its registration
// and listings) is answered with HTTP 200 within the request deadline; the other exchanges' live
// fields are all there; the faulty exchange's are null, each with an error naming it
// (UPSTREAM_UNAVAILABLE or UPSTREAM_ERROR) and no internal URL. Then the exchange's circuit
// breaker: faults that mean "no answer" (offline, hang, slow, rate limit) open it under
// sustained load, visible in-process and on /readyz, and it closes again once the faults are
// cleared and the cool-down has passed; faults that are answers (error envelope, garbage) are
// UPSTREAM_ERROR, which by design never opens it (see subgraphs/common/resilience/guard.ts), so
// there it must stay closed while calls keep going out.
//
// The exchanges come from the exchange list (subgraphs/exchanges.ts): the detail query has one
// alias per exchange, and the cross-exchange search runs over a set of providers whose listings
// together cover every exchange.
//
// Cold data: the upstream cache would answer listings fetched earlier (fresh for 60 s, then
// stale-if-error flagged in extensions.stale). Each step here uses listings no request has
// fetched before (a disjoint set per mode), so every faulty answer is a real upstream failure,
// and the tests assert that no answer is flagged stale.

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { simCall, startTestStack, type GraphQLResult, type TestStack } from './stack.ts';
import { upstreamHealth } from '../../subgraphs/common/resilience/index.ts';
import { EXCHANGES, type ExchangeId } from '../../subgraphs/exchanges.ts';

const EXCHANGE_IDS: readonly ExchangeId[] = EXCHANGES.map((e) => e.id);
const MODES = ['error', 'garbage', 'offline', 'ratelimit', 'slow', 'hang'] as const;
type Mode = (typeof MODES)[number];
/** Modes where the upstream gives no usable HTTP answer: UPSTREAM_UNAVAILABLE, counted by the breaker. */
const UNAVAILABLE = new Set<Mode>(['offline', 'ratelimit', 'slow', 'hang']);

const UPSTREAM_TIMEOUT_MS = 800;
const SUBGRAPH_TIMEOUT_MS = 2500;
const DEADLINE_MS = 3000;
const COOLDOWN_MS = 1000;
/** Scheduling slack on a busy 2-core CI machine. */
const SLACK_MS = 1000;
/** Page size of the cross-exchange search: its providers have at most this many listings together. */
const SEARCH_PAGE = 20;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const exchangeOf = (id: string) => id.slice(0, id.indexOf(':')) as ExchangeId;
/** A unified dataset id of any listed exchange. */
const DATASET_ID = new RegExp(`^(${EXCHANGE_IDS.join('|')}):`);

const LIVE = 'pricing { model price { yuan } } delivery { method }';

/** One listing of each exchange, by alias: the variable and the alias are the exchange's id. */
const DETAIL = `query Detail(${EXCHANGE_IDS.map((e) => `$${e}: ID!`).join(', ')}) {
${EXCHANGE_IDS.map((e) => `  ${e}: dataset(id: $${e}) { id title ${LIVE} certificates { number issuer } updateFrequency }`).join('\n')}
}`;

interface Provider {
  creditCode: string;
  datasets: string[];
  /** The exchanges of its listings. */
  exchanges: Set<ExchangeId>;
}

/** The providers one run of the query set asks for. */
interface QuerySetPlan {
  /** Searched together: their listings cover every exchange, at most SEARCH_PAGE of them. */
  search: Provider[];
  /** Asked for by credit code: listed on the faulty exchange and at least one other. */
  provider: Provider;
}

/**
 * Registers the fault matrix with `faulty` as the faulty exchange: the query set while all is
 * healthy, one test per fault mode, and a final check that everything still serves. Call it once,
 * at the top level of a test file (it starts its own stack).
 */
export function faultMatrix(faulty: ExchangeId): void {
  let stack: TestStack;
  /** Listings whose details some request may have fetched (so the upstream cache may hold them). */
  const used = new Set<string>();
  /** Listings not fetched yet, per exchange. */
  const pool = Object.fromEntries(EXCHANGE_IDS.map((e) => [e, [] as string[]])) as Record<ExchangeId, string[]>;
  /** The providers of each run of the query set (healthy, then each mode), none fetched yet. */
  const plans: QuerySetPlan[] = [];

  beforeAll(async () => {
    stack = await startTestStack(
      {
        DATAEX_UPSTREAM_TIMEOUT_MS: String(UPSTREAM_TIMEOUT_MS),
        DATAEX_SUBGRAPH_TIMEOUT_MS: String(SUBGRAPH_TIMEOUT_MS),
        DATAEX_REQUEST_DEADLINE_MS: String(DEADLINE_MS),
        DATAEX_UPSTREAM_BREAKER_COOLDOWN_MS: String(COOLDOWN_MS),
      },
      { as: 'admin' },
    );
    // Catalog-only queries (no live field): they call no exchange, so nothing gets warm here.
    // Registrations come from the registry, which is never faulty here.
    const candidates: Provider[] = [];
    let after: string | null = null;
    do {
      const res: GraphQLResult = await gql(
        `query Candidates($after: String) { providers(minExchanges: 2, first: 100, after: $after) { edges { node { creditCode registration { status } datasets(first: ${SEARCH_PAGE + 1}) { totalCount edges { node { id } } } } } pageInfo { hasNextPage endCursor } } }`,
        { after },
      );
      for (const { node } of res.data.providers.edges) {
        if (node.datasets.totalCount > SEARCH_PAGE || !node.registration) continue;
        const datasets: string[] = node.datasets.edges.map((e: any) => e.node.id);
        candidates.push({ creditCode: node.creditCode, datasets, exchanges: new Set(datasets.map(exchangeOf)) });
      }
      after = res.data.providers.pageInfo.hasNextPage ? res.data.providers.pageInfo.endCursor : null;
    } while (after !== null);
    for (let run = 0; run < 1 + MODES.length; run++) plans.push(planQuerySet(candidates, faulty));
    const reserved = new Set(plans.flatMap((p) => [...p.search, p.provider].flatMap((q) => q.datasets)));
    for (const exchange of EXCHANGE_IDS) {
      let after: string | null = null;
      for (let page = 0; page < 5; page++) {
        const r: GraphQLResult = await gql(
          `query P($after: String) { search(first: 100, after: $after, orderBy: TITLE_ASC, filter: { exchanges: ["${exchange}"] }) { edges { node { id } } pageInfo { endCursor } } }`,
          { after },
        );
        pool[exchange].push(...r.data.search.edges.map((e: any) => e.node.id).filter((id: string) => !reserved.has(id)));
        after = r.data.search.pageInfo.endCursor;
      }
    }
  }, 120_000);

  afterAll(async () => {
    await stack?.close();
  });

  // A failed step must not leave its fault (or an open breaker) to the next one.
  afterEach(async () => {
    for (const exchange of EXCHANGE_IDS) {
      await setFault(exchange, 'none');
      const deadline = Date.now() + 5_000;
      while (upstreamHealth.breakerState(exchange) !== 'closed' && Date.now() < deadline) {
        await gql(`query Heal($id: ID!) { dataset(id: $id) { id pricing { model } } }`, { id: coldIds(exchange, 1)[0] });
        await sleep(200);
      }
    }
  });

  /** A query that skips the response cache lookup: every call runs the whole pipeline. */
  function gql(query: string, variables?: Record<string, unknown>): Promise<GraphQLResult> {
    return stack.gql(query, variables, { 'cache-control': 'no-cache' });
  }

  function coldIds(exchange: ExchangeId, n: number): string[] {
    const out: string[] = [];
    while (out.length < n) {
      const id = pool[exchange].shift();
      if (id === undefined) throw new Error(`out of cold ${exchange} listings`);
      if (!used.has(id)) out.push(id);
    }
    for (const id of out) used.add(id);
    return out;
  }

  /** The providers of the next run of the query set, marked used. */
  function nextPlan(): QuerySetPlan {
    const plan = plans.shift();
    if (plan === undefined) throw new Error('out of planned query sets');
    for (const p of [...plan.search, plan.provider]) for (const id of p.datasets) used.add(id);
    return plan;
  }

  async function setFault(exchange: ExchangeId, mode: Mode | 'none'): Promise<void> {
    const body = mode === 'slow' ? { mode, latencyMs: UPSTREAM_TIMEOUT_MS * 2 } : { mode };
    const res = await simCall(stack.simulators[exchange]!.url, 'POST', '/__sim/faults', body);
    expect(res.faults.mode).toBe(mode);
  }

  async function upstreamCalls(exchange: ExchangeId): Promise<number> {
    return (await simCall(stack.simulators[exchange]!.url, 'GET', '/__sim/stats')).total;
  }

  /** One listing of each exchange, by alias (each alias is its own entity fetch: exact error paths). */
  async function runDetails(failing: ExchangeId | null, label: string): Promise<void> {
    const ids = Object.fromEntries(EXCHANGE_IDS.map((e) => [e, coldIds(e, 1)[0]])) as Record<ExchangeId, string>;
    const detail = await timed(() => gql(DETAIL, ids));
    checkAnswer(detail, `${label} detail`);
    for (const exchange of EXCHANGE_IDS) {
      const d = detail.value.data[exchange];
      expect(d.id).toBe(ids[exchange]);
      expect(d.title).toBeTruthy();
      checkNode(d, failing, `${label} detail`);
      if (exchange === failing) expect(d.certificates).toBeNull();
    }
    checkErrors(detail.value, failing, 1, `${label} detail`, true);
  }

  /** The fixed query set, on listings nobody fetched before; `failing` null = all healthy. */
  async function runQuerySet(failing: ExchangeId | null, label: string): Promise<void> {
    const plan = nextPlan();
    const searched = plan.search.flatMap((p) => p.datasets);

    const [search, prov] = await Promise.all([
      timed(() =>
        gql(
          `query Search($p: [ID!]!) { search(first: ${SEARCH_PAGE}, filter: { providers: $p }, orderBy: TITLE_ASC) { totalCount edges { node { id title exchange { id } headlinePrice { text } ${LIVE} } } } }`,
          { p: plan.search.map((p) => p.creditCode) },
        ),
      ),
      timed(() =>
        gql(
          `query Provider($c: ID!) { provider(creditCode: $c) { creditCode name registration { status establishedOn } datasets(first: ${SEARCH_PAGE}) { totalCount edges { node { id exchange { id } ${LIVE} } } } } }`,
          { c: plan.provider.creditCode },
        ),
      ),
      runDetails(failing, label),
    ]);
    checkAnswer(search, `${label} search`);
    checkAnswer(prov, `${label} provider`);

    // Cross-exchange search: the providers' every listing, on every exchange.
    const nodes = search.value.data.search.edges.map((e: any) => e.node);
    expect(nodes.map((n: any) => n.id).sort()).toEqual([...searched].sort());
    expect(new Set(nodes.map((n: any) => n.exchange.id))).toEqual(new Set(EXCHANGE_IDS));
    for (const n of nodes) {
      expect(n.title).toBeTruthy();
      checkNode(n, failing, `${label} search`);
    }
    checkErrors(search.value, failing, nodes.filter((n: any) => exchangeOf(n.id) === failing).length, `${label} search`, false);

    // Provider: the registry is healthy, so the registration is always there.
    const p = prov.value.data.provider;
    expect(p.creditCode).toBe(plan.provider.creditCode);
    expect(p.registration?.status, `${label} provider registration`).toBeTruthy();
    const listed = p.datasets.edges.map((e: any) => e.node);
    expect(listed.map((n: any) => n.id).sort()).toEqual([...plan.provider.datasets].sort());
    for (const n of listed) checkNode(n, failing, `${label} provider`);
    checkErrors(prov.value, failing, listed.filter((n: any) => exchangeOf(n.id) === failing).length, `${label} provider`, false);
  }

  async function readyzExchange(exchange: ExchangeId): Promise<any> {
    const res = await stack.http('/readyz');
    const body = JSON.parse(res.text);
    return { status: res.status, report: body, exchange: body.exchanges.find((e: any) => e.id === exchange) };
  }

  it('answers the whole query set completely while every exchange is healthy', async () => {
    await runQuerySet(null, 'healthy');
    for (const exchange of EXCHANGE_IDS) expect(upstreamHealth.breakerState(exchange)).toBe('closed');
  });

  describe(`${faulty} faulty`, () => {
    const exchange = faulty;
    it.each(MODES)(
      `mode %s: others complete, ${exchange} null with a precise error, breaker behaves, recovers`,
      async (mode) => {
        const label = `${exchange}/${mode}`;
        const guard = () => upstreamHealth.health(exchange)!;
        expect(guard().breaker).toBe('closed');
        const openedBefore = guard().counters.opened;
        const callsBefore = await upstreamCalls(exchange);
        // The moment the breaker opens, a call must fail fast with the breaker's own error (checked
        // right then, while the queries below are still running: well inside the cool-down).
        let fastCheck: Promise<{ value: GraphQLResult; ms: number; shortCircuited: number; healthyMs: number }> | undefined;
        let opened = openedBefore;
        let lastOpenedAt = 0; // when the breaker last (re)opened, as seen from here (polled every 5 ms)
        const watcher = setInterval(() => {
          if (guard().counters.opened === opened) return;
          opened = guard().counters.opened;
          lastOpenedAt = Date.now();
          if (fastCheck) return;
          const before = guard().counters.shortCircuited;
          const FAST = `query Fast($id: ID!) { dataset(id: $id) { id pricing { model } } }`;
          // Beside it, the same query on a healthy exchange (a real upstream call): the baseline,
          // under this moment's load.
          const healthy = EXCHANGE_IDS.find((e) => e !== exchange)!;
          const baseline = timed(() => gql(FAST, { id: coldIds(healthy, 1)[0] }));
          fastCheck = timed(() => gql(FAST, { id: coldIds(exchange, 1)[0] })).then(async (r) => ({
            ...r,
            shortCircuited: guard().counters.shortCircuited - before,
            healthyMs: (await baseline).ms,
          }));
        }, 5);
        await setFault(exchange, mode);
        try {
          await runQuerySet(exchange, label);

          if (UNAVAILABLE.has(mode)) {
            // Sustained faults (listings nobody fetched before) until the breaker opens.
            await until(`${label}: breaker opens`, 10_000, async () => {
              if (fastCheck) return true;
              await Promise.all([0, 1, 2].map(() => gql(`query Drive($ids: [ID!]!) { datasets(ids: $ids) { id pricing { model } } }`, { ids: coldIds(exchange, 3) })));
              return undefined;
            });
            const fast = await fastCheck!;
            expect(guard().openReason).toMatch(/calls failed|probe failed/);
            expect(fast.shortCircuited).toBeGreaterThanOrEqual(1);
            // Failing fast: no wait for the upstream's timeout (what a slow or hung upstream would
            // cost a call that went out), next to a healthy exchange's answer at the same moment.
            expect(fast.ms, `short-circuited ${fast.ms.toFixed(0)} ms, healthy ${fast.healthyMs.toFixed(0)} ms`).toBeLessThan(fast.healthyMs + UPSTREAM_TIMEOUT_MS / 2);
            expect(fast.value.data.dataset.pricing).toBeNull();
            expect(fast.value.errors?.[0].extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', exchange });
            expect(fast.value.errors?.[0].message).toMatch(/circuit open/);
            const ready = await until(`${label}: /readyz shows the open breaker`, 3_000, async () => {
              const r = await readyzExchange(exchange);
              return r.exchange.breaker?.state === 'open' || r.exchange.breaker?.state === 'half-open' ? r : undefined;
            });
            expect(ready.status).toBe(200);
            expect(ready.report).toMatchObject({ ready: true, status: 'degraded' });
            expect(ready.exchange.status).toBe('DEGRADED');
          } else {
            // Answers, however wrong, are not outages: calls keep going out and the breaker stays closed.
            for (let round = 0; round < 3; round++) {
              const r = await gql(`query Drive($ids: [ID!]!) { datasets(ids: $ids) { id pricing { model } } }`, { ids: coldIds(exchange, 4) });
              expect(r.errors?.[0].extensions).toMatchObject({ code: 'UPSTREAM_ERROR', exchange });
            }
            expect(await upstreamCalls(exchange)).toBeGreaterThan(callsBefore + 3);
            expect(guard().breaker).toBe('closed');
            expect(guard().counters.opened).toBe(openedBefore);
            expect(fastCheck).toBeUndefined();
          }
        } finally {
          await setFault(exchange, 'none');
        }

        // Recovery: after the cool-down the next call is the probe; it succeeds and closes the breaker.
        try {
          await until(`${label}: breaker closed again`, 8_000, async () => {
            if (guard().breaker === 'closed') return true;
            await gql(`query Probe($id: ID!) { dataset(id: $id) { id pricing { model } } }`, { id: coldIds(exchange, 1)[0] });
            return guard().breaker === 'closed' ? true : undefined;
          });
        } finally {
          clearInterval(watcher);
        }
        if (UNAVAILABLE.has(mode)) {
          expect(guard().counters.opened).toBe(opened); // closed by a probe, not re-opened since
          expect(Date.now() - lastOpenedAt).toBeGreaterThanOrEqual(COOLDOWN_MS - 250);
        }
        await runDetails(null, `${label} recovered`);
      },
      40_000,
    );
  });

  it('still serves after the whole matrix: gateway and every subgraph alive, ready, breakers closed', async () => {
    const health = await stack.http('/healthz');
    expect(health.status).toBe(200);
    for (const [name, s] of Object.entries(stack.subgraphs)) {
      const res = await request(s.url.replace(/\/graphql$/, '/healthz'));
      expect(res.statusCode, name).toBe(200);
      await res.body.dump();
    }
    const ready = await until('/readyz ready', 3_000, async () => {
      const r = await stack.http('/readyz');
      const body = JSON.parse(r.text);
      return body.status === 'ready' ? body : undefined;
    });
    expect(ready.exchanges.map((e: any) => [e.id, e.breaker?.state])).toEqual(EXCHANGE_IDS.map((e) => [e, 'closed']));
    for (const exchange of EXCHANGE_IDS) expect(upstreamHealth.breakerState(exchange)).toBe('closed');
  });
}

/**
 * The providers of one run of the query set, taken out of `candidates`: for the search, a few
 * providers (fewest first, greedily) whose listings cover every exchange, at most SEARCH_PAGE
 * together; for the provider query, one listed on `faulty` (and, being a candidate, on another).
 */
function planQuerySet(candidates: Provider[], faulty: ExchangeId): QuerySetPlan {
  const take = (p: Provider) => candidates.splice(candidates.indexOf(p), 1)[0];
  const provider = candidates.find((p) => p.exchanges.has(faulty));
  if (!provider) throw new Error(`out of providers listed on ${faulty} and another exchange`);
  take(provider);
  const search: Provider[] = [];
  const uncovered = new Set(EXCHANGE_IDS);
  let listings = 0;
  while (uncovered.size > 0) {
    let best: Provider | undefined;
    let bestGain = 0;
    for (const p of candidates) {
      if (listings + p.datasets.length > SEARCH_PAGE) continue;
      const gain = [...p.exchanges].filter((e) => uncovered.has(e)).length;
      if (gain > bestGain || (gain === bestGain && gain > 0 && p.datasets.length < best!.datasets.length)) {
        best = p;
        bestGain = gain;
      }
    }
    if (!best) throw new Error(`out of providers to cover ${[...uncovered].join(', ')} within ${SEARCH_PAGE} listings`);
    take(best);
    search.push(best);
    listings += best.datasets.length;
    for (const e of best.exchanges) uncovered.delete(e);
  }
  return { search, provider };
}

/** Timing and status of one answer of the query set. */
function checkAnswer(r: { value: GraphQLResult; ms: number }, what: string): void {
  expect(r.value.status, what).toBe(200);
  expect(r.ms, `${what} answered within the deadline`).toBeLessThan(DEADLINE_MS + SLACK_MS);
}

/** A node with live fields: all there when its exchange is healthy, null when it is the faulty one. */
function checkNode(node: any, faulty: ExchangeId | null, where: string): void {
  const exchange = exchangeOf(node.id);
  if (exchange === faulty) {
    expect(node.pricing, `${where} ${node.id} pricing`).toBeNull();
    expect(node.delivery, `${where} ${node.id} delivery`).toBeNull();
  } else {
    expect(Array.isArray(node.pricing), `${where} ${node.id} pricing`).toBe(true);
    expect(Array.isArray(node.delivery), `${where} ${node.id} delivery`).toBe(true);
  }
}

/**
 * Errors: at least one, all about the faulty exchange, with a contract code, no internals. An
 * error either has no path (the exchange's whole subgraph call failed, e.g. cut at the deadline)
 * or a path to a dataset in the answer. `exactPaths`: the path must lead to one of the faulty
 * exchange's datasets. Not asserted for lists mixing exchanges: @apollo/gateway 2.14 maps the
 * error of the i-th entity of a type-conditioned entity fetch to the i-th element of the whole
 * list (makeLazyErrorPathGenerator), so there the path can name a neighbour of the right dataset.
 */
function checkErrors(res: GraphQLResult, faulty: ExchangeId | null, faultyNodes: number, where: string, exactPaths: boolean): void {
  expect(res.extensions?.stale, `${where}: cold data is never stale`).toBeUndefined();
  if (faulty === null) {
    expect(res.errors, `${where}: ${JSON.stringify(res.errors)}`).toBeUndefined();
    return;
  }
  expect(res.errors?.length, `${where}: an error names ${faulty}`).toBeGreaterThan(0);
  // One error per failed dataset, or (the whole call to the exchange's subgraph failed) one without a path.
  const withPath = res.errors!.filter((e) => e.path !== undefined);
  expect([0, faultyNodes], `${where}: ${JSON.stringify(res.errors)}`).toContain(withPath.length);
  expect(res.errors!.length - withPath.length, `${where}: ${JSON.stringify(res.errors)}`).toBeLessThanOrEqual(1);
  for (const e of res.errors!) {
    const detail = `${where}: ${JSON.stringify(e)}`;
    expect(e.extensions?.exchange, detail).toBe(faulty);
    expect(e.extensions?.code, detail).toMatch(/^UPSTREAM_(UNAVAILABLE|ERROR)$/);
    expect(e.message, detail).not.toMatch(/https?:\/\/|127\.0\.0\.1|localhost|:\d{4,5}\b/);
    expect(e.message, detail).not.toMatch(/\n\s+at /); // no stack trace
    if (e.path === undefined) continue;
    const node = nodeAtPath(res.data, e.path);
    expect(node?.id, `${detail}: the path leads to a dataset`).toMatch(DATASET_ID);
    if (exactPaths) expect(exchangeOf(node.id), detail).toBe(faulty);
  }
}

/** The dataset object an error path leads to (the deepest object with an id on the way). */
function nodeAtPath(data: any, path: (string | number)[]): any {
  let at = data;
  let node: any;
  for (const step of path) {
    at = at?.[step];
    if (at && typeof at === 'object' && typeof at.id === 'string') node = at;
  }
  return node;
}

async function timed<T>(run: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await run();
  return { value, ms: performance.now() - started };
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}
