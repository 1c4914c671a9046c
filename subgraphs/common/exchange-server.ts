// Starts one exchange subgraph (beijing, shanghai, guiyang, or any added exchange).

import type { ExchangeAdapter } from './adapter.ts';
import type { ExchangeDefinition } from '../exchanges.ts';
import { exchangeContextFactory, exchangeResolvers, type ExchangeContext } from './exchange-subgraph.ts';
import { loadSubgraphTypeDefs, startSubgraphServer, type RunningServer } from './server.ts';

export function startExchangeSubgraph(options: {
  definition: ExchangeDefinition;
  adapter: ExchangeAdapter;
  port: number;
  host: string;
}): Promise<RunningServer> {
  const { definition, adapter } = options;
  return startSubgraphServer<ExchangeContext>({
    name: definition.id,
    typeDefs: loadSubgraphTypeDefs(definition.id),
    resolvers: exchangeResolvers(definition.id, definition.typeName),
    context: exchangeContextFactory(adapter, definition.id),
    port: options.port,
    host: options.host,
    onClose: () => adapter.close(),
  });
}
