// Entity cache: the answers of `_entities` subgraph fetches, per entity. Pages of different
// searches keep asking the exchange and registry subgraphs for the same listings' live fields
// and the same providers' registrations; with this cache a fetch asks only for the entities it
// has not seen within their TTL. Only PUBLIC, error-free, non-stale answers are kept, keyed by
// subgraph, selection, other variables, the representation and the caller's access class, for
// the max-age the subgraph's cache hint gave. Any invalidation (harvest, purge) clears it.
// `fetchThroughEntityCache` is the fetch itself, used by the data source (gateway/datasource.ts).

import { hash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import type { GatewayContext } from './contracts.ts';
import { accessClass } from './response-cache/cache.ts';
import { Header } from '../lib/headers.ts';

interface Entry {
  /** The entity as JSON: the gateway merges answers into its result tree in place, so every
   * reader gets fresh objects and no request can change what another one reads. */
  json: string;
  expiresAt: number;
}

export class EntityCache {
  private readonly lru: LRUCache<string, Entry>;
  hits = 0;
  misses = 0;
  /**
   * Fetch shapes (selection, then subgraph and access class) whose last answer said it may not
   * be kept (no max-age, or private): their fetches skip the look-ups (a hash and a key per
   * entity, all misses) until an answer of theirs says otherwise. The selection strings are the
   * query plan's own, so the outer look-up does not hash a long string anew.
   */
  private readonly uncacheable = new Map<string, Set<string>>();

  constructor(maxEntries = 100_000) {
    this.lru = new LRUCache<string, Entry>({ max: maxEntries });
  }

  /**
   * What every entity of one fetch shares in its key: subgraph, selection, other variables and
   * the caller's access class. Hashed once per fetch, not once per entity (the selection is long).
   */
  scope(subgraph: string, query: string, otherVariables: string, accessClass: string): string {
    return hash('sha256', `${subgraph}\n${query}\n${otherVariables}\n${accessClass}`, 'base64url');
  }

  /** Key of one entity: its fetch's scope and its representation (short: `__typename` and key fields). */
  key(scope: string, representation: unknown): string {
    return `${scope}|${JSON.stringify(representation)}`;
  }

  get(key: string, now = Date.now()): { value: unknown; expiresAt: number } | undefined {
    const entry = this.lru.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= now) {
      this.lru.delete(key);
      return undefined;
    }
    return { value: JSON.parse(entry.json), expiresAt: entry.expiresAt };
  }

  set(key: string, value: unknown, maxAgeS: number, now = Date.now()): void {
    if (maxAgeS > 0) this.lru.set(key, { json: JSON.stringify(value), expiresAt: now + maxAgeS * 1000 });
  }

  clear(): void {
    this.lru.clear();
    this.uncacheable.clear();
  }

  /** Whether answers of this fetch shape were last said not to be cacheable. */
  isUncacheable(query: string, subgraphAndClass: string): boolean {
    return this.uncacheable.get(query)?.has(subgraphAndClass) ?? false;
  }

  /** Records what the last answer of a fetch shape said about caching it. */
  noteCacheable(query: string, subgraphAndClass: string, cacheable: boolean): void {
    let shapes = this.uncacheable.get(query);
    if (cacheable) {
      shapes?.delete(subgraphAndClass);
      if (shapes?.size === 0) this.uncacheable.delete(query);
      return;
    }
    // Bounded like the selections of the query plans (a few thousand at most); past that, forget.
    if (!shapes && this.uncacheable.size >= 10_000) this.uncacheable.clear();
    if (!shapes) this.uncacheable.set(query, (shapes = new Set()));
    shapes.add(subgraphAndClass);
  }

  get size(): number {
    return this.lru.size;
  }
}

/** max-age and private-ness of a subgraph's Cache-Control header. */
export function cacheHintOf(header: string | null | undefined): { maxAgeS: number; private: boolean } {
  if (!header) return { maxAgeS: 0, private: false };
  const maxAge = /(?:^|,)\s*max-age=(\d+)/i.exec(header);
  return { maxAgeS: maxAge ? Number(maxAge[1]) : 0, private: /(?:^|,)\s*(private|no-store)\b/i.test(header) };
}

type ProcessOptions = GraphQLDataSourceProcessOptions<GatewayContext>;

/**
 * An `_entities` fetch through the entity cache: only the representations without a fresh
 * cached answer are sent (through `send`); the answer is reassembled in the original order, with
 * error paths pointing at the original positions. Any other fetch goes straight to `send`.
 */
export async function fetchThroughEntityCache(
  cache: EntityCache,
  subgraph: string,
  options: ProcessOptions,
  send: (options: ProcessOptions) => Promise<GatewayGraphQLResponse>,
): Promise<GatewayGraphQLResponse> {
  const { request } = options;
  const representations = request.variables?.representations;
  const principal = (options.context as Partial<GatewayContext>).principal;
  if (!principal || !Array.isArray(representations) || representations.length === 0 || !request.query?.startsWith('query') || !request.query.includes('_entities(')) {
    return send(options);
  }
  const cls = accessClass(principal);
  const shape = `${subgraph}|${cls}`;
  // A shape whose answers may not be kept: no look-ups; its answer says whether that changed.
  if (cache.isUncacheable(request.query, shape)) {
    const response = await send(options);
    const hint = cacheHintOf(response.http?.headers.get('cache-control'));
    if (hint.maxAgeS > 0 && !hint.private) cache.noteCacheable(request.query, shape, true);
    return response;
  }
  const { representations: _reps, ...otherVariables } = request.variables ?? {};
  const scope = cache.scope(subgraph, request.query, JSON.stringify(otherVariables), cls);
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

  const response = await send({ ...options, request: { ...request, variables: { ...request.variables, representations: missing.map((i) => representations[i]) } } });
  // Errors name positions in the list we sent: map them back to the original list (whether or
  // not the subgraph sent entities along: an HTTP 400 with errors has none).
  const failed = new Set<number>();
  // An error that names no entity may concern any of them: then none of this answer is kept.
  let unattributed = false;
  const errors = response.errors?.map((e) => {
    const path = e.path;
    if (path?.[0] !== '_entities' || typeof path[1] !== 'number' || missing[path[1]] === undefined) {
      unattributed = true;
      return e;
    }
    failed.add(path[1]);
    return { ...e, path: ['_entities', missing[path[1]], ...path.slice(2)] };
  });
  const fetched = (response.data as { _entities?: unknown[] } | undefined)?._entities;
  if (!Array.isArray(fetched)) return { ...response, ...(errors ? { errors } : {}) };

  const hint = cacheHintOf(response.http?.headers.get('cache-control'));
  // What the subgraph says of this shape (not of this answer's errors or staleness).
  cache.noteCacheable(request.query, shape, hint.maxAgeS > 0 && !hint.private);
  const cacheable = !unattributed && hint.maxAgeS > 0 && !hint.private && !response.http?.headers.get(Header.STALE);
  const entities = cached.map((c) => c?.value);
  fetched.forEach((value, j) => {
    entities[missing[j]] = value;
    if (cacheable && value !== null && value !== undefined && !failed.has(j)) cache.set(keys[missing[j]], value, hint.maxAgeS, now);
  });
  return { ...response, data: { ...(response.data as object), _entities: entities }, ...(errors ? { errors } : {}) };
}
