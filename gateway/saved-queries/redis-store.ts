// Saved queries in Redis, shared by every gateway instance: one hash `<prefix>saved-queries`,
// field = query name, value = the query record as JSON (same record as the file store).
// One key, so a Redis Cluster keeps it in one slot. Updates go through a small Lua script so that created-at and owner survive concurrent writers.
// Redis being down is reported (503), never hidden: a saved query must not silently vanish.

import type { RedisClient } from '../../lib/redis.ts';
import type { StoredQuery } from './model.ts';
import { StoreUnavailableError, storeCall, type SavedQueryStore } from './store.ts';

export const SAVED_QUERIES_KEY = 'saved-queries';

// KEYS[1] hash; ARGV[1] field; ARGV[2] expected current value ('' = absent); ARGV[3] new value.
// Writes only when the current value is still the expected one (compare-and-set).
const CAS_SCRIPT = `
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if (cur == false and ARGV[2] == '') or cur == ARGV[2] then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
  return 1
end
return 0
`;

/**
 * Named records in one Redis hash (field = name, value = JSON), updated by compare-and-set so
 * that what `update` keeps (created-at, owner) survives concurrent writers. Saved queries are
 * one kind of record; schedules (schedule/store.ts) another.
 */
export class RedisRecordHash<T extends { name: string }> {
  protected readonly redis: RedisClient;
  private readonly key: string;
  private readonly what: string;
  private readonly options: { closeConnection?: boolean };

  /** `what` names the records in errors ("saved-query"). */
  constructor(redis: RedisClient, key: string, what: string, options: { closeConnection?: boolean } = {}) {
    this.redis = redis;
    this.key = key;
    this.what = what;
    this.options = options;
  }

  private call<T>(doing: string, fn: () => Promise<T>): Promise<T> {
    return storeCall(this.redis, this.what, doing, fn);
  }

  async list(): Promise<T[]> {
    const values = await this.call('listing', () => this.redis.hvals(this.key));
    return values.map((v) => JSON.parse(v) as T).sort((a, b) => a.name.localeCompare(b.name));
  }

  async get(name: string): Promise<T | undefined> {
    const value = await this.call('reading', () => this.redis.hget(this.key, name));
    return value === null ? undefined : (JSON.parse(value) as T);
  }

  async put(name: string, update: (current: T | undefined) => T): Promise<{ created: boolean; query: T }> {
    for (let attempt = 0; attempt < 20; attempt++) {
      const raw = await this.call('reading', () => this.redis.hget(this.key, name));
      const current = raw === null ? undefined : (JSON.parse(raw) as T);
      const record = update(current);
      const written = await this.call('saving', () => this.redis.eval(CAS_SCRIPT, 1, this.key, name, raw ?? '', JSON.stringify(record)));
      if (written === 1) return { created: current === undefined, query: record };
    }
    throw new StoreUnavailableError(`${this.what} "${name}" is being changed concurrently; try again`);
  }

  async delete(name: string): Promise<boolean> {
    return (await this.call('deleting', () => this.redis.hdel(this.key, name))) > 0;
  }

  async close(): Promise<void> {
    if (this.options.closeConnection) this.redis.disconnect();
  }
}

export class RedisSavedQueryStore extends RedisRecordHash<StoredQuery> implements SavedQueryStore {
  readonly kind = 'redis' as const;

  constructor(redis: RedisClient, options: { closeConnection?: boolean } = {}) {
    super(redis, SAVED_QUERIES_KEY, 'saved-query', options);
  }
}
