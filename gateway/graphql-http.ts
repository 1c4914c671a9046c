// POST/GET /graphql on the gateway, in order: who is asking (API key; an address that keeps
// sending unknown keys is refused first), rate limit, allow-list mode, response cache (a hit is
// written from stored bytes before Apollo sees the request; a stale one is refreshed in the
// background), identical concurrent requests of one caller sharing one execution, static
// document limits, then Apollo Server; cacheable answers are stored. Every answered request
// leaves one audit line (refusals at a bounded rate per address: admission.ts).

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApolloServer, HTTPGraphQLResponse } from '@apollo/server';
import { EMPTY_BODY, HttpError, parseJsonBody, readBodyThen, sendError } from '../lib/http.ts';
import { headerMapOf } from '../lib/apollo-http.ts';
import { ANONYMOUS, type Principal } from '../lib/principal.ts';
import { hasCredentials } from './auth/keys.ts';
import type { Admission } from './admission.ts';
import { ONLY_SAVED_MESSAGE } from './plugins/only-saved.ts';
import { ageOf, cacheKeys, datasetIdsOf, isStale, type CacheKeys, type CachedResponse, type ResponseCache } from './response-cache/cache.ts';
import type { DocumentChecker } from './limits/document-limits.ts';
import type { OperationFacts } from './contracts.ts';
import { answerPart, hitLine, maskVariables, type AuditEntry, type AuditLog } from './audit/log.ts';
import type { GatewayContext } from './contracts.ts';
import { observeOperation } from '../lib/observability/http.ts';
import { bindActiveContext } from '../lib/observability/tracing.ts';
import { log } from '../lib/observability/log.ts';
import { ErrorCode } from '../lib/error-codes.ts';

export interface GraphQLEndpointDeps {
  apollo: ApolloServer<GatewayContext>;
  /** Who is asking; a promise only when a key has to be looked up. */
  principalOf(req: IncomingMessage): Principal | Promise<Principal>;
  /** Response cache; undefined = off. */
  cache: ResponseCache | undefined;
  bodyLimitBytes: number;
  documents: DocumentChecker;
  /** Rate limits, unknown-key refusals and the audit allowance of refusals. */
  admission: Admission;
  /** Allow-list mode (DATAEX_ONLY_SAVED): ad-hoc operations are refused, before the cache, unless the caller is an admin. */
  onlySaved: boolean;
  audit: AuditLog | undefined;
  /** Answer within this long; subgraph calls are cut then. */
  deadlineMs: number;
}

/** A finished answer that identical concurrent requests may share. */
interface SharedAnswer {
  status: number;
  headers: Array<[string, string]>;
  body: string;
  isQuery: boolean;
  operationName: string | null;
  queryHash: string | null;
}

/** Codes a refusal is answered with (the caller may not, or asked too much). */
const REFUSAL_CODES = new Set<string>([ErrorCode.QUERY_TOO_COMPLEX, ErrorCode.FORBIDDEN, ErrorCode.UNAUTHENTICATED, ErrorCode.RATE_LIMITED, ErrorCode.PERSISTED_QUERY_NOT_SUPPORTED]);

/** An executed operation's outcome for the audit log, from its error codes. */
export function outcomeOf(errorCodes: readonly string[], hasData: boolean): AuditEntry['outcome'] {
  if (errorCodes.length === 0) return 'ok';
  if (hasData) return 'partial';
  return errorCodes.some((c) => REFUSAL_CODES.has(c)) ? 'refused' : 'error';
}

/** The error codes of an answer's body (for answers no plugin saw). */
function errorCodesOf(text: string, status: number): string[] {
  try {
    const body = JSON.parse(text) as { errors?: Array<{ extensions?: { code?: unknown } }> };
    const codes = [...new Set((body.errors ?? []).map((e) => String(e.extensions?.code ?? ErrorCode.BAD_REQUEST)))];
    if (codes.length > 0) return codes;
  } catch {
    /* not JSON */
  }
  return status >= 400 ? [ErrorCode.BAD_REQUEST] : [];
}

