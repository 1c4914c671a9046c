// Bench target: everything behind the gateway, once, shared by every gateway under test — the
// four upstream simulators (with latency, DATAEX_SIM_LATENCY_MS) and the five subgraphs, on
// free ports, without a gateway. Prints one JSON line
//   {"ready": true, "subgraphs": {name: url}, "simulators": {name: url}, "control": url}
// once the catalog's first harvest is done.
//
// The caller: the subgraphs trust only the gateway's signed principal header, which peers
// (vanilla Apollo Gateway, Hive Gateway) do not send. So that every gateway gets the same
// answers and costs the subgraphs the same work, the subgraphs here take every request as one
// fixed analyst (BENCH_PRINCIPAL: may see prices) without checking signatures; dataex still
// pays for signing on its side.
//
// Control surface (for the harness, not for gateways):
//   GET  /__bench/stats  {"subgraphs": {name: graphql requests}, "upstream": {name: calls}, "upstreamTotal": n}
//   POST /__bench/flush  drops the subgraphs' upstream caches (the same start for every run)

import { createServer, Server } from 'node:http';
import { loadConfig } from '../../lib/config.ts';
import { createCacheSetup, type CacheSetup } from '../../lib/cache/setup.ts';
import { startSimulator, SIMULATOR_NAMES, type RunningSimulator } from '../../simulators/index.ts';
import { EXCHANGES, exchangeById } from '../../subgraphs/exchanges.ts';
import { createExchangeAdapter, createRegistryAdapterFromConfig } from '../../subgraphs/adapters.ts';
import { startCatalogSubgraph } from '../../subgraphs/catalog/subgraph.ts';
import { startExchangeSubgraph, type UpstreamCacheOptions } from '../../subgraphs/common/exchange-server.ts';
import { startRegistrySubgraph } from '../../subgraphs/registry/subgraph.ts';
import type { RunningServer } from '../../subgraphs/common/server.ts';
import type { Principal } from '../../lib/principal.ts';
import { PrincipalVerifier } from '../../lib/principal-token.ts';

const BENCH_PRINCIPAL: Principal = Object.freeze({
  id: 'bench-analyst',
  role: 'analyst',
  clearance: { maxLevel: 'IMPORTANT', maxGrade: null },
  personalInfo: false,
}) as Principal;

/** Every request is the bench's analyst, signed or not. */
class BenchVerifier extends PrincipalVerifier {
  override verify(): Principal {
    return BENCH_PRINCIPAL;
  }
}
const verifier = new BenchVerifier('unused');

// Count GraphQL requests per subgraph server without a proxy hop: every node:http server in
// this process emits 'request'; the ones listening on a subgraph port are counted.
const countsByPort = new Map<number, { n: number }>();
const portOf = new WeakMap<Server, { n: number } | null>();
let portsRegistered = false;
const originalEmit = Server.prototype.emit;
Server.prototype.emit = function (this: Server, event: string | symbol, ...args: unknown[]): boolean {
  if (event === 'request') {
    let counter = portOf.get(this);
    if (counter === undefined) {
      const address = this.address();
      counter = (address && typeof address === 'object' && countsByPort.get(address.port)) || null;
      // Remember once every subgraph port is known (servers start before we know their port).
      if (counter || portsRegistered) portOf.set(this, counter);
    }
    if (counter) {
      const req = args[0] as { url?: string };
      if (req.url?.startsWith('/graphql')) counter.n++;
    }
  }
  return (originalEmit as (this: Server, event: string | symbol, ...args: unknown[]) => boolean).call(this, event, ...args);
} as typeof Server.prototype.emit;

const config = loadConfig();
const simulators = {} as Record<string, RunningSimulator>;
for (const name of SIMULATOR_NAMES) {
  simulators[name] = await startSimulator(name, {
    port: 0,
    host: config.host,
    seed: config.seed,
    scale: config.simScale,
    latencyMs: config.simLatencyMs,
  });
}
const upstreamUrls = Object.fromEntries(Object.entries(simulators).map(([k, s]) => [k, s.url]));

const cache: CacheSetup = createCacheSetup({ redisUrl: undefined, redisPrefix: config.redisPrefix, memoryBytes: config.cacheMemoryBytes });
const upstreamCache = (upstream: string, ttlFactor = 1): UpstreamCacheOptions => ({
  store: cache.store(`up:${upstream}:`),
  bus: cache.bus,
  ttlMs: config.upstreamTtlS * 1000 * ttlFactor,
  staleMs: config.staleLimitS * 1000 * ttlFactor,
});

const catalog = await startCatalogSubgraph({
  adapters: EXCHANGES.map((e) => createExchangeAdapter(e.id, upstreamUrls[e.id], config)),
  verifier,
  port: 0,
  host: config.host,
  harvestIntervalMs: config.harvestIntervalMs,
  probeIntervalMs: config.probeIntervalMs,
});
const subgraphs: Record<string, RunningServer> = { catalog };
for (const e of EXCHANGES) {
  subgraphs[e.id] = await startExchangeSubgraph({
    definition: exchangeById(e.id)!,
    adapter: createExchangeAdapter(e.id, upstreamUrls[e.id], config),
    cache: upstreamCache(e.id),
    verifier,
    port: 0,
    host: config.host,
  });
}
subgraphs.registry = await startRegistrySubgraph({
  adapter: createRegistryAdapterFromConfig(upstreamUrls.registry, config),
  cache: upstreamCache('registry', 60),
  verifier,
  port: 0,
  host: config.host,
});
for (const s of Object.values(subgraphs)) countsByPort.set(s.port, { n: 0 });
portsRegistered = true;
await catalog.firstHarvest;

async function upstreamStats(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  await Promise.all(
    Object.entries(simulators).map(async ([name, sim]) => {
      const res = await fetch(`${sim.url}/__sim/stats`);
      out[name] = ((await res.json()) as { total: number }).total;
    }),
  );
  return out;
}

const control = createServer((req, res) => {
  void (async () => {
    try {
      if (req.url === '/__bench/stats') {
        const upstream = await upstreamStats();
        const body = {
          subgraphs: Object.fromEntries(Object.entries(subgraphs).map(([name, s]) => [name, countsByPort.get(s.port)!.n])),
          upstream,
          upstreamTotal: Object.values(upstream).reduce((a, b) => a + b, 0),
        };
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      } else if (req.url === '/__bench/flush' && req.method === 'POST') {
        await cache.bus.publish({ kind: 'all' });
        res.writeHead(204).end();
      } else {
        res.writeHead(404).end();
      }
    } catch (e) {
      res.writeHead(500).end(String(e));
    }
  })();
});
control.listen(0, config.host, () => {
  const { port } = control.address() as { port: number };
  console.log(
    JSON.stringify({
      ready: true,
      subgraphs: Object.fromEntries(Object.entries(subgraphs).map(([k, s]) => [k, s.url])),
      simulators: upstreamUrls,
      control: `http://${config.host}:${port}`,
      latencyMs: config.simLatencyMs,
    }),
  );
});

process.on('SIGTERM', () => {
  void (async () => {
    control.close();
    for (const s of Object.values(subgraphs)) await s.close().catch(() => undefined);
    for (const s of Object.values(simulators)) await s.close().catch(() => undefined);
    await cache.close();
    process.exit(0);
  })();
});
