// One way to open Redis for every dataex use (cache tier, APQ, saved queries, keys, rate
// limits, audit). Commands fail fast while Redis is down instead of queueing without bound:
// callers decide whether to degrade (caches) or report an error (stores).

import { Redis, type RedisOptions } from 'ioredis';

export interface RedisConnectOptions {
  url: string;
  /** Prepended to every key (ioredis keyPrefix). */
  keyPrefix: string;
  /** Per-command timeout; a hung Redis must not hang requests. */
  commandTimeoutMs?: number;
}

export function connectRedis(options: RedisConnectOptions): Redis {
  const redisOptions: RedisOptions = {
    keyPrefix: options.keyPrefix,
    commandTimeout: options.commandTimeoutMs ?? 500,
    connectTimeout: 2_000,
    // No offline queue: while disconnected, commands reject at once.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    // Keep trying to come back, at most once a second.
    retryStrategy: (times) => Math.min(times * 100, 1_000),
    lazyConnect: false,
  };
  const redis = new Redis(options.url, redisOptions);
  // Connection errors are reported through command failures; an unhandled 'error' event
  // would otherwise crash the process.
  redis.on('error', () => undefined);
  return redis;
}

/** Resolves when connected, or rejects after `timeoutMs`. */
export function redisReady(redis: Redis, timeoutMs = 3_000): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`Redis not ready after ${timeoutMs} ms (status ${redis.status})`));
    }, timeoutMs);
    const onReady = () => {
      cleanup();
      resolve();
    };
    const cleanup = () => {
      clearTimeout(timer);
      redis.off('ready', onReady);
    };
    redis.on('ready', onReady);
  });
}
