// The registry subgraph: Provider.registration from the enterprise registry, one batched
// look-up per request.

import DataLoader from 'dataloader';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import type { RegistryAdapter } from '../common/adapter.ts';
import type { Registration } from '../common/model.ts';
import { LongScalar } from '../common/scalars.ts';
import { toMoney } from '../common/money.ts';
import { loadSubgraphTypeDefs, startSubgraphServer, type RunningServer } from '../common/server.ts';

interface RegistryContext {
  registrations: DataLoader<string, Registration | null>;
}

function registrationLoader(adapter: RegistryAdapter): DataLoader<string, Registration | null> {
  return new DataLoader(
    async (codes) => {
      const found = await adapter.lookup(codes);
      return codes.map((c) => found.get(c) ?? null);
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

export function startRegistrySubgraph(options: { adapter: RegistryAdapter; port: number; host: string }): Promise<RunningServer> {
  return startSubgraphServer<RegistryContext>({
    name: 'registry',
    typeDefs: loadSubgraphTypeDefs('registry'),
    resolvers: registryResolvers,
    context: async () => ({ registrations: registrationLoader(options.adapter) }),
    port: options.port,
    host: options.host,
    onClose: () => options.adapter.close(),
  });
}
