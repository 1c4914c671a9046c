// The gateway's subgraph data source: RemoteGraphQLDataSource plus what crosses the
// gateway–subgraph boundary besides GraphQL: stale-data reports coming back.

import { RemoteGraphQLDataSource } from '@apollo/gateway';
import type { GatewayGraphQLRequestContext, GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import { STALE_HEADER } from '../subgraphs/common/stale.ts';
import type { GatewayContext } from './server.ts';

export class DataexDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  override didReceiveResponse({
    response,
    context,
  }: Required<Pick<GatewayGraphQLRequestContext<GatewayContext>, 'request' | 'response' | 'context'>>): GatewayGraphQLResponse {
    const stale = response.http?.headers.get(STALE_HEADER);
    if (stale && context.stale) for (const upstream of stale.split(',')) context.stale.add(upstream.trim());
    return response;
  }
}
