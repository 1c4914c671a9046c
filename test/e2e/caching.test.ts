// Caching on every tier, memory only: response cache (hits from stored bytes, scopes, TTL,
// purge), single-flight down to the upstreams, stale-if-error, APQ.

import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiKey, callsBetween, simStats, startTestStack, type TestStack } from '../helpers/stack.ts';

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
    expect(first.headers['cache-control']).toMatch(/max-age=\d+, public/);
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
    for (const sim of ['beijing', 'shanghai', 'guiyang', 'registry']) expect(callsBetween(before, after, sim, /./)).toBe(0);
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
  // Each test reads listings no earlier test touched, so the upstream cache starts cold.
  const page = (alias: string, sector: string) =>
    `{ ${alias}: search(first: 20, orderBy: PRICE_DESC, filter: { sectors: ["${sector}"] }) { edges { node { id exchange { id } pricing { model } provider { registration { name } } } } } }`;

  async function distinctIds(query: string) {
    const res = await stack.gql(query, undefined, { 'cache-control': 'no-cache' });
    const nodes = Object.values(res.data)[0] as any;
    const ids = (ex: string) => new Set(nodes.edges.filter((e: any) => e.node.exchange.id === ex).map((e: any) => e.node.id)).size;
    return { beijing: ids('beijing'), guiyang: ids('guiyang'), shanghai: ids('shanghai') };
  }

  it('50 concurrent identical uncached requests make one upstream call per distinct upstream request', async () => {
    const before = await simStats(stack);
    const results = await Promise.all(Array.from({ length: 50 }, () => stack.gql(page('same', 'Q'))));
    const after = await simStats(stack);
    for (const r of results) {
      expect(r.errors).toBeUndefined();
      expect(r.data).toEqual(results[0].data);
    }
    const expected = await distinctIds(page('same', 'Q'));
    expect(expected.beijing + expected.guiyang + expected.shanghai).toBe(20);
    expect(callsBetween(before, after, 'beijing', /detail/)).toBe(expected.beijing);
    expect(callsBetween(before, after, 'guiyang', /gateway\.do/)).toBe(expected.guiyang);
    expect(callsBetween(before, after, 'shanghai', /detail\/batch/)).toBe(expected.shanghai > 0 ? 1 : 0);
    expect(callsBetween(before, after, 'registry', /enterprises/)).toBeLessThanOrEqual(1);
  });

  it('50 concurrent different documents over the same listings still ask each upstream once per listing', async () => {
    const before = await simStats(stack);
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => stack.gql(page(`q${i}`, 'L'))));
    const after = await simStats(stack);
    for (const r of results) expect(r.errors).toBeUndefined();
    const expected = await distinctIds(page('check', 'L'));
    expect(callsBetween(before, after, 'beijing', /detail/)).toBe(expected.beijing);
    expect(callsBetween(before, after, 'guiyang', /gateway\.do/)).toBe(expected.guiyang);
    expect(callsBetween(before, after, 'shanghai', /detail\/batch/)).toBeLessThanOrEqual(1);
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
    expect(JSON.parse(register.text).data.exchanges).toHaveLength(3);
    const known = JSON.parse((await byHash()).text);
    expect(known.errors).toBeUndefined();
    expect(known.data.exchanges.map((e: any) => e.id)).toEqual(['beijing', 'shanghai', 'guiyang']);
  });
});