/** Codes of a request GraphQL could not run: not parsed, not valid, variables not coerced. */
const REQUEST_ERROR_CODES = new Set<string>([ErrorCode.GRAPHQL_PARSE_FAILED, ErrorCode.GRAPHQL_VALIDATION_FAILED, ErrorCode.BAD_USER_INPUT]);

/**
 * GraphQL over HTTP: a well-formed request whose document does not parse or validate, or whose
 * variables do not coerce, is answered 200 when the answer is `application/json` and the client
 * asked for it (an Accept header), 4xx for `application/graphql-response+json`. A request
 * without an Accept header keeps Apollo's 400 (as before: such clients read the status). Requests
 * refused before GraphQL ran (CSRF prevention, no facts) and refusals by limits keep theirs.
 */
function requestErrorStatus(req: IncomingMessage, response: HTTPGraphQLResponse, facts: OperationFacts | undefined): number {
  const status = response.status ?? 200;
  if (status !== 400 || !facts || facts.hasData || req.headers.accept === undefined) return status;
  if (!response.headers.get('content-type')?.startsWith('application/json')) return status;
  return facts.errorCodes.length > 0 && facts.errorCodes.every((c) => REQUEST_ERROR_CODES.has(c)) ? 200 : status;
}

/** Who an audit line names when the key sent is unknown or revoked. */
const UNKNOWN_CALLER: Principal = Object.freeze({ ...ANONYMOUS, id: 'unknown' }) as Principal;

/** What the audit line of this request will say; filled in as the request goes. */
type AuditDraft = Omit<AuditEntry, 'durationMs' | 'principal' | 'role'>;

/** One request on its way through the endpoint; filled in as it goes. */
interface RequestInFlight {
  req: IncomingMessage;
  res: ServerResponse;
  search: string;
  /** The server's handler for failures that are not HttpErrors. */
  fail: (e: unknown) => void;
  started: number;
  time: string;
  /** The POST body, or the query string of a GET: what the cache key is made of. */
  raw: Buffer;
  principal: Principal | undefined;
  rateChecked: boolean;
  /** Known once the operation is read; for the audit line of a request that fails after. */
  operationName: string | null;
  variables: unknown;
}

/** Shared empty list for audit fields (frozen: never mutated). */
const NO_STRINGS = Object.freeze([]) as unknown as string[];

// Apollo's CSRF rule: a request the browser could send without a preflight must not be
// served. The cache path applies the same rule, since it answers before Apollo does.
function mayUseCache(req: IncomingMessage): boolean {
  if (req.headers['content-type'] === 'application/json') return true;
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (req.method === 'POST') return type === 'application/json' || type === 'application/graphql-response+json';
  return req.headers['apollo-require-preflight'] !== undefined || req.headers['x-apollo-operation-name'] !== undefined || type === 'application/json';
}

/**
 * Writes a hit; called from setImmediate. Under load, the hits answered in one event-loop turn
 * then go out back to back after it: the gateway finishes the JavaScript of every ready request
 * before its first write, and each write wakes a client that the previous one mostly already
 * woke (docs/benchmarks.md). An idle gateway still writes within the same turn.
 */
function writeHit(res: ServerResponse, entry: CachedResponse, stale: boolean, keyed: boolean): void {
  if (res.destroyed) return;
  res.writeHead(entry.status, hitHeaders(entry, stale, keyed));
  res.end(entry.body);
}

/**
 * What a shared cache (a CDN, a proxy) may do with an answer: one to a caller with a key is
 * `private` whatever its hints say (a key's answers may hold what the public may not see);
 * every answer varies on the credential headers, on Accept (its Content-Type) and on Origin
 * (its CORS headers: a superset of what cors.ts sets, which this replaces).
 */
export const VARY = 'Origin, Authorization, X-Api-Key, Accept';

/** The Cache-Control of an answer to a caller with a key: never `public`. */
export function privateCacheControl(value: string): string {
  return /\bpublic\b/i.test(value) ? value.replace(/\bpublic\b/i, 'private') : /\bprivate\b|no-store/i.test(value) ? value : `${value}, private`;
}

