// The gateway's share of the cache setup: the response cache, the entity cache and the APQ
// store, and dropping cached answers when the bus says data changed.

import type { DataexConfig } from '../lib/config.ts';
import type { CacheSetup } from '../lib/cache/setup.ts';
import { ResponseCache } from './response-cache/cache.ts';
import { EntityCache } from './entity-cache.ts';
import { StoreKeyValueCache } from './apq.ts';

export interface GatewayCaching {
  responseCache: ResponseCache | undefined;
  entityCache: EntityCache | undefined;
  apqCache: StoreKeyValueCache;
  close(): void;
}

export function gatewayCaching(config: DataexConfig, setup: CacheSetup): GatewayCaching {
  const responseCache = config.responseCache ? new ResponseCache(setup.store('rc:'), config.cacheMaxTtlS, config.responseCacheStaleS) : undefined;
  const entityCache = config.entityCache ? new EntityCache() : undefined;
  const unsubscribe = setup.bus.subscribe((message) => {
    if (responseCache) void responseCache.purge(message);
    // Entities carry no tags: any change drops them all (they refill within one page).
    entityCache?.clear();
  });
  return { responseCache, entityCache, apqCache: new StoreKeyValueCache(setup.store('apq:')), close: unsubscribe };
}
