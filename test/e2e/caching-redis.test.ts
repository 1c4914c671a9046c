// The Redis tier on a real Redis: shared by gateway instances, TTLs, scopes, purge across
// instances, and Redis dying mid-burst without a single failed response.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { apiKey, callsBetween, simStats, startExtraGateway, startTestStack, type TestStack } from '../helpers/stack.ts';
import { REDIS_URL, deletePrefix, skipWithoutRedis, startPrivateRedis, uniquePrefix } from '../helpers/redis.ts';

const skip = await skipWithoutRedis();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(skip)('Redis tier shared by two gateway instances', () => {
  const prefix = uniquePrefix();
  const env = { DATAEX_REDIS_URL: REDIS_URL, DATAEX_REDIS_PREFIX: prefix, DATAEX_CACHE_MAX_TTL_S: '2', DATAEX_RESPONSE_CACHE_STALE_S: '1' };
  let stack: TestStack;
  let second: Awaited<ReturnType<typeof startExtraGateway>>;

  beforeAll(async () => {
    stack = await startTestStack(env);
    second = await startExtraGateway(stack, env);
  }, 120_000);

  afterAll(async () => {
    await second?.close();
    await stack?.close();
    await deletePrefix(prefix);
  });

  it('a query cached by one instance is a hit on the other, and the upstreams see one call', async () => {
    const query = '{ search(first: 10, filter: { sectors: ["N"] }) { edges { node { id sample(rows: 1) { columns } provider { registration { name } } } } } }';
    const before = await simStats(stack);
    const first = await stack.gql(query);
    expect(first.headers['x-dataex-cache']).toBe('MISS');
    const afterFirst = await simStats(stack);
    const other = await second.gql(query);
    expect(other.headers['x-dataex-cache']).toBe('HIT');
    expect(other.data).toEqual(first.data);
    const afterSecond = await simStats(stack);
    expect(callsBetween(before, afterFirst, 'registry', /enterprises/)).toBe(1);
    for (const sim of ['beijing', 'shanghai', 'guiyang', 'registry']) expect(callsBetween(afterFirst, afterSecond, sim, /./)).toBe(0);

    // The entry really is in Redis, under the run's prefix.
    const client = new Redis(REDIS_URL);
    const keys = await client.keys(`${prefix}rc:*`);
    client.disconnect();
    expect(keys.length).toBeGreaterThan(0);
  });

  it('entries go stale after their max-age and expire after the stale window', async () => {
    const query = '{ search(first: 2, filter: { sectors: ["G"] }) { totalCount } }';
    expect((await stack.gql(query)).headers['x-dataex-cache']).toBe('MISS');
    expect((await second.gql(query)).headers['x-dataex-cache']).toBe('HIT');
    const client = new Redis(REDIS_URL);
    // The entry just stored is the one with the most time left.
    const ttlMs = Math.max(...(await Promise.all((await client.keys(`${prefix}rc:*`)).map((k) => client.pttl(k)))));
    client.disconnect();
    // Stored for max-age (2 s) plus the stale window (1 s).
    expect(ttlMs).toBeGreaterThan(2_000);
    expect(ttlMs).toBeLessThanOrEqual(3_000);
    await sleep(3_200);
    expect((await second.gql(query)).headers['x-dataex-cache']).toBe('MISS');
  });

  it('PRIVATE entries stay with their principal across instances; PUBLIC ones are shared by the access class', async () => {
    const carol = await apiKey(stack, 'analyst', 'carol');
    const dave = await apiKey(stack, 'analyst', 'dave');
    const privateQuery = '{ search(first: 2, filter: { sectors: ["D"] }) { edges { node { id sample(rows: 1) { rows } } } } }';
    expect((await stack.gql(privateQuery, undefined, carol)).headers['x-dataex-cache']).toBe('MISS');
    expect((await second.gql(privateQuery, carol)).headers['x-dataex-cache']).toBe('HIT');
    expect((await second.gql(privateQuery, dave)).headers['x-dataex-cache']).toBe('MISS');
    const publicQuery = '{ search(first: 2, filter: { sectors: ["D"] }) { edges { node { id title } } } }';
    expect((await stack.gql(publicQuery, undefined, carol)).headers['x-dataex-cache']).toBe('MISS');
    expect((await second.gql(publicQuery, dave)).headers['x-dataex-cache']).toBe('HIT');
  });

  it('a purge on one instance reaches the other', async () => {
    const admin = await apiKey(stack, 'admin');
    const page = await stack.gql('{ search(first: 1, filter: { sectors: ["S"], exchanges: ["shanghai"] }) { edges { node { id } } } }');
    const id = page.data.search.edges[0].node.id;
    const query = `{ dataset(id: "${id}") { id title } }`;
    await stack.gql(query);
    expect((await second.gql(query)).headers['x-dataex-cache']).toBe('HIT');
    const res = await stack.http('/admin/cache/purge', {
      method: 'POST',
      body: JSON.stringify({ datasetId: id }),
      headers: { 'content-type': 'application/json', ...admin },
    });
    expect(res.status).toBe(200);
    await sleep(100); // pub/sub delivery to the other instance
    expect((await second.gql(query)).headers['x-dataex-cache']).toBe('MISS');
  });
});

describe.skipIf(skip)('Redis failure is not an outage', () => {
  it('keeps answering every request of a burst while Redis dies, and uses Redis again once it is back', async () => {
    const redis = await startPrivateRedis();
    const prefix = uniquePrefix();
    const stack = await startTestStack({ DATAEX_REDIS_URL: redis.url, DATAEX_REDIS_PREFIX: prefix });
    try {
      const queries = Array.from({ length: 40 }, (_, i) => `{ q${i}: search(first: 3, orderBy: TITLE_ASC, filter: { sectors: ["${'SILMNQJRDG'[i % 10]}"] }) { totalCount edges { node { id } } } }`);
      let failed = 0;
      let answered = 0;
      let next = 0;
      const worker = async () => {
        while (next < 500) {
          const i = next++;
          if (i === 150) void redis.kill();
          const res = await stack.gql(queries[i % queries.length]).catch(() => undefined);
          if (!res || res.status !== 200 || res.errors || !res.data) failed++;
          else answered++;
        }
      };
      await Promise.all(Array.from({ length: 16 }, worker));
      expect(failed).toBe(0);
      expect(answered).toBe(500);

      // Back: new entries land in Redis again.
      await redis.start();
      const client = new Redis(redis.url);
      let stored = 0;
      for (let attempt = 0; attempt < 30 && stored === 0; attempt++) {
        await sleep(200);
        await stack.gql(`{ back${attempt}: exchanges { id } }`);
        stored = (await client.keys(`${prefix}rc:*`)).length;
      }
      client.disconnect();
      expect(stored).toBeGreaterThan(0);
    } finally {
      await stack.close();
      await redis.kill();
    }
  }, 60_000);
});
