// `npm run start:gateway`: the gateway alone, on DATAEX_SUPERGRAPH (any valid supergraph).

import { loadConfig } from '../lib/config.ts';
import { readSupergraph } from './supergraph.ts';
import { startGateway, type RunningGateway } from './server.ts';
import { failStartup, runUntilSignal } from '../lib/process.ts';
import { FileKeyStore } from './auth/keys.ts';
import { gatewayRoutes } from './route-list.ts';
import { gatewayPlugins } from './plugin-list.ts';
import { gatewayCaching } from './caching.ts';
import { createCacheSetup } from '../lib/cache/setup.ts';

let gateway: RunningGateway;
const config = (() => {
  try {
    return loadConfig();
  } catch (e) {
    return failStartup(e);
  }
})();
const cache = createCacheSetup({ redisUrl: config.redisUrl, redisPrefix: config.redisPrefix, memoryBytes: config.cacheMemoryBytes });
const caching = gatewayCaching(config, cache);
try {
  gateway = await startGateway({
    supergraphSdl: readSupergraph(config.supergraphPath),
    subgraphUrls: config.subgraphUrls,
    port: config.port,
    host: config.host,
    subgraphTimeoutMs: config.subgraphTimeoutMs,
    bodyLimitBytes: config.bodyLimitBytes,
    corsOrigins: config.corsOrigins,
    keyStore: new FileKeyStore(config.dataDir),
    routes: gatewayRoutes(config, { responseCache: caching.responseCache, bus: cache.bus }),
    responseCache: caching.responseCache,
    apqCache: caching.apqCache,
      plugins: gatewayPlugins(config),
      introspection: config.introspection,
  });
} catch (e) {
  failStartup(e);
}
console.log(`dataex gateway on ${gateway.url} serving ${config.supergraphPath}`);
for (const s of gateway.subgraphs) console.log(`  subgraph ${s.name} → ${s.url}`);
runUntilSignal(async () => {
  await gateway.close();
  caching.close();
  await cache.close();
});
