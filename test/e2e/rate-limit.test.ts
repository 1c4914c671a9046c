// Rate limits per principal (token bucket): RATE_LIMITED with Retry-After, per role, and held
// across two gateway instances through Redis.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiKey, startExtraGateway, startTestStack, type TestStack } from '../helpers/stack.ts';
import { REDIS_URL, deletePrefix, skipWithoutRedis, uniquePrefix } from '../helpers/redis.ts';

const LIMITS = { DATAEX_RATE_LIMITS: 'public=0.5/3,analyst=off,admin=off' };
const query = '{ exchanges { id } }';

describe('in one instance', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack(LIMITS);
  }, 120_000);
  afterAll(() => stack?.close());

  it('refuses a public caller past its burst with 429, RATE_LIMITED and Retry-After; other roles are unaffected', async () => {
    const pub = await apiKey(stack, 'public');
    const analyst = await apiKey(stack, 'analyst');
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await stack.gql(query, undefined, pub)).status);
    expect(statuses).toEqual([200, 200, 200]);
    const refused = await stack.gql(query, undefined, pub);
    expect(refused.status).toBe(429);
    expect(refused.errors?.[0].extensions?.code).toBe('RATE_LIMITED');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    for (let i = 0; i < 10; i++) expect((await stack.gql(query, undefined, analyst)).status).toBe(200);
    // Another public key has its own bucket.
    expect((await stack.gql(query, undefined, await apiKey(stack, 'public'))).status).toBe(200);
  });

  it('limits anonymous callers by address', async () => {
    const anon = { authorization: '' };
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await stack.gql(query, undefined, anon)).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
  });
});

const skip = await skipWithoutRedis();

describe.skipIf(skip)('across two instances sharing Redis', () => {
  const prefix = uniquePrefix();
  // Analysts: a bucket of 20 refilled at 1 a second, for the concurrent burst below.
  const ANALYST = { ratePerS: 1, burst: 20 };
  const env = { DATAEX_RATE_LIMITS: `public=0.5/3,analyst=${ANALYST.ratePerS}/${ANALYST.burst},admin=off`, DATAEX_REDIS_URL: REDIS_URL, DATAEX_REDIS_PREFIX: prefix };
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

  it('a burst spent on one instance is spent on the other', async () => {
    const pub = await apiKey(stack, 'public', 'shared-limit');
    const first = [];
    for (let i = 0; i < 3; i++) first.push((await stack.gql(query, undefined, pub)).status);
    expect(first).toEqual([200, 200, 200]);
    const other = await second.gql(query, pub);
    expect(other.status).toBe(429);
    expect(other.errors?.[0].extensions?.code).toBe('RATE_LIMITED');
  });

  it('a concurrent burst of 200 requests on both instances gets the bucket allowance plus its refill, no more', async () => {
    const analyst = await apiKey(stack, 'analyst', 'concurrent-limit');
    const started = performance.now();
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? stack.gql(query, undefined, analyst) : second.gql(query, analyst))));
    const elapsedS = (performance.now() - started) / 1000;
    const allowed = results.filter((r) => r.status === 200).length;
    const refused = results.filter((r) => r.status === 429);
    expect(allowed + refused.length, 'every answer is 200 or 429').toBe(200);
    for (const r of refused) expect(r.errors?.[0].extensions?.code).toBe('RATE_LIMITED');
    // Every token of the full bucket was there to take...
    expect(allowed).toBeGreaterThanOrEqual(ANALYST.burst);
    // ...and no more than the bucket held plus what it refilled while the burst lasted (one
    // bucket for both instances: per-instance buckets would allow twice the burst).
    const bound = ANALYST.burst + Math.floor(ANALYST.ratePerS * elapsedS);
    expect(allowed, `allowed ${allowed} in ${elapsedS.toFixed(2)} s`).toBeLessThanOrEqual(bound);
    // Both instances refused some: the bucket was shared, not spent on one of them only.
    expect(results.filter((r, i) => i % 2 === 0 && r.status === 429).length).toBeGreaterThan(0);
    expect(results.filter((r, i) => i % 2 === 1 && r.status === 429).length).toBeGreaterThan(0);
  });
});