/** A hit's headers, made once per stored answer, Age and kind of caller (Age and max-age count whole seconds). */
interface HitHeaders {
  age: number;
  stale: boolean;
  keyed: boolean;
  /** Flat [name, value, …]: node:http takes it as is. */
  headers: Array<string | number>;
}
const hitHeadersOf = new WeakMap<CachedResponse, HitHeaders>();

function hitHeaders(entry: CachedResponse, stale: boolean, keyed: boolean): Array<string | number> {
  const { age, left } = ageOf(entry);
  const known = hitHeadersOf.get(entry);
  if (known && known.age === age && known.stale === stale && known.keyed === keyed) return known.headers;
  const headers = [
    'content-type', entry.contentType,
    'content-length', entry.body.length,
    'cache-control', `max-age=${stale ? 0 : left}, ${entry.scope === 'PRIVATE' || keyed ? 'private' : 'public'}`,
    'vary', VARY,
    'age', String(age),
    'x-dataex-cache', stale ? 'STALE' : 'HIT',
  ];
  hitHeadersOf.set(entry, { age, stale, keyed, headers });
  return headers;
}

// The time of a request as ISO-8601: one Date per millisecond, not one per request.
let isoMs = 0;
let isoText = '';
function isoNow(): string {
  const ms = Date.now();
  if (ms !== isoMs) {
    isoMs = ms;
    isoText = new Date(ms).toISOString();
  }
  return isoText;
}

/** Each stored answer's part of its hits' audit lines, serialized on its first hit. */
const answerParts = new WeakMap<CachedResponse, string>();
function answerPartOf(hit: CachedResponse): string {
  let part = answerParts.get(hit);
  if (part === undefined) {
    part = answerPart({ operationName: hit.operationName, queryHash: hit.queryHash, datasets: hit.datasets, outcome: 'ok', errorCodes: NO_STRINGS, status: hit.status });
    answerParts.set(hit, part);
  }
  return part;
}

function writeShared(res: ServerResponse, answer: SharedAnswer): void {
  for (const [k, v] of answer.headers) res.setHeader(k, v);
  res.setHeader('x-dataex-cache', 'COALESCED');
  res.statusCode = answer.status;
  res.end(answer.body);
}

/** The operation in a GET query string or a POST body; only what the gateway itself needs. */
function operationOf(req: IncomingMessage, body: unknown, search: string): { query?: string; operationName?: string; variables?: unknown } {
  if (req.method === 'POST') {
    const b = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
    return { query: typeof b.query === 'string' ? b.query : undefined, operationName: typeof b.operationName === 'string' ? b.operationName : undefined, variables: b.variables };
  }
  const params = new URLSearchParams(search);
  let variables: unknown;
  try {
    variables = params.has('variables') ? JSON.parse(params.get('variables')!) : undefined;
  } catch {
    variables = params.get('variables');
  }
  return { query: params.get('query') ?? undefined, operationName: params.get('operationName') ?? undefined, variables };
}

