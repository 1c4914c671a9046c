// The whole stack in one process: simulators (for upstreams without a configured URL), the
// five subgraphs and the gateway. `npm start` runs it on the default ports; the end-to-end
// tests run it on free ports (port 0 everywhere).

import type { DataexConfig } from './config.ts';
import { EXCHANGES, REGISTRY } from '../subgraphs/exchanges.ts';
import { createExchangeAdapter, createRegistryAdapterFromConfig } from '../subgraphs/adapters.ts';
import { startCatalogSubgraph, type RunningCatalog } from '../subgraphs/catalog/subgraph.ts';
import { startExchangeSubgraph } from '../subgraphs/common/exchange-server.ts';
import { startRegistrySubgraph } from '../subgraphs/registry/subgraph.ts';
import type { RunningServer } from '../subgraphs/common/server.ts';
import { startSimulator } from '../simulators/index.ts';
import { startGateway, type RunningGateway } from '../gateway/server.ts';
import { readSupergraph } from '../gateway/supergraph.ts';
import { FileKeyStore } from '../gateway/auth/keys.ts';
import { gatewayRoutes } from '../gateway/route-list.ts';
import { gatewayPlugins } from '../gateway/plugin-list.ts';
import { gatewayCaching } from '../gateway/caching.ts';
import { createCacheSetup, type CacheSetup } from './cache/setup.ts';
import type { UpstreamCacheOptions } from '../subgraphs/common/exchange-server.ts';

type SimulatorName = 'beijing' | 'shanghai' | 'guiyang' | 'registry';
type RunningSimulator = Awaited<ReturnType<typeof startSimulator>>;

export interface StackOptions {
  config: DataexConfig;
  /** Use free ports for every server (tests). */
  freePorts?: boolean;
  /** Simulator token lifetime etc. for tests. */
  simulatorOptions?: { tokenTtlSeconds?: number };
}

export interface RunningStack {
  gateway: RunningGateway;
  cache: CacheSetup;
  catalog: RunningCatalog;
  subgraphs: Record<string, RunningServer>;
  simulators: Partial<Record<SimulatorName, RunningSimulator>>;
  /** Upstream base URL per exchange id and "registry". */
  upstreamUrls: Record<string, string>;
  close(): Promise<void>;
}

const SIMULATOR_PORTS: Record<SimulatorName, number> = {
  ...(Object.fromEntries(EXCHANGES.map((e) => [e.id, e.simulatorPort])) as Record<string, number>),
  registry: REGISTRY.simulatorPort,
} as Record<SimulatorName, number>;

export async function startStack(options: StackOptions): Promise<RunningStack> {
  const { config } = options;
  const port = (p: number) => (options.freePorts ? 0 : p);
  const closers: Array<() => Promise<void>> = [];
  const closeAll = async () => {
    for (const close of closers.reverse()) await close().catch((e) => console.error('close failed:', e));
  };

  try {
    // 1. Upstreams: configured URLs, or simulators.
    const simulators: Partial<Record<SimulatorName, RunningSimulator>> = {};
    const upstreamUrls: Record<string, string> = {};
    for (const name of Object.keys(SIMULATOR_PORTS) as SimulatorName[]) {
      const configured = config.upstreamUrls[name];
      if (configured) {
        upstreamUrls[name] = configured;
      } else if (config.startSimulators) {
        const sim = await startSimulator(name, {
          port: port(SIMULATOR_PORTS[name]),
          host: config.host,
          seed: config.seed,
          scale: config.simScale,
          latencyMs: config.simLatencyMs,
          ...options.simulatorOptions,
        });
        simulators[name] = sim;
        upstreamUrls[name] = sim.url;
        closers.push(() => sim.close());
      } else {
        throw new Error(`DATAEX_${name.toUpperCase()}_URL is not set and DATAEX_SIMULATORS=false: nothing to talk to for ${name}`);
      }
    }

    // 2. Caches: one memory tier per component, Redis shared when configured.
    const cache = createCacheSetup({ redisUrl: config.redisUrl, redisPrefix: config.redisPrefix, memoryBytes: config.cacheMemoryBytes });
    closers.push(() => cache.close());
    const upstreamCache = (upstream: string, ttlFactor = 1): UpstreamCacheOptions => ({
      store: cache.store(`up:${upstream}:`),
      bus: cache.bus,
      ttlMs: config.upstreamTtlS * 1000 * ttlFactor,
      staleMs: config.staleLimitS * 1000 * ttlFactor,
    });

    // 3. Subgraphs. Each gets its own adapters, as it would in its own process.
    const adapterFor = (id: string) => createExchangeAdapter(id, upstreamUrls[id], config);
    const catalog = await startCatalogSubgraph({
      adapters: EXCHANGES.map((e) => adapterFor(e.id)),
      port: port(config.subgraphPorts.catalog),
      host: config.host,
      harvestIntervalMs: config.harvestIntervalMs,
      probeIntervalMs: config.probeIntervalMs,
      onHarvest: (exchange, diff) => {
        // Changed or vanished listings: drop them everywhere. New or vanished ones change search results.
        const gone = [...diff.changed, ...diff.removed];
        if (gone.length > 0) void cache.bus.publish({ kind: 'datasets', ids: gone });
        if (diff.added.length + diff.removed.length > 0) void cache.bus.publish({ kind: 'exchange', exchange, upstream: false });
      },
    });
    closers.push(() => catalog.close());
    const subgraphs: Record<string, RunningServer> = { catalog };
    for (const definition of EXCHANGES) {
      const server = await startExchangeSubgraph({
        definition,
        adapter: adapterFor(definition.id),
        cache: upstreamCache(definition.id),
        port: port(config.subgraphPorts[definition.id]),
        host: config.host,
      });
      subgraphs[definition.id] = server;
      closers.push(() => server.close());
    }
    const registry = await startRegistrySubgraph({
      adapter: createRegistryAdapterFromConfig(upstreamUrls.registry, config),
      // Registrations change rarely: keep them 60 times longer than exchange details.
      cache: upstreamCache('registry', 60),
      port: port(config.subgraphPorts.registry),
      host: config.host,
    });
    subgraphs.registry = registry;
    closers.push(() => registry.close());

    // 4. Gateway, pointed at the subgraphs' actual URLs.
    const caching = gatewayCaching(config, cache);
    closers.push(async () => caching.close());
    const gateway = await startGateway({
      supergraphSdl: readSupergraph(config.supergraphPath),
      subgraphUrls: { ...Object.fromEntries(Object.entries(subgraphs).map(([name, s]) => [name, s.url])), ...config.subgraphUrls },
      port: port(config.port),
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
    closers.push(() => gateway.close());

    return { gateway, cache, catalog, subgraphs, simulators, upstreamUrls, close: closeAll };
  } catch (e) {
    await closeAll();
    throw e;
  }
}
