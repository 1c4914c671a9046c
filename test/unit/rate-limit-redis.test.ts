// The Redis rate limiter against a hung Redis (issue 24's finding): like the cache tiers and
// the nonce store, it skips a Redis that keeps failing for a second, so a hung Redis costs a
// few requests the deadline, not every request; limits then hold per instance.

import { afterAll, beforeAll, expect, it } from 'vitest';
import { connectRedis, redisReady, type RedisClient } from '../../lib/redis.ts';
import { RedisRateLimiter } from '../../lib/rate-limit.ts';
import { skipWithoutRedis, startPrivateRedis, type PrivateRedis } from '../helpers/redis.ts';

let skip = false;
let redis: PrivateRedis;
let client: RedisClient;

beforeAll(async () => {
  if ((skip = await skipWithoutRedis())) return;
  redis = await startPrivateRedis();
  client = connectRedis({ url: redis.url, keyPrefix: 'rl-test:', commandTimeoutMs: 5_000 });
  await redisReady(client);
}, 30_000);

afterAll(async () => {
  redis?.resume();
  client?.disconnect();
  await redis?.kill();
});

it('asks a hung Redis three times, then skips it and answers from memory', async ({ skip: skipTest }) => {
  if (skip) return skipTest();
  const limiter = new RedisRateLimiter(client, 'rl:', 200);
  const spec = { ratePerS: 1, burst: 50 };
  // Healthy: Redis decides.
  expect((await limiter.take('caller', spec)).allowed).toBe(true);
  let asked = 0;
  const script = (client as any).dataexTakeToken.bind(client);
  (client as any).dataexTakeToken = (...args: unknown[]) => {
    asked++;
    return script(...args);
  };
  redis.pause();
  try {
    const results = [];
    for (let i = 0; i < 10; i++) results.push(await limiter.take('caller', spec));
    // Every request answered (from the in-memory buckets), and Redis asked only until it was skipped.
    expect(results.every((r) => r.allowed)).toBe(true);
    expect(asked).toBe(3);
  } finally {
    redis.resume();
  }
});
