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
  const env = { ...LIMITS, DATAEX_REDIS_URL: REDIS_URL, DATAEX_REDIS_PREFIX: prefix };
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
});
