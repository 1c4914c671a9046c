// Allow-list mode (DATAEX_ONLY_SAVED=true): only saved queries run, through
// /saved-queries/:name/run (which marks the operation with `context.savedQuery`); any other
// operation is refused with FORBIDDEN (HTTP 403) unless the caller is an admin. A persisted-query
// (APQ) hash is not a saved query: it is refused like any ad-hoc operation. The check runs once
// the operation is resolved, before any response cache or execution.

import { GraphQLError } from 'graphql';
import type { ApolloServerPlugin } from '@apollo/server';
import type { DataexConfig } from '../../lib/config.ts';
import type { GatewayContext } from '../contracts.ts';
import { ErrorCode } from '../../lib/error-codes.ts';

export const ONLY_SAVED_MESSAGE =
  'this gateway runs saved queries only (DATAEX_ONLY_SAVED=true): run one with GET /saved-queries/<name>/run, list them with GET /saved-queries; ad-hoc operations need an admin API key';

export function onlySavedPlugin(config: Pick<DataexConfig, 'onlySaved'>): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      if (!config.onlySaved) return;
      return {
        async didResolveOperation({ contextValue }) {
          if (contextValue.savedQuery) return;
          if (contextValue.principal.role === 'admin') return;
          throw new GraphQLError(ONLY_SAVED_MESSAGE, { extensions: { code: ErrorCode.FORBIDDEN, http: { status: 403 } } });
        },
      };
    },
  };
}
