// The gateway's subgraph data source: RemoteGraphQLDataSource plus what crosses the
// gateway–subgraph boundary besides GraphQL: the caller going out (signed by the fetcher),
// stale-data reports coming back, and calls that failed as a whole named by subgraph.

import { GraphQLError } from 'graphql';
import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { FetcherResponse } from '@apollo/utils.fetcher';
import type { GatewayGraphQLRequestContext, GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import { STALE_HEADER } from '../subgraphs/common/stale.ts';
import { PRINCIPAL_HEADER, encodeClaims } from '../lib/principal-token.ts';
import { AUDIENCE_HEADER, DEADLINE_HEADER } from './fetcher.ts';
import type { GatewayContext } from './server.ts';
import { cacheHintOf, type EntityCache } from './entity-cache.ts';
import { accessClass } from './response-cache/cache.ts';

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

  /** Answers of `_entities` fetches, per entity; undefined = off. */
  declare readonly entityCache: EntityCache | undefined;

  constructor(config: Partial<RemoteGraphQLDataSource<GatewayContext>> & { serviceName: string; entityCache?: EntityCache }) {
    super(config);
  }

  /**
   * Entity fetches go through the entity cache: only the representations without a fresh
   * cached answer are sent; the answer is reassembled in the original order, with error paths
   * pointing at the original positions.
   */
  override async process(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<GatewayGraphQLResponse> {
    const cache = this.entityCache;
    const { request } = options;
    const representations = request.variables?.representations;
    const principal = (options.context as Partial<GatewayContext>).principal;
    if (!cache || !principal || !Array.isArray(representations) || representations.length === 0 || !request.query?.startsWith('query') || !request.query.includes('_entities(')) {
      return super.process(options);
    }
    const { representations: _reps, ...otherVariables } = request.variables ?? {};
    const scope = cache.scope(this.serviceName, request.query, JSON.stringify(otherVariables), accessClass(principal));
    const keys = representations.map((r) => cache.key(scope, r));
    const now = Date.now();
    const cached = keys.map((k) => cache.get(k, now));
    const missing = cached.flatMap((c, i) => (c ? [] : [i]));
    const policy = 'incomingRequestContext' in options ? options.incomingRequestContext.overallCachePolicy : undefined;
    const hitMaxAge = Math.min(...cached.filter((c) => c !== undefined).map((c) => Math.floor((c!.expiresAt - now) / 1000)));
    cache.hits += representations.length - missing.length;
    cache.misses += missing.length;
    if (missing.length < representations.length && Number.isFinite(hitMaxAge)) policy?.restrict({ maxAge: Math.max(0, hitMaxAge) });
    if (missing.length === 0) return { data: { _entities: cached.map((c) => c!.value) } };

    const response = await super.process({ ...options, request: { ...request, variables: { ...request.variables, representations: missing.map((i) => representations[i]) } } });
    const fetched = (response.data as { _entities?: unknown[] } | undefined)?._entities;
    if (!Array.isArray(fetched)) return response;

    // Errors name positions in the list we sent: map them back to the original list.
    const failed = new Set<number>();
    const errors = response.errors?.map((e) => {
      const path = e.path;
      if (!path || path[0] !== '_entities' || typeof path[1] !== 'number') return e;
      failed.add(path[1]);
      return { ...e, path: ['_entities', missing[path[1]], ...path.slice(2)] };
    });
    const hint = cacheHintOf(response.http?.headers.get('cache-control'));
    const cacheable = hint.maxAgeS > 0 && !hint.private && !response.http?.headers.get(STALE_HEADER);
    const entities = cached.map((c) => c?.value);
    fetched.forEach((value, j) => {
      entities[missing[j]] = value;
      if (cacheable && value !== null && value !== undefined && !failed.has(j)) cache.set(keys[missing[j]], value, hint.maxAgeS, now);
    });
    return { ...response, data: { ...(response.data as object), _entities: entities }, ...(errors ? { errors } : {}) };
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
    // The fetcher signs the call for this subgraph only.
    request.http.headers.set(AUDIENCE_HEADER, this.serviceName);
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
