// The execution step: the operation run by Apollo Server (and through it the gateway's
// plugins, the query planner and the subgraph calls) as a caller, with the request's
// deadline. Plugins report what they learn through `context.outcome` (contracts.ts).

import type { IncomingMessage } from 'node:http';
import type { ApolloServer, HTTPGraphQLRequest, HTTPGraphQLResponse } from '@apollo/server';
import { headerMapOf } from '../../lib/apollo-http.ts';
import type { Principal } from '../../lib/principal.ts';
import type { GatewayContext } from '../contracts.ts';

export interface Execution {
  response: HTTPGraphQLResponse;
  context: GatewayContext;
}

/** Runs `request` as `principal`; `savedQuery` names the saved query it is a run of. */
export type Executor = (request: HTTPGraphQLRequest, principal: Principal, savedQuery?: string) => Promise<Execution>;

export function createExecutor(apollo: ApolloServer<GatewayContext>, deadlineMs: number): Executor {
  return async (request, principal, savedQuery) => {
    const context: GatewayContext = { principal, stale: new Set(), outcome: {}, deadline: Date.now() + deadlineMs };
    if (savedQuery) context.savedQuery = savedQuery;
    const response = await apollo.executeHTTPGraphQLRequest({ httpGraphQLRequest: request, context: async () => context });
    return { response, context };
  };
}

/** An HTTP request as Apollo reads it (`search`: the query string, "?" included; `body`: the parsed POST body). */
export function apolloRequestOf(req: IncomingMessage, search: string, body: unknown): HTTPGraphQLRequest {
  return { method: req.method ?? 'GET', headers: headerMapOf(req), search, body };
}

/**
 * An operation run in-process for the caller of `req` (a saved-query run, the console's
 * examples): sent as JSON and answered as JSON whatever the original request asked for (e.g.
 * `Accept: text/csv` on an export), with the caller's other headers (CSRF prevention, tracing).
 */
export function jsonRequestOf(req: IncomingMessage, operation: object): HTTPGraphQLRequest {
  const headers = headerMapOf(req);
  headers.set('content-type', 'application/json');
  headers.set('accept', 'application/json');
  headers.delete('content-length');
  return { method: 'POST', headers, search: '', body: operation };
}
