// `npm run start:gateway`: the gateway alone, on DATAEX_SUPERGRAPH (any valid supergraph).

import { loadConfig } from '../lib/config.ts';
import { createCacheSetup } from '../lib/cache/setup.ts';
import { failStartup, runUntilSignal } from '../lib/process.ts';
import { launchGateway } from './launch.ts';
import type { RunningGateway } from './server.ts';

const config = (() => {
  try {
    return loadConfig();
  } catch (e) {
    return failStartup(e);
  }
})();
const cache = createCacheSetup({ redisUrl: config.redisUrl, redisPrefix: config.redisPrefix, memoryBytes: config.cacheMemoryBytes });
let gateway: RunningGateway;
try {
  gateway = await launchGateway(config, cache);
} catch (e) {
  await cache.close();
  failStartup(e);
}
console.log(`dataex gateway on ${gateway.url} serving ${config.supergraphPath}`);
for (const s of gateway.subgraphs) console.log(`  subgraph ${s.name} → ${s.url}`);
runUntilSignal(async () => {
  await gateway.close();
  await cache.close();
});
