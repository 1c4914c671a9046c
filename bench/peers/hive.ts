// Bench target: Hive Gateway (@graphql-hive/gateway) through its programmatic runtime on
// node:http, serving the supergraph file BENCH_SUPERGRAPH. BENCH_HIVE_CACHE=true enables its
// response cache (in memory, shared by every caller, 60 s), on the same default cache storage
// its CLI uses (LocalForage, in memory).

import { createServer } from 'node:http';
import { setMaxListeners } from 'node:events';
import { readFileSync } from 'node:fs';
import { createGatewayRuntime, LocalForageCacheStorage } from '@graphql-hive/gateway';
import { unifiedGraphHandler } from '@graphql-hive/router-runtime';

// Its subgraph fetches add abort listeners to shared signals: not a leak, only a noisy warning.
setMaxListeners(0);

const supergraph = readFileSync(process.env.BENCH_SUPERGRAPH!, 'utf8');
const withCache = process.env.BENCH_HIVE_CACHE === 'true';
const routerRuntime = process.env.BENCH_HIVE_RUNTIME === 'router';
const runtime = createGatewayRuntime({
  supergraph,
  ...(routerRuntime ? { unifiedGraphHandler } : {}),
  logging: 'error',
  graphiql: false,
  landingPage: false,
  ...(withCache
    ? {
        cache: new LocalForageCacheStorage({}),
        responseCaching: { session: () => null, ttl: 60_000 },
      }
    : {}),
});
const server = createServer(runtime);
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as { port: number };
  console.log(JSON.stringify({ ready: true, url: `http://127.0.0.1:${port}/graphql`, cache: withCache, runtime: routerRuntime ? 'router' : 'stitching' }));
});
process.on('SIGTERM', () => {
  server.close();
  void Promise.resolve(runtime.dispose()).finally(() => process.exit(0));
});
