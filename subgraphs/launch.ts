// Starts one subgraph by name from configuration: what `npm start` does for each of them in
// one process, and what `node subgraphs/main.ts <name>` does in a process of its own.

import type { DataexConfig } from '../lib/config.ts';
import type { CacheSetup } from '../lib/cache/setup.ts';
import { EXCHANGES, exchangeById } from './exchanges.ts';
import { createExchangeAdapter, createRegistryAdapterFromConfig } from './adapters.ts';
import { startCatalogSubgraph } from './catalog/subgraph.ts';
import { startExchangeSubgraph, type UpstreamCacheOptions } from './common/exchange-server.ts';
import { startRegistrySubgraph } from './registry/subgraph.ts';
import type { RunningServer } from './common/server.ts';
import { principalVerifier } from '../lib/principal-token.ts';

export const SUBGRAPH_NAMES = ['catalog', ...EXCHANGES.map((e) => e.id), 'registry'] as const;

export interface LaunchOptions {
  config: DataexConfig;
  /** Base URL of each upstream (exchange ids and "registry"). */
  upstreamUrls: Record<string, string>;
  cache: CacheSetup;
  port: number;
  /** Secret the gateway signs callers with. */
  signingSecret: string;
}

/** Nonces of accepted principal headers go to Redis when there is one, so every replica refuses a replay. */
function verifierOf(options: LaunchOptions) {
  return principalVerifier(options.signingSecret, options.cache.redis);
}

function upstreamCache(cache: CacheSetup, config: DataexConfig, upstream: string, ttlFactor = 1): UpstreamCacheOptions {
  return {
    store: cache.store(`up:${upstream}:`),
    bus: cache.bus,
    ttlMs: config.upstreamTtlS * 1000 * ttlFactor,
    staleMs: config.staleLimitS * 1000 * ttlFactor,
  };
}

function upstreamUrl(urls: Record<string, string>, name: string): string {
  const url = urls[name];
  if (!url) throw new Error(`no URL for upstream ${name}: set DATAEX_${name.toUpperCase()}_URL`);
  return url;
}

export function startCatalog(options: LaunchOptions) {
  const { config, cache } = options;
  return startCatalogSubgraph({
    adapters: EXCHANGES.map((e) => createExchangeAdapter(e.id, upstreamUrl(options.upstreamUrls, e.id), config)),
    port: options.port,
    host: config.host,
    verifier: verifierOf(options),
    harvestIntervalMs: config.harvestIntervalMs,
    probeIntervalMs: config.probeIntervalMs,
    metrics: config.metrics,
    onHarvest: (exchange, diff) => {
      // Changed or vanished listings: drop them everywhere. New or vanished ones change search results.
      const gone = [...diff.changed, ...diff.removed];
      if (gone.length > 0) void cache.bus.publish({ kind: 'datasets', ids: gone });
      if (diff.added.length + diff.removed.length > 0) void cache.bus.publish({ kind: 'exchange', exchange, upstream: false });
    },
  });
}

/** Any subgraph but the catalog (which has its own start, for its harvest handle). */
export function startDataSubgraph(name: string, options: LaunchOptions): Promise<RunningServer> {
  const { config, cache } = options;
  if (name === 'registry') {
    return startRegistrySubgraph({
      adapter: createRegistryAdapterFromConfig(upstreamUrl(options.upstreamUrls, 'registry'), config),
      // Registrations change rarely: keep them 60 times longer than exchange details.
      cache: upstreamCache(cache, config, 'registry', 60),
      verifier: verifierOf(options),
      port: options.port,
      host: config.host,
      metrics: config.metrics,
    });
  }
  const definition = exchangeById(name);
  if (!definition) throw new Error(`unknown subgraph ${name}; choose from ${SUBGRAPH_NAMES.join(', ')}`);
  return startExchangeSubgraph({
    definition,
    adapter: createExchangeAdapter(name, upstreamUrl(options.upstreamUrls, name), config),
    cache: upstreamCache(cache, config, name),
    verifier: verifierOf(options),
    port: options.port,
    host: config.host,
    metrics: config.metrics,
  });
}
