// Caching on every tier, memory only: response cache (hits from stored bytes, scopes, TTL,
// purge), single-flight down to the upstreams, stale-if-error, APQ.

import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiKey, callsBetween, simStats, startExtraGateway, startTestStack, type TestStack } from '../helpers/stack.ts';
import { countingProxy } from '../helpers/proxy.ts';
import { EXCHANGES, UPSTREAMS } from '../../subgraphs/exchanges.ts';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({}, { as: 'admin' });
}, 120_000);

afterAll(async () => {
  await stack?.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('response cache', () => {
  it('serves a repeated query from stored bytes with Age, without touching the upstreams', async () => {
    const query = '{ search(first: 5, filter: { sectors: ["J"] }) { totalCount edges { node { id pricing { model } } } } }';
    const first = await stack.gql(query);
    expect(first.errors).toBeUndefined();
    expect(first.headers['x-dataex-cache']).toBe('MISS');
    // PUBLIC by its hints, but this caller has a key: `private` for any shared cache on the way
    // (a key's answers may hold what the public may not see), varying on the credentials.
    expect(first.headers['cache-control']).toMatch(/max-age=\d+, private/);
    expect(first.headers.vary).toMatch(/Authorization/);
    const before = await simStats(stack);
    await sleep(1100);
    const second = await stack.gql(query);
    expect(second.headers['x-dataex-cache']).toBe('HIT');
    expect(Number(second.headers.age)).toBeGreaterThanOrEqual(1);
    expect(second.data).toEqual(first.data);
    // Hits reuse their headers within one second of Age only: a second later both move, and
    // Age plus max-age stays the stored freshness.
    const maxAgeOf = (r: { headers: Record<string, unknown> }) => Number(/max-age=(\d+)/.exec(String(r.headers['cache-control']))![1]);
    const storedMaxAge = maxAgeOf(first);
    expect(Number(second.headers.age) + maxAgeOf(second)).toBe(storedMaxAge);
    await sleep(1000);
    const third = await stack.gql(query);
    expect(third.headers['x-dataex-cache']).toBe('HIT');
    expect(Number(third.headers.age)).toBeGreaterThan(Number(second.headers.age));
    expect(Number(third.headers.age) + maxAgeOf(third)).toBe(storedMaxAge);
    const after = await simStats(stack);
    for (const { name } of UPSTREAMS) expect(callsBetween(before, after, name, /./), name).toBe(0);
  });

  it('never caches errors or mutations-free failures, and Cache-Control: no-cache bypasses the lookup', async () => {
    const bad = await stack.gql('{ search(first: 500) { totalCount } }');
    expect(bad.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(bad.headers['x-dataex-cache']).toBe('BYPASS');
    const again = await stack.gql('{ search(first: 500) { totalCount } }');
    expect(again.headers['x-dataex-cache']).toBe('BYPASS');

    const q = '{ exchanges { id datasetCount } }';
    await stack.gql(q);
    expect((await stack.gql(q)).headers['x-dataex-cache']).toBe('HIT');
    expect((await stack.gql(q, undefined, { 'cache-control': 'no-cache' })).headers['x-dataex-cache']).toBe('MISS');
  });

  it('shares PUBLIC answers within an access class only, and PRIVATE answers with nobody', async () => {
    const alice = await apiKey(stack, 'analyst', 'alice');
    const bob = await apiKey(stack, 'analyst', 'bob');
    const publicQuery = '{ search(first: 3, filter: { sectors: ["R"] }) { edges { node { id headlinePrice { text } } } } }';
    expect((await stack.gql(publicQuery, undefined, alice)).headers['x-dataex-cache']).toBe('MISS');
    expect((await stack.gql(publicQuery, undefined, bob)).headers['x-dataex-cache']).toBe('HIT');
    // Anonymous callers are another access class.
    expect((await stack.gql(publicQuery, undefined, { authorization: '' })).headers['x-dataex-cache']).toBe('MISS');

    const privateQuery = '{ search(first: 3, filter: { sectors: ["R"] }) { edges { node { id sample(rows: 2) { rows masked } } } } }';
    const a1 = await stack.gql(privateQuery, undefined, alice);
    expect(a1.data.search.edges).toHaveLength(3);
    expect(a1.headers['cache-control']).toMatch(/private/);
    expect(a1.headers['x-dataex-cache']).toBe('MISS');
    expect((await stack.gql(privateQuery, undefined, alice)).headers['x-dataex-cache']).toBe('HIT');
    expect((await stack.gql(privateQuery, undefined, bob)).headers['x-dataex-cache']).toBe('MISS');
  });

  it('purges by dataset id, by exchange and all (admin only)', async () => {
    const admin = await apiKey(stack, 'admin');
    const analyst = await apiKey(stack, 'analyst');
    const page = await stack.gql('{ search(first: 2, filter: { exchanges: ["beijing"], sectors: ["M"] }) { edges { node { id } } } }');
    const [id1, id2] = page.data.search.edges.map((e: any) => e.node.id);
    const one = (id: string) => `{ dataset(id: "${id}") { id title } }`;
    await stack.gql(one(id1));
    await stack.gql(one(id2));
    expect((await stack.gql(one(id1))).headers['x-dataex-cache']).toBe('HIT');

    const purge = (body: unknown, headers: Record<string, string>) =>
      stack.http('/admin/cache/purge', { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } });
    expect((await purge({ datasetId: id1 }, {})).status).toBe(401);
    expect((await purge({ datasetId: id1 }, analyst)).status).toBe(403);
    expect((await purge({ nonsense: 1 }, admin)).status).toBe(400);
    const res = await purge({ datasetId: id1 }, admin);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text).responseEntries).toBeGreaterThanOrEqual(1);
    expect((await stack.gql(one(id1))).headers['x-dataex-cache']).toBe('MISS');
    expect((await stack.gql(one(id2))).headers['x-dataex-cache']).toBe('HIT');

    expect((await purge({ exchange: 'beijing' }, admin)).status).toBe(200);
    expect((await stack.gql(one(id2))).headers['x-dataex-cache']).toBe('MISS');

    await stack.gql('{ exchanges { id } }');
    expect((await purge({ all: true }, admin)).status).toBe(200);
    expect((await stack.gql('{ exchanges { id } }')).headers['x-dataex-cache']).toBe('MISS');
  });
});

