// `npm run start:gateway`: the gateway alone, on DATAEX_SUPERGRAPH (any valid supergraph);
// with DATAEX_WORKERS=n, n worker processes sharing the port (this file is also their entry).

import cluster from 'node:cluster';
import { isLoopbackHost, loadConfig } from '../lib/config.ts';
import { createCacheSetup } from '../lib/cache/setup.ts';
import { failStartup, runUntilSignal } from '../lib/process.ts';
import { setupObservability, shutdownObservability } from '../lib/observability/index.ts';
import { forkGatewayWorkers } from '../lib/workers.ts';
import { launchGateway } from './launch.ts';
import { signingSecretOf } from '../lib/principal-token.ts';
import type { RunningGateway } from './server.ts';

const config = (() => {
  try {
    const config = loadConfig();
    // Beyond loopback the gateway refuses to start without a signing secret, before forking
    // workers or connecting anything (launchGateway reads it, and on loopback warns about the default).
    if (!isLoopbackHost(config.host)) signingSecretOf(config, 'gateway');
    return config;
  } catch (e) {
    return failStartup(e);
  }
})();
setupObservability(config, 'dataex-gateway');

if (config.workers > 1 && cluster.isPrimary) {
  const pool = forkGatewayWorkers(config.workers, {});
  try {
    await pool.ready;
  } catch (e) {
    await pool.close();
    failStartup(e);
  }
  console.log(`dataex gateway: ${pool.size} workers on port ${config.port} serving ${config.supergraphPath}`);
  runUntilSignal(() => pool.close());
} else {
  const cache = createCacheSetup({ redisUrl: config.redisUrl, redisCluster: config.redisCluster, redisPrefix: config.redisPrefix, memoryBytes: config.cacheMemoryBytes });
  let gateway: RunningGateway;
  try {
    gateway = await launchGateway(config, cache);
  } catch (e) {
    await cache.close();
    failStartup(e);
  }
  console.log(`dataex gateway${cluster.isWorker ? ` worker ${process.pid}` : ''} on ${gateway.url} serving ${config.supergraphPath}`);
  if (!cluster.isWorker) for (const s of gateway.subgraphs) console.log(`  subgraph ${s.name} → ${s.url}`);
  runUntilSignal(async () => {
    await gateway.close();
    await cache.close();
    await shutdownObservability();
  });
}
