// API keys at the edges (issue 17, items 8 and 9): an Authorization header that is not
// `Bearer <key>` is refused with a message instead of making its caller anonymous, and a key
// looked up while the Redis key store is still connecting waits for it, or is answered 503
// with Retry-After — never an unexplained failure.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRedis, redisReady } from '../../lib/redis.ts';
import { HttpError } from '../../lib/http.ts';
import { RedisKeyStore, credentialsOf, keyFromHeaders } from '../../gateway/auth/keys.ts';
import { skipWithoutRedis, startPrivateRedis, type PrivateRedis } from '../helpers/redis.ts';

describe('credentials in headers', () => {
  it('reads Bearer keys and x-api-key, and names what is wrong with any other Authorization header', () => {
    expect(credentialsOf({ authorization: 'Bearer dx_abc' })).toEqual({ key: 'dx_abc' });
    expect(credentialsOf({ authorization: 'bearer   dx_abc ' })).toEqual({ key: 'dx_abc' });
    expect(credentialsOf({ 'x-api-key': ' dx_abc ' })).toEqual({ key: 'dx_abc' });
    expect(credentialsOf({})).toBeUndefined();
    expect(credentialsOf({ authorization: '  ' })).toBeUndefined();
    for (const header of ['Basic Zm9vOmJhcg==', 'dx_abc', 'Bearer', 'Token dx_abc']) {
      const c = credentialsOf({ authorization: header });
      expect(c, header).toHaveProperty('malformed');
      expect((c as { malformed: string }).malformed, header).toMatch(/must be "Bearer <API key>"/);
      expect(keyFromHeaders({ authorization: header })).toBeUndefined();
    }
  });
});

describe('the Redis key store while Redis is connecting', () => {
  let skip = false;
  let redis: PrivateRedis;

  beforeAll(async () => {
    if ((skip = await skipWithoutRedis())) return;
    redis = await startPrivateRedis();
  }, 30_000);

  afterAll(async () => {
    await redis?.kill();
  });

  it('waits for the connection, then answers', async ({ skip: skipTest }) => {
    if (skip) return skipTest();
    const seedClient = connectRedis({ url: redis.url, keyPrefix: 'auth-keys-test:', commandTimeoutMs: 2_000 });
    await redisReady(seedClient);
    const { key } = await new RedisKeyStore(seedClient).create({ principalId: 'early-bird', role: 'analyst' });
    seedClient.disconnect();
    // A fresh client, as at start-up: its first look-up comes before it is ready.
    const client = connectRedis({ url: redis.url, keyPrefix: 'auth-keys-test:', commandTimeoutMs: 2_000 });
    try {
      expect(client.status).not.toBe('ready');
      const record = await new RedisKeyStore(client).findByKey(key);
      expect(record?.principal).toMatchObject({ id: 'early-bird', role: 'analyst' });
    } finally {
      client.disconnect();
    }
  });

  it('answers 503 with Retry-After when the store does not come up in time', async ({ skip: skipTest }) => {
    if (skip) return skipTest();
    await redis.kill();
    const client = connectRedis({ url: redis.url, keyPrefix: 'auth-keys-test:', commandTimeoutMs: 500 });
    try {
      const failure = await new RedisKeyStore(client, 'keys', 5_000, 300).findByKey('dx_unknown').catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(HttpError);
      expect(failure).toMatchObject({ status: 503, code: 'SERVICE_UNAVAILABLE', headers: { 'retry-after': '1' } });
    } finally {
      client.disconnect();
    }
  });
});
