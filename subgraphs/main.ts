// `node subgraphs/main.ts <catalog|beijing|shanghai|guiyang|registry>`: one subgraph in a
// process of its own (the production shape; see docker-compose.yml). Upstream URLs come from
// DATAEX_<UPSTREAM>_URL, defaulting to the simulators' ports on this host.

import { loadConfig } from '../lib/config.ts';
import { createCacheSetup } from '../lib/cache/setup.ts';
import { failStartup, runUntilSignal } from '../lib/process.ts';
import { EXCHANGES, REGISTRY } from './exchanges.ts';
import { SUBGRAPH_NAMES, startCatalog, startDataSubgraph } from './launch.ts';
import { signingSecretOf } from '../lib/principal-token.ts';
import { setupObservability, shutdownObservability } from '../lib/observability/index.ts';

const name = process.argv[2] ?? '';
if (!(SUBGRAPH_NAMES as readonly string[]).includes(name)) failStartup(new Error(`usage: subgraphs/main.ts <${SUBGRAPH_NAMES.join('|')}>`));

const { config, signingSecret } = (() => {
  try {
    const config = loadConfig();
    // Beyond loopback a subgraph refuses to start without a secret of its own (see signingSecretOf).
    return { config, signingSecret: signingSecretOf(config, `subgraph ${name}`) };
  } catch (e) {
    return failStartup(e);
  }
})();
setupObservability(config, `dataex-${name}`);
const defaults: Record<string, string> = {
  ...Object.fromEntries(EXCHANGES.map((e) => [e.id, `http://127.0.0.1:${e.simulatorPort}`])),
  registry: `http://127.0.0.1:${REGISTRY.simulatorPort}`,
};
const upstreamUrls = Object.fromEntries(Object.keys(defaults).map((k) => [k, config.upstreamUrls[k] ?? defaults[k]]));
const cache = createCacheSetup({ redisUrl: config.redisUrl, redisCluster: config.redisCluster, redisPrefix: config.redisPrefix, memoryBytes: config.cacheMemoryBytes });
const options = { config, upstreamUrls, cache, port: config.subgraphPorts[name], signingSecret };
try {
  const server = name === 'catalog' ? await startCatalog(options) : await startDataSubgraph(name, options);
  console.log(`dataex subgraph ${name} on ${server.url}`);
  runUntilSignal(async () => {
    await server.close();
    await cache.close();
    await shutdownObservability();
  });
} catch (e) {
  await cache.close();
  failStartup(e);
}
