// The gateway's share of the cache setup: the response cache and APQ store, and purging the
// response cache when the bus says data changed.

import type { DataexConfig } from '../lib/config.ts';
import type { CacheSetup } from '../lib/cache/setup.ts';
import { ResponseCache } from './response-cache/cache.ts';
import { StoreKeyValueCache } from './apq.ts';

export interface GatewayCaching {
  responseCache: ResponseCache | undefined;
  apqCache: StoreKeyValueCache;
  close(): void;
}

export function gatewayCaching(config: DataexConfig, setup: CacheSetup): GatewayCaching {
  const responseCache = config.responseCache ? new ResponseCache(setup.store('rc:'), config.cacheMaxTtlS) : undefined;
  const unsubscribe = responseCache ? setup.bus.subscribe((message) => void responseCache.purge(message)) : () => undefined;
  return { responseCache, apqCache: new StoreKeyValueCache(setup.store('apq:')), close: unsubscribe };
}
