// How a subgraph tells the gateway it answered from stale upstream data: a response header
// naming the upstreams, which the gateway turns into `extensions.stale` for the client.

import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { Header } from '../../lib/headers.ts';

export interface StaleAware extends BaseContext {
  /** Upstreams (exchange ids, "registry") whose data in this answer is stale. */
  stale: Set<string>;
}

export function staleHeaderPlugin<C extends StaleAware>(): ApolloServerPlugin<C> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ contextValue, response }) {
          if (contextValue.stale.size > 0) response.http.headers.set(Header.STALE, [...contextValue.stale].sort().join(','));
        },
      };
    },
  };
}
