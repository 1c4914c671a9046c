// Where saved queries live: a JSON file under DATAEX_DATA_DIR (file-store.ts) or a Redis hash
// shared by every gateway instance (redis-store.ts). Both hold only writable queries; the shipped
// ones (shipped.ts) are read-only and layered on top by the catalog.

import type { QuerySource, StoredQuery } from './model.ts';
import { redisReady, type RedisClient } from '../../lib/redis.ts';

export interface SavedQueryStore {
  readonly kind: Exclude<QuerySource, 'shipped'>;
  list(): Promise<StoredQuery[]>;
  get(name: string): Promise<StoredQuery | undefined>;
  /**
   * Creates or replaces a query. `update` receives the current record (undefined when new) and
   * returns the record to write, so created-at and owner survive updates even with concurrent
   * writers.
   */
  put(name: string, update: (current: StoredQuery | undefined) => StoredQuery): Promise<{ created: boolean; query: StoredQuery }>;
  /** False when there was no such query. */
  delete(name: string): Promise<boolean>;
  close(): Promise<void>;
}

/** The store could not be read or written (Redis down, lock held too long, unreadable file): a 503. */
export class StoreUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreUnavailableError';
  }
}

/**
 * A store's call to Redis: waits up to 2 s for a connection that is not ready, and turns any
 * failure into a StoreUnavailableError naming the store and what it was doing (a 503, never a
 * silent empty answer).
 */
export async function storeCall<T>(redis: RedisClient, store: string, doing: string, fn: () => Promise<T>): Promise<T> {
  try {
    if (redis.status !== 'ready') await redisReady(redis, 2_000);
    return await fn();
  } catch (e) {
    if (e instanceof StoreUnavailableError) throw e;
    throw new StoreUnavailableError(`${store} store (Redis) unavailable while ${doing}: ${(e as Error).message}`, { cause: e });
  }
}
