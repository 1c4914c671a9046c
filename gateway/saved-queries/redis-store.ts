// Saved queries in Redis, shared by every gateway instance: one hash `<prefix>saved-queries`,
// field = query name, value = the query record as JSON (same record as the file store).
// One key, so a Redis Cluster keeps it in one slot. Updates go through a small Lua script so that created-at and owner survive concurrent writers.
// Redis being down is reported (503), never hidden: a saved query must not silently vanish.

import { redisReady, type RedisClient } from '../../lib/redis.ts';
import type { StoredQuery } from './model.ts';
import { StoreUnavailableError, type SavedQueryStore } from './store.ts';

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

export class RedisSavedQueryStore implements SavedQueryStore {
  private readonly redis: RedisClient;
  private readonly options: { closeConnection?: boolean };

  readonly kind = 'redis' as const;

  constructor(redis: RedisClient, options: { closeConnection?: boolean } = {}) {
    this.redis = redis;
    this.options = options;
  }

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      if (this.redis.status !== 'ready') await redisReady(this.redis, 2_000);
      return await fn();
    } catch (e) {
      throw new StoreUnavailableError(`saved-query store (Redis) unavailable while ${what}: ${(e as Error).message}`, { cause: e });
    }
  }

  async list(): Promise<StoredQuery[]> {
    const values = await this.call('listing', () => this.redis.hvals(SAVED_QUERIES_KEY));
    return values.map((v) => JSON.parse(v) as StoredQuery).sort((a, b) => a.name.localeCompare(b.name));
  }

  async get(name: string): Promise<StoredQuery | undefined> {
    const value = await this.call('reading', () => this.redis.hget(SAVED_QUERIES_KEY, name));
    return value === null ? undefined : (JSON.parse(value) as StoredQuery);
  }

  async put(name: string, update: (current: StoredQuery | undefined) => StoredQuery): Promise<{ created: boolean; query: StoredQuery }> {
    for (let attempt = 0; attempt < 20; attempt++) {
      const raw = await this.call('reading', () => this.redis.hget(SAVED_QUERIES_KEY, name));
      const current = raw === null ? undefined : (JSON.parse(raw) as StoredQuery);
      const query = update(current);
      const written = await this.call('saving', () => this.redis.eval(CAS_SCRIPT, 1, SAVED_QUERIES_KEY, name, raw ?? '', JSON.stringify(query)));
      if (written === 1) return { created: current === undefined, query };
    }
    throw new StoreUnavailableError(`saved query "${name}" is being changed concurrently; try again`);
  }

  async delete(name: string): Promise<boolean> {
    return (await this.call('deleting', () => this.redis.hdel(SAVED_QUERIES_KEY, name))) > 0;
  }

  async close(): Promise<void> {
    if (this.options.closeConnection) this.redis.disconnect();
  }
}
