// The response-cache step of /graphql: whether a request may use the cache and under which
// keys, writing a hit from its stored bytes, storing an answer the cache decision allows, and
// refreshing a stale answer in the background. The cache itself is response-cache/cache.ts.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HTTPGraphQLResponse } from '@apollo/server';
import { Header } from '../../lib/headers.ts';
import type { Principal } from '../../lib/principal.ts';
import { log } from '../../lib/observability/log.ts';
import type { GatewayContext } from '../contracts.ts';
import { ageOf, cacheKeys, datasetIdsOf, type CacheKeys, type CachedResponse, type ResponseCache } from '../response-cache/cache.ts';
import { VARY } from './respond.ts';

/** How a request uses the cache: under which keys, and whether it looks up (it may only store). */
export interface CachePlan {
  cache: ResponseCache;
  keys: CacheKeys;
  /** False for `Cache-Control: no-cache`: no look-up, the fresh answer is still stored. */
  lookUp: boolean;
}

// Apollo's CSRF rule: a request the browser could send without a preflight must not be
// served. The cache path applies the same rule, since it answers before Apollo does.
function mayUseCache(req: IncomingMessage): boolean {
  if (req.headers['content-type'] === 'application/json') return true;
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (req.method === 'POST') return type === 'application/json' || type === 'application/graphql-response+json';
  return req.headers[Header.APOLLO_REQUIRE_PREFLIGHT] !== undefined || req.headers[Header.APOLLO_OPERATION_NAME] !== undefined || type === 'application/json';
}

/** The cache plan of a request (`raw`: its POST body or GET query string); undefined: no cache. */
export function cachePlanOf(cache: ResponseCache | undefined, req: IncomingMessage, raw: Buffer, principal: Principal): CachePlan | undefined {
  if (!cache || !mayUseCache(req)) return undefined;
  const keys = cacheKeys(req.method ?? 'GET', raw, principal, req.headers.accept);
  const cacheControl = req.headers['cache-control'];
  return { cache, keys, lookUp: cacheControl === undefined || !/no-cache/i.test(cacheControl) };
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
    'content-type',
    entry.contentType,
    'content-length',
    entry.body.length,
    'cache-control',
    `max-age=${stale ? 0 : left}, ${entry.scope === 'PRIVATE' || keyed ? 'private' : 'public'}`,
    'vary',
    VARY,
    'age',
    String(age),
    Header.CACHE,
    stale ? 'STALE' : 'HIT',
  ];
  hitHeadersOf.set(entry, { age, stale, keyed, headers });
  return headers;
}

/**
 * Writes a hit; called from setImmediate. Under load, the hits answered in one event-loop turn
 * then go out back to back after it: the gateway finishes the JavaScript of every ready request
 * before its first write, and each write wakes a client that the previous one mostly already
 * woke (docs/benchmarks.md). An idle gateway still writes within the same turn.
 * `keyed`: the caller sent a key (the answer is then `private` for shared caches).
 */
export function writeHit(res: ServerResponse, entry: CachedResponse, stale: boolean, keyed: boolean): void {
  if (res.destroyed) return;
  res.writeHead(entry.status, hitHeaders(entry, stale, keyed));
  res.end(entry.body);
}

/** Stores an answer the cache decision allows (error-free, cacheable, 200). */
export async function storeAnswer(plan: CachePlan, status: number, response: HTTPGraphQLResponse, context: GatewayContext, text: string, datasets: string[]): Promise<void> {
  const decision = context.outcome.cacheDecision;
  if (!decision?.cacheable || status !== 200) return;
  const facts = context.outcome.facts;
  await plan.cache.save(
    plan.keys,
    {
      status: 200,
      contentType: response.headers.get('content-type') ?? 'application/json; charset=utf-8',
      maxAgeS: decision.maxAgeS,
      scope: decision.scope,
      operationName: facts?.operationName ?? null,
      queryHash: facts?.queryHash ?? null,
      datasets,
    },
    text,
  );
}

/**
 * Refreshes a stale answer in the background by executing the request that found it again
 * (same caller, same bytes). Its caller already has the stale answer; a failed refresh leaves
 * the stale entry until its window ends, and the next request tries again.
 */
export async function revalidate(plan: CachePlan, stale: CachedResponse, execute: () => Promise<{ response: HTTPGraphQLResponse; context: GatewayContext }>): Promise<void> {
  try {
    const { response, context } = await execute();
    if (response.body.kind !== 'complete') return;
    const text = response.body.string;
    await storeAnswer(plan, response.status ?? 200, response, context, text, datasetIdsOf(text));
  } catch (e) {
    log.warn({ component: 'response-cache', err: e }, 'refreshing a stale answer failed');
  } finally {
    plan.cache.refreshed(plan.keys, stale);
  }
}
