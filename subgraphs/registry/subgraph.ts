// The registry subgraph: Provider.registration from the enterprise registry, one batched
// look-up per request, cached across requests (single-flight, stale-if-error).

import DataLoader from 'dataloader';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import type { RegistryAdapter } from '../common/adapter.ts';
import type { Registration } from '../common/model.ts';
import { LongScalar } from '../common/scalars.ts';
import { toMoney } from '../common/money.ts';
import { loadSubgraphTypeDefs, startSubgraphServer, type RunningServer } from '../common/server.ts';
import { staleHeaderPlugin, type StaleAware } from '../common/stale.ts';
import { CachedLookup } from '../../lib/cache/cached-lookup.ts';
import type { UpstreamCacheOptions } from '../common/exchange-server.ts';
import type { PrincipalVerifier } from '../../lib/principal-token.ts';
import { trackUpstreamCache } from '../../lib/observability/metrics.ts';

interface RegistryContext extends StaleAware {
  registrations: DataLoader<string, Registration | null>;
}

function registrationLoader(lookup: CachedLookup<Registration>, stale: Set<string>): DataLoader<string, Registration | null> {
  return new DataLoader(
    async (codes) => {
      const found = await lookup.getMany(codes);
      return codes.map((code) => {
        const result = found.get(code);
        if (result?.stale) stale.add('registry');
        return result?.value ?? null;
      });
    },
    // The registry takes at most 100 codes a call; the adapter chunks, the loader keeps one batch.
    { maxBatchSize: 1_000 },
  );
}

export const registryResolvers: GraphQLResolverMap<RegistryContext> = {
  Long: LongScalar,
  Provider: {
    __resolveReference: (ref: { creditCode: string }) => ({ creditCode: ref.creditCode }),
    registration: (p: { creditCode: string }, _args: unknown, ctx: RegistryContext) => ctx.registrations.load(p.creditCode),
  },
  Registration: {
    registeredCapital: (r: Registration) => (r.registeredCapitalFen === null ? null : toMoney(r.registeredCapitalFen)),
  },
} as GraphQLResolverMap<RegistryContext>;

export function startRegistrySubgraph(options: {
  adapter: RegistryAdapter;
  cache: UpstreamCacheOptions;
  verifier?: PrincipalVerifier;
  port: number;
  host: string;
  /** Serve /metrics (DATAEX_METRICS). */
  metrics?: boolean;
}): Promise<RunningServer> {
  const { adapter, cache } = options;
  const lookup = new CachedLookup<Registration>({
    store: cache.store,
    namespace: 'registration:',
    ttlMs: cache.ttlMs,
    staleMs: cache.staleMs,
    fetch: async (codes) => {
      const found = await adapter.lookup(codes);
      return new Map(codes.map((c) => [c, found.get(c) ?? null]));
    },
  });
  const untrack = trackUpstreamCache('registry', lookup);
  const unsubscribe = cache.bus.subscribe((message) => {
    if (message.kind === 'all') void cache.store.clear();
  });
  return startSubgraphServer<RegistryContext>({
    name: 'registry',
    typeDefs: loadSubgraphTypeDefs('registry'),
    resolvers: registryResolvers,
    context: async () => {
      const stale = new Set<string>();
      return { stale, registrations: registrationLoader(lookup, stale) };
    },
    plugins: [staleHeaderPlugin<RegistryContext>()],
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
