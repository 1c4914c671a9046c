// Saved queries with the Redis store (DATAEX_REDIS_URL): the same life cycle over HTTP, and a
// second gateway instance on the same Redis sees what the first one saved. Needs a real Redis
// at 127.0.0.1:6379; skipped without one locally, failing under CI.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { request } from 'undici';
import { startExtraGateway, startTestStack, type TestStack } from '../helpers/stack.ts';
import { SAVED_QUERIES_KEY } from '../../gateway/saved-queries/redis-store.ts';
import { createKeys, jsonHeaders, lifecycle, type Keys } from '../unit/saved-queries/lifecycle.ts';
import { deletePrefix, REDIS_URL, skipWithoutRedis as skipRedisTests, uniquePrefix } from '../helpers/redis.ts';
import { EXCHANGES } from '../../subgraphs/exchanges.ts';

const skip = await skipRedisTests();
const prefix = uniquePrefix();
let stack: TestStack;
let keys: Keys;
let second: Awaited<ReturnType<typeof startExtraGateway>> | undefined;
const env = () => ({ DATAEX_PLAYGROUND: 'false', DATAEX_REDIS_URL: REDIS_URL, DATAEX_REDIS_PREFIX: prefix });

describe.skipIf(skip)('saved queries, Redis store', () => {
  beforeAll(async () => {
    stack = await startTestStack(env());
    keys = await createKeys(stack);
  });

  afterAll(async () => {
    await second?.close();
    await stack?.close();
    await deletePrefix(prefix);
  });

  it('save → list → run as JSON, CSV, NDJSON → update → delete', async () => {
    await lifecycle(stack, keys, 'redis', 'cheap-penalties-redis');
  });

  it('keeps queries in Redis, where every gateway instance sees them', async () => {
    const res = await stack.http('/saved-queries/shared-status', {
      method: 'PUT',
      headers: jsonHeaders(keys.analyst),
      body: JSON.stringify({ document: '{ exchanges { id name status } }', description: '共享' }),
    });
    expect(res.status, res.text).toBe(201);
    const raw = new Redis(REDIS_URL);
    try {
      expect(JSON.parse((await raw.hget(`${prefix}${SAVED_QUERIES_KEY}`, 'shared-status'))!)).toMatchObject({ name: 'shared-status', owner: 'ana' });
    } finally {
      raw.disconnect();
    }

    // A second gateway with the same configuration (same Redis, its own data directory is irrelevant).
    second = await startExtraGateway(stack, env());
    const base = second.gateway.url.replace(/\/graphql$/, '');
    const shown = await request(`${base}/saved-queries/shared-status`);
    expect(shown.statusCode).toBe(200);
    expect(((await shown.body.json()) as { description: string }).description).toBe('共享');
    const run = await request(`${base}/saved-queries/shared-status/run?format=csv`);
    expect(run.statusCode).toBe(200);
    expect((await run.body.text()).trim().split('\r\n')).toHaveLength(1 + EXCHANGES.length); // header + one line per exchange

    // Deleted on the second instance: gone on the first.
    const del = await request(`${base}/saved-queries/shared-status`, { method: 'DELETE', headers: { authorization: `Bearer ${keys.admin}` } });
    expect(del.statusCode).toBe(204);
    await del.body.dump();
    expect((await stack.http('/saved-queries/shared-status')).status).toBe(404);
  });
});
