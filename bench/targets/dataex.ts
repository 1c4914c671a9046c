// Bench target: the dataex gateway alone (gateway/launch.ts, everything plugged in as in
// production) on a free port, serving DATAEX_SUPERGRAPH. DATAEX_RESPONSE_CACHE=false turns
// its response cache off. Memory cache tier only.

import { loadConfig } from '../../lib/config.ts';
import { createCacheSetup } from '../../lib/cache/setup.ts';
import { launchGateway } from '../../gateway/launch.ts';

const config = loadConfig();
const cache = createCacheSetup({ redisUrl: undefined, redisPrefix: config.redisPrefix, memoryBytes: config.cacheMemoryBytes });
const gateway = await launchGateway(config, cache, { port: 0 });
console.log(JSON.stringify({ ready: true, url: gateway.url, responseCache: config.responseCache }));
process.on('SIGTERM', () => void gateway.close().finally(() => void cache.close().finally(() => process.exit(0))));
