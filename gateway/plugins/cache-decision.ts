// Decides whether an answer may go into the response cache, and for how long and whom:
// queries only, no errors, no stale parts, TTL and scope from the subgraphs' cache hints
// (the gateway folds their Cache-Control headers into the overall cache policy).

import type { ApolloServerPlugin } from '@apollo/server';
import type { GatewayContext } from '../contracts.ts';

export function cacheDecisionPlugin(): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      let isQuery = false;
      return {
        async didResolveOperation({ operation }) {
          isQuery = operation?.operation === 'query';
        },
        async willSendResponse({ contextValue, response, overallCachePolicy }) {
          const policy = overallCachePolicy.policyIfCacheable();
          const clean = response.body.kind === 'single' && !response.body.singleResult.errors?.length;
          const fresh = !contextValue.stale || contextValue.stale.size === 0;
          contextValue.outcome.cacheDecision = {
            cacheable: isQuery && clean && fresh && policy !== null,
            maxAgeS: policy?.maxAge ?? 0,
            scope: policy?.scope === 'PRIVATE' ? 'PRIVATE' : 'PUBLIC',
            isQuery,
          };
        },
      };
    },
  };
}
