// Builds the cache infrastructure of one process from configuration: a memory tier per
// component, the Redis tier and invalidation over Redis when DATAEX_REDIS_URL (a single
// Redis) or DATAEX_REDIS_CLUSTER (a Redis Cluster) is set. One connection per process.

import { connectRedis, type RedisClient } from '../redis.ts';
import { LocalBus, RedisBus, type InvalidationBus } from './bus.ts';
import { MemoryStore, RedisStore, TieredStore } from './store.ts';
import { trackRedis } from '../observability/metrics.ts';

export interface CacheSettings {
  redisUrl: string | undefined;
  /** Redis Cluster seed nodes (host:port); exclusive with redisUrl. */
  redisCluster?: readonly string[] | undefined;
  redisPrefix: string;
  /** Memory budget of each component's memory tier. */
  memoryBytes: number;
}

export interface CacheSetup {
  redis: RedisClient | undefined;
  bus: InvalidationBus;
  /** A store for one component (its own memory tier; the shared Redis tier under `namespace`). */
  store(namespace: string): TieredStore;
  /** Every Redis tier made here, for health reporting. */
  redisTiers(): RedisStore[];
  close(): Promise<void>;
}

export function createCacheSetup(settings: CacheSettings): CacheSetup {
  const redis =
    settings.redisUrl || settings.redisCluster ? connectRedis({ url: settings.redisUrl, cluster: settings.redisCluster, keyPrefix: settings.redisPrefix, commandTimeoutMs: 250 }) : undefined;
  const bus: InvalidationBus = redis ? new RedisBus(redis) : new LocalBus();
  const tiers: RedisStore[] = [];
  // dataex_redis_configured / dataex_redis_up
  const untrack = redis ? trackRedis(() => redis.status) : () => undefined;
  return {
    redis,
    bus,
    store(namespace: string) {
      const tier = redis ? new RedisStore(redis, { namespace }) : undefined;
      if (tier) tiers.push(tier);
      return new TieredStore(new MemoryStore({ maxBytes: settings.memoryBytes }), tier);
    },
    redisTiers: () => tiers,
    async close() {
      untrack();
      await bus.close();
      redis?.disconnect();
    },
  };
}