export function createGraphQLEndpoint(deps: GraphQLEndpointDeps) {
  const inFlight = new Map<string, Promise<SharedAnswer | undefined>>();

  /**
   * The audit line, the request metrics and the request log line of an answered request.
   * `validated`: the operation name was checked against a document (only those name a metric
   * label: made-up names of refused requests would fill the label slots).
   */
  function audit(req: IncomingMessage, principal: Principal, started: number, a: AuditDraft, validated = false): void {
    observeOperation(req, principal.id, started, validated ? a : { ...a, validated: false });
    if (!deps.audit) return;
    // One literal with every field in a fixed order (no spreads).
    const entry: AuditEntry = {
      time: a.time,
      principal: principal.id,
      role: principal.role,
      operationName: a.operationName,
      queryHash: a.queryHash,
      variables: a.variables,
      datasets: a.datasets,
      outcome: a.outcome,
      errorCodes: a.errorCodes,
      status: a.status,
      durationMs: Math.round(performance.now() - started),
      cache: a.cache,
    };
    if (a.savedQuery) entry.savedQuery = a.savedQuery;
    deps.audit.record(entry);
  }

  /** A hit's audit line, metrics and log fields; the line is built from pre-serialized parts. */
  function auditHit(req: IncomingMessage, principal: Principal, started: number, time: string, hit: CachedResponse, state: 'HIT' | 'STALE'): void {
    observeOperation(req, principal.id, started, { operationName: hit.operationName, outcome: 'ok', cache: state, status: hit.status, errorCodes: NO_STRINGS });
    deps.audit?.recordLine(hitLine(time, principal, answerPartOf(hit), Math.round(performance.now() - started), state), time);
  }

  /** Stores an answer the cache decision allows (error-free, cacheable, 200). */
  async function store(cache: ResponseCache, keys: CacheKeys, status: number, response: HTTPGraphQLResponse, context: GatewayContext, text: string, datasets: string[]): Promise<void> {
    const decision = context.outcome.cacheDecision;
    if (!decision?.cacheable || status !== 200) return;
    const facts = context.outcome.facts;
    await cache.save(keys, {
      status: 200,
      contentType: response.headers.get('content-type') ?? 'application/json; charset=utf-8',
      maxAgeS: decision.maxAgeS,
      scope: decision.scope,
      operationName: facts?.operationName ?? null,
      queryHash: facts?.queryHash ?? null,
      datasets,
    }, text);
  }

  /**
   * Refreshes a stale answer in the background, as the request that found it (same caller, same
   * bytes). Its caller already has the stale answer; a failed refresh leaves the stale entry
   * until its window ends, and the next request tries again.
   */
  async function revalidate(req: IncomingMessage, raw: Buffer, search: string, principal: Principal, cache: ResponseCache, keys: CacheKeys, stale: CachedResponse): Promise<void> {
    try {
      const body = req.method === 'POST' ? parseJsonBody(raw) : undefined;
      const { response, context } = await execute(req, body, search, principal);
      if (response.body.kind !== 'complete') return;
      const text = response.body.string;
      await store(cache, keys, response.status ?? 200, response, context, text, datasetIdsOf(text));
    } catch (e) {
      log.warn({ component: 'response-cache', err: e }, 'refreshing a stale answer failed');
    } finally {
      cache.refreshed(keys, stale);
    }
  }

  async function execute(req: IncomingMessage, body: unknown, search: string, principal: Principal): Promise<{ response: HTTPGraphQLResponse; context: GatewayContext }> {
    const context: GatewayContext = { principal, stale: new Set(), outcome: {}, deadline: Date.now() + deps.deadlineMs };
    const response = await deps.apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: req.method ?? 'GET', headers: headerMapOf(req), search, body },
      context: async () => context,
    });
    return { response, context };
  }

  /** What the audit line of a request refused or failed says, given how far it got. */
  function draftOf(r: RequestInFlight): AuditDraft {
    return { time: r.time, operationName: r.operationName, queryHash: null, variables: r.variables, datasets: NO_STRINGS, outcome: 'refused', errorCodes: NO_STRINGS, status: 0, cache: null };
  }

  /**
   * A failure: HttpErrors are answered here; anything else goes to the server's handler (500).
   * The audit line names the caller of the key sent, even when the request failed before the key
   * was looked up (a body over the limit); an unknown key is `unknown`.
   */
  function failed(r: RequestInFlight, e: unknown): void {
    if (!(e instanceof HttpError)) {
      audit(r.req, r.principal ?? ANONYMOUS, r.started, { ...draftOf(r), outcome: 'error', errorCodes: [ErrorCode.INTERNAL_SERVER_ERROR], status: 500 });
      return r.fail(e);
    }
    if (!r.res.headersSent) sendError(r.res, e);
    if (e.code === ErrorCode.UNAUTHENTICATED && r.principal === undefined) deps.admission.noteBadKey(r.req);
    if (!deps.admission.mayAuditRefusal(r.req)) return;
    const draft: AuditDraft = { ...draftOf(r), outcome: e.status === 400 && e.code !== ErrorCode.QUERY_TOO_COMPLEX ? 'error' : 'refused', errorCodes: [e.code], status: e.status };
    if (r.principal !== undefined || !hasCredentials(r.req.headers)) return audit(r.req, r.principal ?? ANONYMOUS, r.started, draft);
    if (e.code === ErrorCode.UNAUTHENTICATED || e.code === ErrorCode.RATE_LIMITED) return audit(r.req, UNKNOWN_CALLER, r.started, draft);
    Promise.resolve()
      .then(() => deps.principalOf(r.req))
      .then(
        (p) => audit(r.req, p, r.started, draft),
        () => audit(r.req, UNKNOWN_CALLER, r.started, draft),
      );
  }

  /** Continues `proceed` once a step that had to wait is done. */
  function resume(r: RequestInFlight, step: Promise<void>): void {
    step.then(
      () => proceed(r),
      (e: unknown) => failed(r, e),
    );
  }

  /**
   * The steps that need not wait, in this turn: who is asking (no promise unless a key has to be
   * looked up), the rate limit (none when it is decided in memory), the response cache's memory
   * tier. A hit there is answered with no promise made; a step that must wait resumes here when
   * done; everything else goes on in `respond`.
   */
  function proceed(r: RequestInFlight): void {
    try {
      if (r.principal === undefined) {
        const caller = deps.principalOf(r.req);
        if (caller instanceof Promise) {
          const looked = caller.then((p) => void (r.principal = p));
          try {
            deps.admission.checkNotBlocked(r.req);
          } catch (e) {
            looked.catch(() => undefined); // refused first: the look-up's answer is not wanted
            throw e;
          }
          return resume(r, looked);
        }
        r.principal = caller;
      }
      const principal = r.principal;
      if (!r.rateChecked) {
        r.rateChecked = true;
        const taking = deps.admission.take(r.req, principal);
        if (taking) return resume(r, taking);
      }
      // Allow-list mode refuses ad-hoc operations before the cache: an answer stored before
      // the switch (or by an admin) is not served to a caller who may not run the operation.
      if (deps.onlySaved && principal.role !== 'admin') throw new HttpError(403, ErrorCode.FORBIDDEN, ONLY_SAVED_MESSAGE);
      const cache = deps.cache && mayUseCache(r.req) ? deps.cache : undefined;
      const keys = cache && cacheKeys(r.req.method ?? 'GET', r.raw, principal, r.req.headers.accept);
      // Cache-Control: no-cache skips the look-up; the fresh answer is still stored.
      const cacheControl = r.req.headers['cache-control'];
      const lookUp = keys !== undefined && (cacheControl === undefined || !/no-cache/i.test(cacheControl));
      const hit = lookUp ? cache!.lookupLocal(keys) : undefined;
      if (hit) return serveHit(r, cache!, keys!, hit);
      respond(r, cache, keys, lookUp).catch((e: unknown) => failed(r, e));
    } catch (e) {
      failed(r, e);
    }
  }

  /** A stored answer, fresh or in its stale window (then refreshed in the background). */
  function serveHit(r: RequestInFlight, cache: ResponseCache, keys: CacheKeys, hit: CachedResponse): void {
    cache.hits++;
    const stale = isStale(hit);
    if (stale) {
      cache.staleHits++;
      if (cache.claimRefresh(keys, hit)) void revalidate(r.req, r.raw, r.search, r.principal!, cache, keys, hit);
    }
    setImmediate(writeHit, r.res, hit, stale, r.principal !== ANONYMOUS);
    auditHit(r.req, r.principal!, r.started, r.time, hit, stale ? 'STALE' : 'HIT');
  }

  /** What has to wait: the Redis tier, an identical request in flight, the execution. */
  async function respond(r: RequestInFlight, cache: ResponseCache | undefined, keys: CacheKeys | undefined, lookUp: boolean): Promise<void> {
    const { req, res, search, raw, started } = r;
    const principal = r.principal!;
    if (lookUp && cache && keys) {
      const hit = await cache.lookupRemote(keys);
      if (hit) return serveHit(r, cache, keys, hit);
      cache.misses++;
    }

    // The same caller sending the same bytes while an answer is on its way: wait for it.
    const flightKey = keys?.private;
    const pending = flightKey ? inFlight.get(flightKey) : undefined;
    if (pending) {
      const shared = await pending;
      if (shared?.isQuery) {
        writeShared(res, shared);
        return audit(req, principal, started, { ...draftOf(r), operationName: shared.operationName, queryHash: shared.queryHash, outcome: 'ok', status: shared.status, datasets: datasetIdsOf(shared.body), cache: 'COALESCED' }, true);
      }
    }

    const body = req.method === 'POST' ? parseJsonBody(raw) : undefined;
    const op = operationOf(req, body, search);
    r.operationName = op.operationName ?? null;
    r.variables = maskVariables(op.variables);
    if (op.query !== undefined) {
      const violation = deps.documents.check(op.query);
      if (violation) throw new HttpError(400, ErrorCode.QUERY_TOO_COMPLEX, violation.message);
    }

    let settle: (answer: SharedAnswer | undefined) => void = () => undefined;
    if (flightKey && !pending) inFlight.set(flightKey, new Promise((resolve) => (settle = resolve)));
    try {
      const { response, context } = await execute(req, body, search, principal);
      const headers: Array<[string, string]> = [...response.headers];
      // A caller with a key: never `public` (a shared cache would hand the answer to anyone).
      if (principal !== ANONYMOUS) for (const h of headers) if (h[0] === 'cache-control') h[1] = privateCacheControl(h[1]);
      headers.push(['vary', VARY]);
      const decision = context.outcome.cacheDecision;
      const facts = context.outcome.facts;
      const cacheHeader = cache ? (decision?.cacheable ? 'MISS' : 'BYPASS') : null;
      if (cacheHeader) headers.push(['x-dataex-cache', cacheHeader]);
      for (const [k, v] of headers) res.setHeader(k, v);
      res.statusCode = requestErrorStatus(req, response, facts);
      if (response.body.kind !== 'complete') {
        for await (const chunk of response.body.asyncIterator) res.write(chunk);
        res.end();
        settle(undefined);
        return;
      }
      const text = response.body.string;
      res.end(text);
      settle({ status: res.statusCode, headers, body: text, isQuery: decision?.isQuery ?? false, operationName: facts?.operationName ?? null, queryHash: facts?.queryHash ?? null });

      const datasets = datasetIdsOf(text);
      // No facts: Apollo refused the request before any GraphQL work (CSRF prevention, a batch,
      // a malformed request): the codes are in the body.
      const errorCodes = facts?.errorCodes ?? errorCodesOf(text, res.statusCode);
      audit(req, principal, started, {
        ...draftOf(r),
        operationName: facts?.operationName ?? r.operationName,
        queryHash: facts?.queryHash ?? null,
        datasets,
        outcome: !facts && res.statusCode >= 400 ? 'refused' : outcomeOf(errorCodes, facts?.hasData ?? false),
        errorCodes,
        status: res.statusCode,
        cache: cacheHeader,
        ...(context.savedQuery ? { savedQuery: context.savedQuery } : {}),
      }, facts?.resolved ?? false);
      if (cache && keys) await store(cache, keys, res.statusCode, response, context, text, datasets);
    } finally {
      settle(undefined);
      if (flightKey && !pending) inFlight.delete(flightKey);
    }
  }

  /**
   * `search` is the query string including "?", or "". Every request is answered here, errors
   * included, except failures that are not HttpErrors: those go to `fail` (after their audit
   * line), for the server to answer 500.
   */
  return function handle(req: IncomingMessage, res: ServerResponse, search: string, fail: (e: unknown) => void): void {
    const r: RequestInFlight = { req, res, search, fail, started: performance.now(), time: isoNow(), raw: EMPTY_BODY, principal: undefined, rateChecked: false, operationName: null, variables: undefined };
    if (req.method !== 'POST') {
      r.raw = Buffer.from(search);
      return proceed(r);
    }
    readBodyThen(
      req,
      deps.bodyLimitBytes,
      bindActiveContext((err: Error | undefined, raw: Buffer) => {
        // A body that never arrived whole (the client went away, or the request timeout cut it:
        // Node has answered 408) is the client's doing, not a server error.
        if (err) return failed(r, err instanceof HttpError ? err : new HttpError(408, ErrorCode.BAD_REQUEST, `the request body did not arrive: ${err.message}`));
        r.raw = raw;
        proceed(r);
      }),
    );
  };
}
