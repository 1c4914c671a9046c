// Automatic persisted queries in the same store as the response cache (memory, and Redis
// when configured, so every gateway instance knows every registered hash).

import type { KeyValueCache, KeyValueCacheSetOptions } from '@apollo/utils.keyvaluecache';
import type { CacheStore } from '../lib/cache/store.ts';

/** Documents rarely change meaning under a hash; keep them a day unless told otherwise. */
const DEFAULT_TTL_S = 86_400;

export class StoreKeyValueCache implements KeyValueCache<string> {
  private readonly store: CacheStore;
  constructor(store: CacheStore) {
    this.store = store;
  }

  async get(key: string): Promise<string | undefined> {
    return (await this.store.get(key))?.toString('utf8');
  }

  async set(key: string, value: string, options?: KeyValueCacheSetOptions): Promise<void> {
    await this.store.set(key, Buffer.from(value, 'utf8'), (options?.ttl ?? DEFAULT_TTL_S) * 1000);
  }

  async delete(key: string): Promise<boolean> {
    await this.store.delete([key]);
    return true;
  }
}
