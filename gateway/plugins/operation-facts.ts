// Records what the audit log and the response cache need to know about an operation once it
// is answered: its name, document hash and error codes.

import type { ApolloServerPlugin } from '@apollo/server';
import type { GatewayContext } from '../contracts.ts';
import { ErrorCode } from '../../lib/error-codes.ts';

export function operationFactsPlugin(): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ contextValue, response, operationName, queryHash, request, operation }) {
          const result = response.body.kind === 'single' ? response.body.singleResult : undefined;
          contextValue.outcome.facts = {
            operationName: operationName ?? request.operationName ?? null,
            queryHash: queryHash ?? null,
            errorCodes: [...new Set((result?.errors ?? []).map((e) => String(e.extensions?.code ?? ErrorCode.INTERNAL_SERVER_ERROR)))],
            hasData: result?.data !== undefined && result?.data !== null,
            resolved: operation !== undefined,
          };
        },
      };
    },
  };
}
