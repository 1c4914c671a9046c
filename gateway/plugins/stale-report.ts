// Tells the client which parts of an answer are stale: subgraphs that served last-known-good
// upstream data say so in a header (collected by DataexDataSource); here it becomes
// `extensions.stale` and the answer is marked uncacheable.

import type { ApolloServerPlugin } from '@apollo/server';
import type { GatewayContext } from '../contracts.ts';

export function staleReportPlugin(): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ contextValue, response }) {
          if (!contextValue.stale || contextValue.stale.size === 0 || response.body.kind !== 'single') return;
          const result = response.body.singleResult;
          result.extensions = {
            ...result.extensions,
            stale: [...contextValue.stale].sort().map((upstream) => ({
              exchange: upstream,
              message: `${upstream} is failing; its part of this answer is the last good data dataex has`,
            })),
          };
          response.http.headers.set('cache-control', 'no-store');
        },
      };
    },
  };
}
