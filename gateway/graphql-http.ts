// POST/GET /graphql on the gateway: response-cache hits are written from stored bytes before
// Apollo sees the request; identical concurrent requests from one caller share one execution;
// everything else runs through Apollo Server, and cacheable answers are stored.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApolloServer, HTTPGraphQLResponse } from '@apollo/server';
import { parseJsonBody, readBody } from '../lib/http.ts';
import { headerMapOf } from '../lib/apollo-http.ts';
import type { Principal } from '../subgraphs/common/principal.ts';
import { ageOf, cacheKeys, type CachedResponse, type ResponseCache } from './response-cache/cache.ts';
import type { GatewayContext } from './server.ts';

export interface GraphQLEndpointDeps {
  apollo: ApolloServer<GatewayContext>;
  principalOf(req: IncomingMessage): Promise<Principal>;
  /** Response cache; undefined = off. */
  cache: ResponseCache | undefined;
  bodyLimitBytes: number;
}

/** A finished answer that identical concurrent requests may share. */
interface SharedAnswer {
  status: number;
  headers: Array<[string, string]>;
  body: string;
  isQuery: boolean;
}

// Apollo's CSRF rule: a request the browser could send without a preflight must not be
// served. The cache path applies the same rule, since it answers before Apollo does.
function mayUseCache(req: IncomingMessage): boolean {
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (req.method === 'POST') return type === 'application/json' || type === 'application/graphql-response+json';
  return req.headers['apollo-require-preflight'] !== undefined || req.headers['x-apollo-operation-name'] !== undefined || type === 'application/json';
}

function writeHit(res: ServerResponse, entry: CachedResponse, how: 'HIT'): void {
  const { age, left } = ageOf(entry);
  res.writeHead(entry.status, {
    'content-type': entry.contentType,
    'content-length': entry.body.length,
    'cache-control': `max-age=${left}, ${entry.scope === 'PRIVATE' ? 'private' : 'public'}`,
    age: String(age),
    'x-dataex-cache': how,
  });
  res.end(entry.body);
}

function writeShared(res: ServerResponse, answer: SharedAnswer): void {
  for (const [k, v] of answer.headers) res.setHeader(k, v);
  res.setHeader('x-dataex-cache', 'COALESCED');
  res.statusCode = answer.status;
  res.end(answer.body);
}

export function createGraphQLEndpoint(deps: GraphQLEndpointDeps) {
  const inFlight = new Map<string, Promise<SharedAnswer | undefined>>();

  async function execute(req: IncomingMessage, raw: Buffer, search: string, principal: Principal): Promise<{ response: HTTPGraphQLResponse; context: GatewayContext }> {
    const body = req.method === 'POST' ? parseJsonBody(raw) : undefined;
    const context: GatewayContext = { principal, stale: new Set(), outcome: {} };
    const response = await deps.apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: req.method ?? 'GET', headers: headerMapOf(req), search, body },
      context: async () => context,
    });
    return { response, context };
  }

  /** `search` is the query string including "?", or "". */
  return async function handle(req: IncomingMessage, res: ServerResponse, search: string): Promise<void> {
    const raw = req.method === 'POST' ? await readBody(req, deps.bodyLimitBytes) : Buffer.from(search);
    const principal = await deps.principalOf(req);
    const cache = deps.cache && mayUseCache(req) ? deps.cache : undefined;
    const keys = cache ? cacheKeys(req.method ?? 'GET', raw, principal) : undefined;

    if (cache && keys && !/no-cache/i.test(req.headers['cache-control'] ?? '')) {
      const hit = cache.lookupLocal(keys) ?? (await cache.lookup(keys));
      if (hit) {
        cache.hits++;
        return writeHit(res, hit, 'HIT');
      }
      cache.misses++;
    }

    // The same caller sending the same bytes while an answer is on its way: wait for it.
    const flightKey = keys?.private;
    const pending = flightKey ? inFlight.get(flightKey) : undefined;
    if (pending) {
      const shared = await pending;
      if (shared?.isQuery) return writeShared(res, shared);
    }

    let settle: (answer: SharedAnswer | undefined) => void = () => undefined;
    if (flightKey && !pending) {
      inFlight.set(flightKey, new Promise((resolve) => (settle = resolve)));
    }
    try {
      const { response, context } = await execute(req, raw, search, principal);
      const headers: Array<[string, string]> = [...response.headers];
      const decision = context.outcome.cacheDecision;
      if (cache) headers.push(['x-dataex-cache', decision?.cacheable ? 'MISS' : 'BYPASS']);
      for (const [k, v] of headers) res.setHeader(k, v);
      res.statusCode = response.status ?? 200;
      if (response.body.kind !== 'complete') {
        for await (const chunk of response.body.asyncIterator) res.write(chunk);
        res.end();
        settle(undefined);
        return;
      }
      const text = response.body.string;
      res.end(text);
      settle({ status: res.statusCode, headers, body: text, isQuery: decision?.isQuery ?? false });
      if (cache && keys && decision?.cacheable && res.statusCode === 200) {
        await cache.save(keys, {
          status: 200,
          contentType: response.headers.get('content-type') ?? 'application/json; charset=utf-8',
          maxAgeS: decision.maxAgeS,
          scope: decision.scope,
          body: Buffer.from(text),
        });
      }
    } catch (e) {
      settle(undefined);
      throw e;
    } finally {
      if (flightKey && !pending) inFlight.delete(flightKey);
    }
  };
}