describe('single-flight', () => {
  // How these exchanges' adapters fetch live fields: the upstream route of their detail calls, and
  // whether a page's listings go in one batch call or one call per listing. The pages below hold
  // listings of these exchanges only, so each count is exact whatever other exchanges are listed.
  const DETAIL_CALLS = {
    beijing: { route: /detail/, batched: false },
    guiyang: { route: /gateway\.do/, batched: false },
    shanghai: { route: /detail\/batch/, batched: true },
  } as const;
  type DetailExchange = keyof typeof DETAIL_CALLS;
  const PAGE_EXCHANGES = JSON.stringify(Object.keys(DETAIL_CALLS));

  // Each test reads listings no earlier test touched, so the upstream cache starts cold.
  const page = (alias: string, sector: string) =>
    `{ ${alias}: search(first: 20, orderBy: PRICE_DESC, filter: { sectors: ["${sector}"], exchanges: ${PAGE_EXCHANGES} }) { edges { node { id exchange { id } pricing { model } provider { registration { name } } } } } }`;

  /** Distinct listings per exchange of DETAIL_CALLS on the page `query` answers. */
  async function distinctIds(query: string, caller: Record<string, string> = {}): Promise<Record<DetailExchange, number>> {
    const res = await stack.gql(query, undefined, { ...caller, 'cache-control': 'no-cache' });
    const nodes = Object.values(res.data)[0] as any;
    const ids = (ex: string) => new Set(nodes.edges.filter((e: any) => e.node.exchange.id === ex).map((e: any) => e.node.id)).size;
    return Object.fromEntries(Object.keys(DETAIL_CALLS).map((ex) => [ex, ids(ex)])) as Record<DetailExchange, number>;
  }

  /** Each exchange's detail calls between two stats snapshots: one per listing, or one batch. */
  function expectDetailCalls(before: Record<string, Record<string, number>>, after: Record<string, Record<string, number>>, expected: Record<DetailExchange, number>): void {
    for (const [exchange, { route, batched }] of Object.entries(DETAIL_CALLS)) {
      expect(callsBetween(before, after, exchange, route), exchange).toBe(batched ? 1 : expected[exchange as DetailExchange]);
    }
  }

  it('50 concurrent identical requests of one caller share one execution: one MISS, 49 COALESCED, one catalog request', async () => {
    // A gateway of its own whose catalog subgraph answers after a second, so that all 50
    // requests arrive while the first one's execution is still on its way.
    const proxy = await countingProxy(stack.subgraphs.catalog.url, { delayMs: 1_000 });
    const gateway = await startExtraGateway(stack, { DATAEX_RATE_LIMITS: 'off' }, { subgraphUrls: { catalog: proxy.url } });
    try {
      const caller = await apiKey(stack, 'analyst', 'coalesced');
      const query = page('same', 'Q');
      const before = await simStats(stack);
      const results = await Promise.all(Array.from({ length: 50 }, () => gateway.gql(query, caller)));
      const after = await simStats(stack);
      for (const r of results) {
        expect(r.status).toBe(200);
        expect(r.errors).toBeUndefined();
        expect(r.data.same.edges).toHaveLength(20);
        expect(r.data).toEqual(results[0].data);
      }
      const states = results.map((r) => r.headers['x-dataex-cache']);
      expect(states.filter((s) => s === 'MISS')).toHaveLength(1);
      expect(states.filter((s) => s === 'COALESCED')).toHaveLength(49);
      // One execution: the catalog subgraph got one request (the search; live fields go to the
      // exchange subgraphs), and each upstream one call per listing it had to fetch.
      expect(proxy.bodies).toHaveLength(1);
      const expected = await distinctIds(query, caller);
      for (const [exchange, n] of Object.entries(expected)) expect(n, exchange).toBeGreaterThan(0);
      expect(Object.values(expected).reduce((a, b) => a + b, 0)).toBe(20);
      expectDetailCalls(before, after, expected);
      expect(callsBetween(before, after, 'registry', /enterprises/)).toBe(1);
    } finally {
      await gateway.close();
      await proxy.close();
    }
  });

  it('never lets callers of different access classes share one execution', async () => {
    const proxy = await countingProxy(stack.subgraphs.catalog.url, { delayMs: 1_000 });
    const gateway = await startExtraGateway(stack, { DATAEX_RATE_LIMITS: 'off' }, { subgraphUrls: { catalog: proxy.url } });
    try {
      // The same bytes from a public and an admin key at the same time: their clearances see
      // different listings, so their answers differ.
      const pub = await apiKey(stack, 'public', 'coalesce-public');
      const admin = await apiKey(stack, 'admin', 'coalesce-admin');
      const query = '{ search(first: 0, filter: { sectors: ["S"] }) { totalCount } }';
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => gateway.gql(query, i % 2 === 0 ? pub : admin)));
      const answers = { pub: results.filter((_, i) => i % 2 === 0), admin: results.filter((_, i) => i % 2 === 1) };
      for (const [who, rs] of Object.entries(answers)) {
        const states = rs.map((r) => r.headers['x-dataex-cache']);
        // Each caller's ten requests share that caller's execution and nobody else's.
        expect(
          states.filter((s) => s === 'MISS'),
          who,
        ).toHaveLength(1);
        expect(
          states.filter((s) => s === 'COALESCED'),
          who,
        ).toHaveLength(9);
        for (const r of rs) expect(r.data, who).toEqual(rs[0].data);
      }
      expect(answers.admin[0].data.search.totalCount).toBeGreaterThan(answers.pub[0].data.search.totalCount);
      // Each answer is the one its caller gets alone, without any concurrency.
      expect((await stack.gql(query, undefined, { ...pub, 'cache-control': 'no-cache' })).data).toEqual(answers.pub[0].data);
      expect((await stack.gql(query, undefined, { ...admin, 'cache-control': 'no-cache' })).data).toEqual(answers.admin[0].data);
      expect(proxy.bodies).toHaveLength(2);
    } finally {
      await gateway.close();
      await proxy.close();
    }
  });

  it('50 concurrent different documents over the same listings still ask each upstream once per listing', async () => {
    const before = await simStats(stack);
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => stack.gql(page(`q${i}`, 'L'))));
    const after = await simStats(stack);
    for (const r of results) {
      expect(r.errors).toBeUndefined();
      expect(Object.values(r.data)[0]).toMatchObject({ edges: expect.any(Array) });
      expect((Object.values(r.data)[0] as any).edges).toHaveLength(20);
    }
    // Different documents: every one of them was executed.
    expect(results.filter((r) => r.headers['x-dataex-cache'] !== 'MISS')).toEqual([]);
    const expected = await distinctIds(page('check', 'L'));
    // The page holds listings of each of these exchanges, so each count below is a real one.
    for (const [exchange, n] of Object.entries(expected)) expect(n, exchange).toBeGreaterThan(0);
    expectDetailCalls(before, after, expected);
  });
});

describe('automatic persisted queries', () => {
  it('registers a document under its hash and runs it by hash afterwards', async () => {
    const query = '{ exchanges { id name } }';
    const sha256Hash = createHash('sha256').update(query).digest('hex');
    const byHash = () =>
      stack.http('/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ extensions: { persistedQuery: { version: 1, sha256Hash } } }),
      });
    const unknown = JSON.parse((await byHash()).text);
    expect(unknown.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    const register = await stack.http('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query, extensions: { persistedQuery: { version: 1, sha256Hash } } }),
    });
    expect(JSON.parse(register.text).data.exchanges).toHaveLength(EXCHANGES.length);
    const known = JSON.parse((await byHash()).text);
    expect(known.errors).toBeUndefined();
    expect(known.data.exchanges.map((e: any) => e.id)).toEqual(EXCHANGES.map((e) => e.id));
  });
});
