// Real Redis for the saved-query tests: 127.0.0.1:6379 (DATAEX_TEST_REDIS_URL overrides) with a
// key prefix per run. Missing Redis skips the Redis tests locally and fails them under CI.

import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

export const REDIS_URL = process.env.DATAEX_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export async function redisAvailable(): Promise<boolean> {
  const probe = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null, connectTimeout: 1_000 });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    return (await probe.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

/** True when Redis tests should be skipped; throws under CI when Redis is missing. */
export async function skipRedisTests(): Promise<boolean> {
  if (await redisAvailable()) return false;
  if (process.env.CI) throw new Error(`Redis is required in CI and is not reachable at ${REDIS_URL}`);
  console.warn(`Redis not reachable at ${REDIS_URL}: skipping the saved-query Redis tests (they fail under CI=true)`);
  return true;
}

export function uniquePrefix(): string {
  return `dataex-test-sq:${process.pid}:${randomBytes(4).toString('hex')}:`;
}

/** Deletes every key under a prefix. */
export async function deletePrefix(prefix: string): Promise<void> {
  const client = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  client.on('error', () => undefined);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 200);
      if (keys.length > 0) await client.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    client.disconnect();
  }
}
