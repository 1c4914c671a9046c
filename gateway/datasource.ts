// The gateway's subgraph data source: RemoteGraphQLDataSource plus what crosses the
// gateway–subgraph boundary besides GraphQL: the caller going out (signed by the fetcher),
// stale-data reports coming back, and calls that failed as a whole named by subgraph.

import { GraphQLError } from 'graphql';
import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { FetcherResponse } from '@apollo/utils.fetcher';
import type { GatewayGraphQLRequestContext, GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import { STALE_HEADER } from '../subgraphs/common/stale.ts';
import { PRINCIPAL_HEADER, encodeClaims } from '../lib/principal-token.ts';
import { DEADLINE_HEADER } from './fetcher.ts';
import type { GatewayContext } from './server.ts';

// One encoding per principal object (they live as long as the key store's cache entry).
const claimsOf = new WeakMap<object, string>();

const TRANSPORT_REASONS: Record<string, string> = {
  UND_ERR_HEADERS_TIMEOUT: 'no answer in time (subgraph timeout or request deadline)',
  UND_ERR_BODY_TIMEOUT: 'no complete answer in time (subgraph timeout or request deadline)',
  UND_ERR_CONNECT_TIMEOUT: 'connect timed out',
  UND_ERR_ABORTED: 'call aborted',
  UND_ERR_SOCKET: 'connection lost',
  UND_ERR_CLOSED: 'connection closed',
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
};

/** Why a subgraph call failed, in words that carry no address, URL or body. */
function failureReason(error: Error, response: FetcherResponse | undefined): string {
  if (response && !response.ok) return `HTTP ${response.status}`;
  if (error instanceof SyntaxError) return 'unreadable response';
  for (let e: unknown = error, depth = 0; e && typeof e === 'object' && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return TRANSPORT_REASONS[code] ?? `request failed (${code})`;
  }
  return 'request failed';
}

export class DataexDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  /** The subgraph's name in the supergraph (set through the constructor's config). */
  declare readonly serviceName: string;

  constructor(config: Partial<RemoteGraphQLDataSource<GatewayContext>> & { serviceName: string }) {
    super(config);
  }

  /**
   * A call that failed as a whole (cut by the subgraph timeout or the request deadline, refused,
   * reset, a non-GraphQL HTTP error) is UPSTREAM_UNAVAILABLE naming the subgraph; the gateway
   * would otherwise pass on the bare transport error (INTERNAL_SERVER_ERROR, nobody named, a
   * message that may hold an address). Errors that already carry a code (401/403) stay as they are.
   */
  override didEncounterError(error: Error, _fetchRequest: unknown, fetchResponse?: FetcherResponse): void {
    if (error instanceof GraphQLError && typeof error.extensions.code === 'string') throw error;
    throw new GraphQLError(`subgraph ${this.serviceName}: ${failureReason(error, fetchResponse)}`, {
      extensions: { code: 'UPSTREAM_UNAVAILABLE', serviceName: this.serviceName },
    });
  }

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
