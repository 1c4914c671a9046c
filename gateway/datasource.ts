// The gateway's subgraph data source: RemoteGraphQLDataSource plus what crosses the
// gateway–subgraph boundary besides GraphQL: the caller going out (signed by the fetcher),
// stale-data reports coming back, and calls that failed as a whole named by subgraph. A
// subgraph that answered an HTTP error status with GraphQL errors answered: its errors pass on.
// Entity fetches go through the entity cache, and their error paths are corrected.

import { GraphQLError } from 'graphql';
import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { FetcherResponse } from '@apollo/utils.fetcher';
import type { GatewayGraphQLRequestContext, GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import { encodeClaims } from '../lib/principal-token.ts';
import { Header } from '../lib/headers.ts';
import type { GatewayContext } from './contracts.ts';
import { fetchThroughEntityCache, type EntityCache } from './entity-cache.ts';
import { correctEntityErrorPaths } from './entity-paths.ts';
import { ErrorCode } from '../lib/error-codes.ts';
import { describeTransportError } from '../lib/transport-errors.ts';
import { log } from '../lib/observability/log.ts';
import { PlainHeaders } from './fetcher.ts';
import type { PlannedFetchSource } from './plan-execution.ts';

/** @apollo/gateway's parseCacheControlHeader (datasources/parseCacheControlHeader.js, not exported). */
function parseCacheControlHeader(header: string | null | undefined): Record<string, string | true> {
  const cc: Record<string, string | true> = {};
  if (!header) return cc;
  for (const part of header.trim().split(/\s*,\s*/)) {
    const [k, v] = part.split(/\s*=\s*/, 2);
    cc[k] = v === undefined ? true : v.replace(/^"|"$/g, '');
  }
  return cc;
}

// One encoding per principal object (they live as long as the key store's cache entry).
const claimsOf = new WeakMap<object, string>();

/** What set a subgraph call's headers and body timers (gateway/fetcher.ts): the shorter of the two. */
const CALL_TIMER = 'subgraph timeout or request deadline';

/**
 * Why a subgraph call failed, in words that carry no address, URL or body, and whether that
 * is no answer (UPSTREAM_UNAVAILABLE: refused, reset, timed out, 5xx/408/429) or an answer that
 * is not GraphQL (UPSTREAM_ERROR: another HTTP error without a GraphQL body, an unreadable body).
 */
function failureOf(error: Error, response: FetcherResponse | undefined): { code: typeof ErrorCode.UPSTREAM_UNAVAILABLE | typeof ErrorCode.UPSTREAM_ERROR; reason: string } {
  if (response && !response.ok) {
    const noAnswer = response.status >= 500 || response.status === 408 || response.status === 429;
    return noAnswer ? { code: ErrorCode.UPSTREAM_UNAVAILABLE, reason: `HTTP ${response.status}` } : { code: ErrorCode.UPSTREAM_ERROR, reason: `HTTP ${response.status} without a GraphQL answer` };
  }
  if (error instanceof SyntaxError) return { code: ErrorCode.UPSTREAM_ERROR, reason: 'unreadable response' };
  if (/^Expected JSON response body/.test(error.message)) return { code: ErrorCode.UPSTREAM_ERROR, reason: 'not a GraphQL response' };
  return { code: ErrorCode.UPSTREAM_UNAVAILABLE, reason: describeTransportError(error, { timers: { headers: CALL_TIMER, body: CALL_TIMER } }) };
}

/** A GraphQL response body: `errors`, a non-empty list of objects with a message. */
function isGraphQLBody(body: unknown): body is { data?: Record<string, unknown> | null; errors: Array<{ message: string }> } {
  const errors = (body as { errors?: unknown } | null)?.errors;
  return Array.isArray(errors) && errors.length > 0 && errors.every((e) => typeof (e as { message?: unknown } | null)?.message === 'string');
}

/** Thrown through RemoteGraphQLDataSource when the subgraph answered an HTTP error status with GraphQL errors. */
class SubgraphAnswered extends Error {
  readonly response: GatewayGraphQLResponse;
  constructor(response: GatewayGraphQLResponse) {
    super('the subgraph answered with errors');
    this.response = response;
  }
}

export class DataexDataSource extends RemoteGraphQLDataSource<GatewayContext> implements PlannedFetchSource {
  /** The subgraph's name in the supergraph (set through the constructor's config). */
  declare readonly serviceName: string;

  /** Answers of `_entities` fetches, per entity; undefined = off. */
  declare readonly entityCache: EntityCache | undefined;

  constructor(config: Partial<RemoteGraphQLDataSource<GatewayContext>> & { serviceName: string; entityCache?: EntityCache }) {
    super(config);
  }

  /**
   * A fetch of @apollo/gateway's own executor (which dataex's gateways use only for requests
   * that capture usage-reporting traces): through the entity cache, with the error paths of
   * entity fetches corrected (entity-paths.ts).
   */
  override async process(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<GatewayGraphQLResponse> {
    return correctEntityErrorPaths(options, await this.processPlanned(options));
  }

  /**
   * A fetch of dataex's own plan executor (plan-execution.ts), which sends each distinct
   * representation once and puts error paths right itself: through the entity cache (when on).
   */
  async processPlanned(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<GatewayGraphQLResponse> {
    const send = (o: GraphQLDataSourceProcessOptions<GatewayContext>) => this.send(o);
    return this.entityCache ? fetchThroughEntityCache(this.entityCache, this.serviceName, options, send) : send(options);
  }

  /** One subgraph call; an HTTP error status with GraphQL errors is the subgraph's answer. */
  private async send(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<GatewayGraphQLResponse> {
    try {
      return await this.call(options);
    } catch (e) {
      if (!(e instanceof SubgraphAnswered)) throw e;
      // Not cacheable, whatever else the answer holds.
      if ('incomingRequestContext' in options) options.incomingRequestContext.overallCachePolicy?.restrict({ maxAge: 0 });
      return e.response;
    }
  }

  /**
   * RemoteGraphQLDataSource's `process` (with `apq` off, as dataex leaves it), step for step:
   * the request's headers plus Content-Type, willSendRequest, the body `{ query, …the rest }`,
   * the fetcher, errorFromResponse for an HTTP error status, parseBody, an answer that is not an
   * object refused, didEncounterError on any failure, didReceiveResponse, and the subgraph's
   * Cache-Control folded into the operation's cache policy. Without the node-fetch Headers and
   * Request objects it builds for every call (its URL parsed each time), which were a tenth of
   * the gateway's CPU on the public benchmark's query (bench/results/issue20-profile.md): the
   * fetcher (fetcher.ts) takes plain objects, and no hook of this class reads the Request.
   */
  private async call(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<GatewayGraphQLResponse> {
    const { request, context } = options;
    const incoming = 'incomingRequestContext' in options ? options : undefined;
    const headers = new PlainHeaders();
    if (request.http?.headers) for (const [name, value] of request.http.headers) headers.append(name, value);
    headers.set('content-type', 'application/json');
    request.http = { method: 'POST', url: this.url, headers };
    this.willSendRequest(options);
    if (!request.query) throw new Error('Missing query');
    const { query, http, ...rest } = request;
    const policy =
      this.honorSubgraphCacheControlHeader && incoming?.incomingRequestContext.overallCachePolicy && 'restrict' in incoming.incomingRequestContext.overallCachePolicy
        ? incoming.incomingRequestContext.overallCachePolicy
        : null;
    const init = { method: http.method, headers: Object.fromEntries(http.headers), body: JSON.stringify({ query, ...rest }) };
    const sent = { query, ...rest, http };
    let fetchResponse: FetcherResponse | undefined;
    let response: GatewayGraphQLResponse;
    try {
      fetchResponse = await this.fetcher(http.url, init);
      if (!fetchResponse.ok) throw await this.errorFromResponse(fetchResponse);
      const body = await this.parseBody(fetchResponse);
      if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new Error(`Expected JSON response body, but received: ${body}`);
      response = { ...(body as GatewayGraphQLResponse), http: fetchResponse };
    } catch (error) {
      // No hook here reads the node-fetch Request RemoteGraphQLDataSource would pass.
      this.didEncounterError(error as Error, undefined, fetchResponse);
      throw error;
    }
    const processed = this.didReceiveResponse({ response, request: sent, context: context as GatewayContext, ...(incoming ? { pathInIncomingRequest: incoming.pathInIncomingRequest } : {}) });
    if (policy) {
      const parsed = parseCacheControlHeader(fetchResponse.headers.get('cache-control'));
      const hint: { maxAge: number; scope?: 'PRIVATE' | 'PUBLIC' } = { maxAge: 0 };
      const maxAge = parsed['max-age'];
      if (typeof maxAge === 'string' && /^[0-9]+$/.test(maxAge)) hint.maxAge = +maxAge;
      if (parsed.private === true) hint.scope = 'PRIVATE';
      if (parsed.public === true) hint.scope = 'PUBLIC';
      policy.restrict(hint as never);
    }
    return processed;
  }

  /**
   * A call that failed as a whole is named by subgraph: UPSTREAM_UNAVAILABLE when no answer came
   * (cut by the subgraph timeout or the request deadline, refused, reset, 5xx without a GraphQL
   * body), UPSTREAM_ERROR when what came is not GraphQL; the gateway would otherwise pass on the
   * bare transport error (INTERNAL_SERVER_ERROR, nobody named, a message that may hold an
   * address). An HTTP error status WITH GraphQL errors is the subgraph's answer: `send` returns
   * it, and its errors keep their messages, codes and paths. An HTTP 401 or 403 is the subgraph
   * refusing the gateway's signed call (the signing secrets differ, or the clocks are apart):
   * the gateway's fault, never the caller's, so it is UPSTREAM_ERROR naming the subgraph, not
   * the UNAUTHENTICATED or FORBIDDEN that would send a caller with a good key to look at it.
   */
  override didEncounterError(error: Error, _fetchRequest?: unknown, fetchResponse?: FetcherResponse): void {
    if (fetchResponse?.status === 401 || fetchResponse?.status === 403) {
      log.error(
        { component: 'gateway', subgraph: this.serviceName, status: fetchResponse.status },
        "a subgraph refused the gateway's signed call: check that DATAEX_SIGNING_SECRET is the same for the gateway and every subgraph, and the clocks",
      );
      throw new GraphQLError(`subgraph ${this.serviceName}: refused the gateway's call (HTTP ${fetchResponse.status})`, {
        extensions: { code: ErrorCode.UPSTREAM_ERROR, serviceName: this.serviceName },
      });
    }
    if (error instanceof GraphQLError && typeof error.extensions.code === 'string') throw error;
    const body = error instanceof GraphQLError ? (error.extensions.response as { body?: unknown } | undefined)?.body : undefined;
    if (fetchResponse && !fetchResponse.ok && isGraphQLBody(body)) throw new SubgraphAnswered({ ...body, http: fetchResponse });
    const { code, reason } = failureOf(error, fetchResponse);
    throw new GraphQLError(`subgraph ${this.serviceName}: ${reason}`, { extensions: { code, serviceName: this.serviceName } });
  }

  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): void {
    const { principal, deadline } = context as Partial<GatewayContext>;
    if (!request.http) return;
    if (deadline) request.http.headers.set(Header.DEADLINE, String(deadline));
    if (!principal) return;
    let claims = claimsOf.get(principal);
    if (!claims) claimsOf.set(principal, (claims = encodeClaims(principal)));
    request.http.headers.set(Header.PRINCIPAL, claims);
    // The fetcher signs the call for this subgraph only.
    request.http.headers.set(Header.AUDIENCE, this.serviceName);
  }

  override didReceiveResponse({ response, context }: Required<Pick<GatewayGraphQLRequestContext<GatewayContext>, 'request' | 'response' | 'context'>>): GatewayGraphQLResponse {
    const stale = response.http?.headers.get(Header.STALE);
    if (stale && context.stale) for (const upstream of stale.split(',')) context.stale.add(upstream.trim());
    return response;
  }
}
