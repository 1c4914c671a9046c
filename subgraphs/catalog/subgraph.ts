// The catalog subgraph: harvests every exchange through its adapter into the search index
// and serves search, datasets, providers and exchange status.

import type { ExchangeAdapter } from '../common/adapter.ts';
import type { PrincipalVerifier } from '../../lib/principal-token.ts';
import type { UpstreamHealth } from '../common/resilience/index.ts';
import { loadSubgraphTypeDefs, startSubgraphServer, type RunningServer } from '../common/server.ts';
import { Harvester, type HarvestDiff } from './harvester.ts';
import { DatasetIndex } from './search-index.ts';
import { catalogResolvers, type CatalogContext } from './resolvers.ts';
import { log } from '../../lib/observability/log.ts';
import { trackHarvester } from '../../lib/observability/metrics.ts';

export interface CatalogOptions {
  adapters: readonly ExchangeAdapter[];
  port: number;
  host: string;
  verifier?: PrincipalVerifier;
  harvestIntervalMs: number;
  probeIntervalMs: number;
  onHarvest?: (exchange: string, diff: HarvestDiff) => void;
  /** Serve /metrics (DATAEX_METRICS). */
  metrics?: boolean;
}

export interface RunningCatalog extends RunningServer {
  harvester: Harvester;
  index: DatasetIndex;
  /** Resolves when every exchange has been harvested (or has failed) once. */
  firstHarvest: Promise<void>;
}

function breakerDetail(h: UpstreamHealth | undefined) {
  if (!h) return null;
  return {
    state: h.breaker,
    openedAt: h.openedAt,
    nextProbeAt: h.nextProbeAt,
    openReason: h.openReason,
    window: h.window,
    inFlight: h.inFlight,
    queued: h.queued,
    counters: h.counters,
  };
}

export async function startCatalogSubgraph(options: CatalogOptions): Promise<RunningCatalog> {
  const index = new DatasetIndex();
  const harvester = new Harvester({
    adapters: options.adapters,
    index,
    intervalMs: options.harvestIntervalMs,
    probeIntervalMs: options.probeIntervalMs,
    onHarvest: options.onHarvest,
    log: (m) => log.warn({ component: 'catalog' }, m),
  });
  // Harvest age, listings and staleness per exchange, read at scrape time.
  const untrack = trackHarvester(() => harvester.allStates());
  const server = await startSubgraphServer<CatalogContext>({
    name: 'catalog',
    typeDefs: loadSubgraphTypeDefs('catalog'),
    resolvers: catalogResolvers({ index, harvester }),
    context: async (_req, principal) => ({ principal }),
    verifier: options.verifier,
    port: options.port,
    host: options.host,
    metrics: options.metrics,
    readiness: () => ({
      ready: harvester.ready,
      detail: {
        exchanges: harvester.allStates().map((s) => ({
          id: s.info.id,
          status: s.status,
          stale: s.stale,
          datasets: s.datasetCount,
          lastHarvestAt: s.lastHarvestAt,
          // This process's circuit breaker for the exchange (null: no client of it here).
          breaker: breakerDetail(harvester.breakerHealth(s.info.id)),
        })),
      },
    }),
    onClose: async () => {
      untrack();
      harvester.stop();
      await Promise.all(options.adapters.map((a) => a.close()));
    },
  });
  const firstHarvest = harvester.start();
  return { ...server, harvester, index, firstHarvest };
}
