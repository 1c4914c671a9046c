// Starts one exchange subgraph (beijing, shanghai, guiyang, or any added exchange).

import type { ExchangeAdapter } from './adapter.ts';
import type { DatasetDetail } from './model.ts';
import type { ExchangeDefinition } from '../exchanges.ts';
import type { CacheStore } from '../../lib/cache/store.ts';
import type { InvalidationBus } from '../../lib/cache/bus.ts';
import { CachedLookup } from '../../lib/cache/cached-lookup.ts';
import { exchangeContextFactory, exchangeResolvers, type ExchangeContext } from './exchange-subgraph.ts';
import { loadSubgraphTypeDefs, startSubgraphServer, type RunningServer } from './server.ts';
import { staleHeaderPlugin } from './stale.ts';
import type { PrincipalVerifier } from '../../lib/principal-token.ts';
import { trackUpstreamCache } from '../../lib/observability/metrics.ts';

export interface UpstreamCacheOptions {
  store: CacheStore;
  bus: InvalidationBus;
  ttlMs: number;
  staleMs: number;
}

export function startExchangeSubgraph(options: {
  definition: ExchangeDefinition;
  adapter: ExchangeAdapter;
  cache: UpstreamCacheOptions;
  verifier?: PrincipalVerifier;
  port: number;
  host: string;
  /** Serve /metrics (DATAEX_METRICS). */
  metrics?: boolean;
}): Promise<RunningServer> {
  const { definition, adapter, cache } = options;
  const exchange = definition.id;
  const details = new CachedLookup<DatasetDetail>({
    store: cache.store,
    namespace: 'detail:',
    ttlMs: cache.ttlMs,
    staleMs: cache.staleMs,
    fetch: (nativeIds) => adapter.details(nativeIds),
  });
  const untrack = trackUpstreamCache(exchange, details);
  // Harvest changes and admin purges drop the affected details.
  const prefix = `${exchange}:`;
  const unsubscribe = cache.bus.subscribe((message) => {
    if (message.kind === 'datasets') {
      const mine = message.ids.filter((id) => id.startsWith(prefix)).map((id) => id.slice(prefix.length));
      if (mine.length > 0) void details.invalidate(mine);
    } else if (message.kind === 'all' || (message.kind === 'exchange' && message.upstream && message.exchange === exchange)) {
      void cache.store.clear();
    }
  });
  return startSubgraphServer<ExchangeContext>({
    name: exchange,
    typeDefs: loadSubgraphTypeDefs(exchange),
    resolvers: exchangeResolvers(exchange, definition.typeName),
    context: exchangeContextFactory(details, exchange),
    plugins: [staleHeaderPlugin<ExchangeContext>()],
    verifier: options.verifier,
    port: options.port,
    host: options.host,
    metrics: options.metrics,
    onClose: async () => {
      unsubscribe();
      untrack();
      await adapter.close();
    },
  });
}
