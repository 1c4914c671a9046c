// The two saved-query stores behave the same: file (atomic JSON file with a cross-process lock)
// and Redis (a hash, compare-and-set updates). Redis tests need a real Redis at 127.0.0.1:6379
// (DATAEX_TEST_REDIS_URL overrides); without one they are skipped locally and fail in CI.

import { mkdtempSync, readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { FileSavedQueryStore, SAVED_QUERIES_FILE } from '../../../gateway/saved-queries/file-store.ts';
import { RedisSavedQueryStore, SAVED_QUERIES_KEY } from '../../../gateway/saved-queries/redis-store.ts';
import type { SavedQueryStore } from '../../../gateway/saved-queries/store.ts';
import type { StoredQuery } from '../../../gateway/saved-queries/model.ts';
import { connectRedis, redisReady } from '../../../lib/redis.ts';
import { deletePrefix, REDIS_URL, skipWithoutRedis as skipRedisTests, uniquePrefix } from '../../helpers/redis.ts';

// Throws under CI when Redis is missing: the suite fails instead of skipping.
const skipRedis = await skipRedisTests();

const record = (name: string, over: Partial<StoredQuery> = {}): StoredQuery => ({
  name,
  document: '{ exchanges { id } }',
  description: `查询 ${name}`,
  defaultVariables: {},
  owner: 'ana',
  updatedBy: 'ana',
  createdAt: '2024-05-06T00:00:00.000Z',
  updatedAt: '2024-05-06T00:00:00.000Z',
  ...over,
});

function contract(makeStore: () => Promise<SavedQueryStore>) {
  let store: SavedQueryStore;
  beforeAll(async () => {
    store = await makeStore();
  });
  afterAll(async () => {
    await store?.close();
  });

  it('creates, reads, lists, updates keeping created-at and owner, deletes', async () => {
    expect(await store.get('a')).toBeUndefined();
    const first = await store.put('a', () => record('a'));
    expect(first.created).toBe(true);
    expect(await store.get('a')).toEqual(record('a'));
    const second = await store.put('a', (cur) => record('a', { createdAt: cur!.createdAt, owner: cur!.owner, updatedBy: 'bo', description: '新', updatedAt: '2024-05-07T00:00:00.000Z' }));
    expect(second.created).toBe(false);
    expect(await store.get('a')).toMatchObject({ owner: 'ana', updatedBy: 'bo', description: '新', createdAt: '2024-05-06T00:00:00.000Z' });
    await store.put('b', () => record('b'));
    expect((await store.list()).map((q) => q.name)).toEqual(['a', 'b']);
    expect(await store.delete('a')).toBe(true);
    expect(await store.delete('a')).toBe(false);
    expect((await store.list()).map((q) => q.name)).toEqual(['b']);
  });

  it('keeps every one of many concurrent writes', async () => {
    await Promise.all(Array.from({ length: 40 }, (_, i) => store.put(`c-${i}`, () => record(`c-${i}`))));
    const names = (await store.list()).map((q) => q.name);
    for (let i = 0; i < 40; i++) expect(names).toContain(`c-${i}`);
  });
}

describe('file store', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dataex-sq-'));
  contract(async () => new FileSavedQueryStore(dir));

  it('writes one readable JSON file', () => {
    const data = JSON.parse(readFileSync(join(dir, SAVED_QUERIES_FILE), 'utf8'));
    expect(data.version).toBe(1);
    expect(data.queries.b.name).toBe('b');
  });

  it("two stores on one directory (two processes) do not lose each other's writes", async () => {
    const d = mkdtempSync(join(tmpdir(), 'dataex-sq-'));
    const a = new FileSavedQueryStore(d);
    const b = new FileSavedQueryStore(d);
    await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? a : b).put(`q-${i}`, () => record(`q-${i}`))));
    expect((await a.list()).length).toBe(30);
    expect((await b.list()).length).toBe(30);
    expect(readdirSync(d).filter((f) => f.endsWith('.lock') || f.endsWith('.tmp'))).toEqual([]);
  });

  it('takes over a lock left by a process that died', async () => {
    const d = mkdtempSync(join(tmpdir(), 'dataex-sq-'));
    // pid 2^22+1 is above Linux's pid_max default range: no such process
    writeFileSync(join(d, `${SAVED_QUERIES_FILE}.lock`), `4194305\n${(await import('node:os')).hostname()}\n${Date.now()}\n`);
    const store = new FileSavedQueryStore(d);
    const started = Date.now();
    await store.put('x', () => record('x'));
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(await store.get('x')).toBeDefined();
  });
});

describe.skipIf(skipRedis)('redis store', () => {
  const prefix = uniquePrefix();
  let redis: Redis;
  afterAll(async () => {
    redis?.disconnect();
    await deletePrefix(prefix);
  });
  contract(async () => {
    redis = connectRedis({ url: REDIS_URL, keyPrefix: prefix });
    await redisReady(redis);
    return new RedisSavedQueryStore(redis);
  });

  it('keeps the queries in one hash under the configured prefix', async () => {
    const raw = new Redis(REDIS_URL);
    try {
      expect(await raw.type(`${prefix}${SAVED_QUERIES_KEY}`)).toBe('hash');
      expect(JSON.parse((await raw.hget(`${prefix}${SAVED_QUERIES_KEY}`, 'b'))!).name).toBe('b');
    } finally {
      raw.disconnect();
    }
  });
});
