// docs/caching.md, "Purge": an admin purge "drops cached answers and cached upstream data, on every
// instance". Two whole deployments (gateway, subgraphs, simulators each) on one Redis: a
// purge sent to the first must make the second instance's subgraphs ask their upstream again,
// counted on the second instance's own simulators. The second instance has the data in its
// memory tier and in the shared Redis tier before the purge (a repeat costs it no upstream
// call), so only a purge that reaches both tiers there can produce the call.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { apiKey, callsBetween, nextInvalidation, simStats, startTestStack, until, type TestStack } from '../helpers/stack.ts';
import type { Invalidation } from '../../lib/cache/bus.ts';
import { REDIS_URL, deletePrefix, skipWithoutRedis, uniquePrefix } from '../helpers/redis.ts';

const skip = await skipWithoutRedis();

describe.skipIf(skip)('a purge on one instance drops cached upstream data on the other', () => {
  const prefix = uniquePrefix();
  const env = { DATAEX_REDIS_URL: REDIS_URL, DATAEX_REDIS_PREFIX: prefix };
  let first: TestStack;
  let second: TestStack;
  let redis: Redis;

  beforeAll(async () => {
    first = await startTestStack(env, { as: 'admin' });
    second = await startTestStack(env, { as: 'admin' });
    redis = new Redis(REDIS_URL);
  }, 120_000);

  afterAll(async () => {
    redis?.disconnect();
    await second?.close();
    await first?.close();
    await deletePrefix(prefix);
  });

  /** A query on the second instance past its response cache, and the upstream calls it caused there. */
  async function onSecond(query: string, sim: string, route: RegExp): Promise<{ data: any; calls: number }> {
    const before = await simStats(second);
    const res = await second.gql(query, undefined, { 'cache-control': 'no-cache' });
    expect(res.status).toBe(200);
    expect(res.errors).toBeUndefined();
    return { data: res.data, calls: callsBetween(before, await simStats(second), sim, route) };
  }

  async function purgeOnFirst(body: unknown, delivered: (m: Invalidation) => boolean): Promise<void> {
    const reached = nextInvalidation(second.cache.bus, delivered);
    const res = await first.http('/admin/cache/purge', { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...(await apiKey(first, 'admin')) } });
    expect(res.status, res.text).toBe(200);
    await reached;
  }

  /** Upstream-cache entries of one upstream in Redis (the shared tier). */
  const redisEntries = (upstream: string) => redis.keys(`${prefix}up:${upstream}:*`);

  async function firstListing(exchange: string): Promise<string> {
    const page = await second.gql(`{ search(first: 1, orderBy: TITLE_ASC, filter: { exchanges: ["${exchange}"], productTypes: [DATASET] }) { edges { node { id } } } }`);
    return page.data.search.edges[0].node.id;
  }

  it('by dataset id', async () => {
    const id = await firstListing('beijing');
    const query = `{ dataset(id: "${id}") { id pricing { model } } }`;
    const warm = await onSecond(query, 'beijing', /detail/);
    expect(warm.data.dataset.pricing.length).toBeGreaterThan(0);
    expect(warm.calls).toBe(1);
    // Cached on the second instance: asking again costs no upstream call.
    expect((await onSecond(query, 'beijing', /detail/)).calls).toBe(0);
    expect((await redisEntries('beijing')).length).toBeGreaterThan(0);

    await purgeOnFirst({ datasetId: id }, (m) => m.kind === 'datasets' && m.ids.includes(id));
    const after = await onSecond(query, 'beijing', /detail/);
    expect(after.calls).toBe(1);
    expect(after.data).toEqual(warm.data);
  });

  it('by exchange', async () => {
    const id = await firstListing('guiyang');
    const query = `{ dataset(id: "${id}") { id pricing { model } } }`;
    expect((await onSecond(query, 'guiyang', /gateway\.do/)).calls).toBe(1);
    expect((await onSecond(query, 'guiyang', /gateway\.do/)).calls).toBe(0);
    expect((await redisEntries('guiyang')).length).toBeGreaterThan(0);

    await purgeOnFirst({ exchange: 'guiyang' }, (m) => m.kind === 'exchange' && m.exchange === 'guiyang');
    // The shared tier is emptied by a scan: wait for that to finish, not for a clock.
    await until('the guiyang upstream entries to leave Redis', async () => ((await redisEntries('guiyang')).length === 0 ? true : undefined));
    expect((await onSecond(query, 'guiyang', /gateway\.do/)).calls).toBe(1);
  });

  it('everything', async () => {
    const page = await second.gql('{ providers(first: 1, minExchanges: 2) { edges { node { creditCode } } } }');
    const code = page.data.providers.edges[0].node.creditCode;
    const query = `{ provider(creditCode: "${code}") { creditCode registration { name status } } }`;
    const warm = await onSecond(query, 'registry', /enterprises/);
    expect(warm.data.provider.registration).not.toBeNull();
    expect(warm.calls).toBe(1);
    expect((await onSecond(query, 'registry', /enterprises/)).calls).toBe(0);
    expect((await redisEntries('registry')).length).toBeGreaterThan(0);
    // A cached answer on the second instance goes too.
    const exchanges = '{ exchanges { id name } }';
    await second.gql(exchanges);
    expect((await second.gql(exchanges)).headers['x-dataex-cache']).toBe('HIT');

    await purgeOnFirst({ all: true }, (m) => m.kind === 'all');
    await until('the registry upstream entries to leave Redis', async () => ((await redisEntries('registry')).length === 0 ? true : undefined));
    expect((await onSecond(query, 'registry', /enterprises/)).calls).toBe(1);
    expect((await second.gql(exchanges)).headers['x-dataex-cache']).toBe('MISS');
  });
});
