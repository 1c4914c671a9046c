// The gateway's subgraph data source: RemoteGraphQLDataSource plus what crosses the
// gateway–subgraph boundary besides GraphQL: the caller going out (signed by the fetcher),
// stale-data reports coming back.

import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayGraphQLRequestContext, GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import { STALE_HEADER } from '../subgraphs/common/stale.ts';
import { PRINCIPAL_HEADER, encodeClaims } from '../lib/principal-token.ts';
import { DEADLINE_HEADER } from './fetcher.ts';
import type { GatewayContext } from './server.ts';

// One encoding per principal object (they live as long as the key store's cache entry).
const claimsOf = new WeakMap<object, string>();

export class DataexDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): void {
    const { principal, deadline } = context as Partial<GatewayContext>;
    if (!request.http) return;
    if (deadline) request.http.headers.set(DEADLINE_HEADER, String(deadline));
    if (!principal) return;
    let claims = claimsOf.get(principal);
    if (!claims) claimsOf.set(principal, (claims = encodeClaims(principal)));
    request.http.headers.set(PRINCIPAL_HEADER, claims);
  }

  override didReceiveResponse({
    response,
    context,
  }: Required<Pick<GatewayGraphQLRequestContext<GatewayContext>, 'request' | 'response' | 'context'>>): GatewayGraphQLResponse {
    const stale = response.http?.headers.get(STALE_HEADER);
    if (stale && context.stale) for (const upstream of stale.split(',')) context.stale.add(upstream.trim());
    return response;
  }
}
