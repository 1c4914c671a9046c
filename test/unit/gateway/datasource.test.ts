// The gateway's subgraph data source (gateway/datasource.ts), driven through a fake fetcher:
// the caller and the request deadline going out, stale reports coming back, a call that failed
// as a whole named by subgraph (UPSTREAM_UNAVAILABLE without an answer, UPSTREAM_ERROR for an
// answer that is not GraphQL, nothing of the address or the raw error passed on), a subgraph's
// own GraphQL errors passed on, and entity fetches through the entity cache.

import { describe, expect, it } from 'vitest';
import { GraphQLError } from 'graphql';
import { errors as undiciErrors } from 'undici';
import type { Fetcher, FetcherRequestInit } from '@apollo/utils.fetcher';
import { DataexDataSource } from '../../../gateway/datasource.ts';
import { EntityCache } from '../../../gateway/entity-cache.ts';
import { formatGatewayError } from '../../../gateway/error-shape.ts';
import { ANONYMOUS, DEFAULT_CLEARANCE, type Principal } from '../../../lib/principal.ts';
import { failureOf } from '../plugins/helpers.ts';

// Wire names (lib/headers.ts): spelled out so that a rename of a constant cannot hide a change on the wire.
const PRINCIPAL = 'x-dataex-principal';
const AUDIENCE = 'x-dataex-audience';
const DEADLINE = 'x-dataex-deadline';
const STALE = 'x-dataex-stale';

const SUBGRAPH_URL = 'http://10.1.2.3:4002/graphql';

const analyst: Principal = { id: 'key-7', role: 'analyst', ...DEFAULT_CLEARANCE.analyst };

interface Call {
  url: string;
  init: FetcherRequestInit;
}

type Reply = (call: Call) => Promise<Response> | Response;

/** A data source for `serviceName` whose fetcher records every call and answers with `reply`. */
function dataSource(reply: Reply, options: { serviceName?: string; entityCache?: EntityCache } = {}) {
  const calls: Call[] = [];
  const fetcher = (async (url: string, init: FetcherRequestInit) => {
    const call = { url, init };
    calls.push(call);
    return reply(call);
  }) as unknown as Fetcher;
  const source = new DataexDataSource({ url: SUBGRAPH_URL, fetcher, serviceName: options.serviceName ?? 'beijing', entityCache: options.entityCache });
  return { source, calls };
}

const json =
  (status: number, body: unknown, headers: Record<string, string> = {}): Reply =>
  () =>
    new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

const ok = (headers: Record<string, string> = {}) => json(200, { data: { a: 1 } }, headers);

interface RequestOptions {
  query?: string;
  variables?: Record<string, unknown>;
  context?: Record<string, unknown>;
  restricts?: Array<{ maxAge?: number; scope?: string }>;
}

/** Options of one subgraph fetch of an incoming operation. */
function incoming({ query = '{ a }', variables, context = { principal: ANONYMOUS, stale: new Set<string>(), outcome: {} }, restricts = [] }: RequestOptions = {}) {
  return {
    kind: 'incoming operation' as never, // GraphQLDataSourceRequestKind.INCOMING_OPERATION
    request: { query, ...(variables ? { variables } : {}) },
    context: context as never,
    incomingRequestContext: { overallCachePolicy: { restrict: (hint: { maxAge?: number; scope?: string }) => restricts.push(hint) } } as never,
    pathInIncomingRequest: [],
  };
}

describe('DataexDataSource: what goes out', () => {
  it('sends the caller (its claims) and names the subgraph the call is to be signed for', async () => {
    const { source, calls } = dataSource(ok());
    await source.process(incoming({ context: { principal: analyst, stale: new Set(), outcome: {} } }));
    expect(calls).toHaveLength(1);
    const { url, init } = calls[0];
    expect(url).toBe(SUBGRAPH_URL);
    expect(init.method).toBe('POST');
    const headers = init.headers as Record<string, string>;
    expect(JSON.parse(Buffer.from(headers[PRINCIPAL], 'base64url').toString('utf8'))).toEqual(analyst);
    expect(headers[AUDIENCE]).toBe('beijing');
    expect(headers['content-type']).toBe('application/json');
    expect(JSON.parse(String(init.body))).toEqual({ query: '{ a }' });

    // Another subgraph: the same claims, its own audience.
    const registry = dataSource(ok(), { serviceName: 'registry' });
    await registry.source.process(incoming({ context: { principal: analyst, stale: new Set(), outcome: {} } }));
    const other = registry.calls[0].init.headers as Record<string, string>;
    expect(other[PRINCIPAL]).toBe(headers[PRINCIPAL]);
    expect(other[AUDIENCE]).toBe('registry');
  });

  it('sends different claims for callers of different clearance, even with the same id', async () => {
    const { source, calls } = dataSource(ok());
    const admin: Principal = { ...analyst, role: 'admin', ...DEFAULT_CLEARANCE.admin };
    await source.process(incoming({ context: { principal: analyst, stale: new Set(), outcome: {} } }));
    await source.process(incoming({ context: { principal: admin, stale: new Set(), outcome: {} } }));
    const [first, second] = calls.map((c) => (c.init.headers as Record<string, string>)[PRINCIPAL]);
    expect(first).not.toBe(second);
    expect(JSON.parse(Buffer.from(second, 'base64url').toString('utf8'))).toMatchObject({ role: 'admin', clearance: { maxLevel: 'CORE' }, personalInfo: true });
  });

  it("passes the request's deadline on to the fetcher, and no caller headers without a caller", async () => {
    const deadline = Date.now() + 1_234;
    const { source, calls } = dataSource(ok());
    await source.process(incoming({ context: { stale: new Set(), outcome: {}, deadline } }));
    const headers = calls[0].init.headers as Record<string, string>;
    expect(headers[DEADLINE]).toBe(String(deadline));
    expect(headers).not.toHaveProperty(PRINCIPAL);
    expect(headers).not.toHaveProperty(AUDIENCE);

    await source.process(incoming());
    const without = calls[1].init.headers as Record<string, string>;
    expect(without).not.toHaveProperty(DEADLINE);
    expect(without[PRINCIPAL]).toBeTypeOf('string');
  });
});

describe('DataexDataSource: what comes back', () => {
  it("collects the upstreams a subgraph reports stale into the request's context", async () => {
    const stale = new Set<string>(['registry']);
    const { source } = dataSource(ok({ [STALE]: 'shanghai, beijing' }));
    const response = await source.process(incoming({ context: { principal: ANONYMOUS, stale, outcome: {} } }));
    expect(response.data).toEqual({ a: 1 });
    expect([...stale].sort()).toEqual(['beijing', 'registry', 'shanghai']);
    // A context without the set (an internal fetch) is no failure.
    await expect(dataSource(ok({ [STALE]: 'beijing' })).source.process(incoming({ context: { principal: ANONYMOUS, outcome: {} } }))).resolves.toBeDefined();
  });

  it("folds a subgraph's cache hint into the request's cache policy", async () => {
    const restricts: Array<{ maxAge?: number; scope?: string }> = [];
    await dataSource(ok({ 'cache-control': 'max-age=30, public' })).source.process(incoming({ restricts }));
    expect(restricts).toEqual([{ maxAge: 30, scope: 'PUBLIC' }]);
  });

  it('passes on the GraphQL errors of a subgraph that answered with an HTTP error status, uncacheable', async () => {
    const errors = [{ message: 'rows must be at most 20', path: ['a'], extensions: { code: 'BAD_USER_INPUT' } }];
    for (const status of [400, 500, 503]) {
      const restricts: Array<{ maxAge?: number }> = [];
      const response = await dataSource(json(status, { data: null, errors }, { 'cache-control': 'max-age=60' })).source.process(incoming({ restricts }));
      expect(response.errors).toEqual(errors);
      expect(restricts.map((r) => r.maxAge)).toContain(0);
    }
  });
});

describe('DataexDataSource: a call that failed as a whole', () => {
  const fail = (error: unknown) => dataSource(() => Promise.reject(error)).source.process(incoming());
  /** How undici's fetch reports a socket-level failure: a TypeError whose cause carries the code and the address. */
  const fetchFailed = (cause: Error) => Object.assign(new TypeError('fetch failed'), { cause });

  const transport: Array<[string, () => Error, RegExp]> = [
    ['headers timeout', () => new undiciErrors.HeadersTimeoutError('Headers Timeout Error to 10.1.2.3:4002'), /time/i],
    ['body timeout', () => new undiciErrors.BodyTimeoutError('Body Timeout Error from http://10.1.2.3:4002/graphql'), /time/i],
    ['connect timeout', () => new undiciErrors.ConnectTimeoutError('Connect Timeout Error (attempted address: 10.1.2.3:4002, timeout: 10000ms)'), /connect.*time/i],
    ['refused', () => fetchFailed(Object.assign(new Error('connect ECONNREFUSED 10.1.2.3:4002'), { code: 'ECONNREFUSED', address: '10.1.2.3', port: 4002 })), /refused/i],
    ['reset', () => fetchFailed(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })), /reset/i],
    ['socket closed', () => fetchFailed(new undiciErrors.SocketError('other side closed: 10.1.2.3:4002')), /conn/i],
    ['timeout deep in the causes', () => fetchFailed(Object.assign(new Error('wrapped'), { cause: new undiciErrors.HeadersTimeoutError('Headers Timeout Error') })), /time/i],
  ];
  for (const [what, error, words] of transport) {
    it(`names the subgraph, UPSTREAM_UNAVAILABLE, without the address: ${what}`, async () => {
      const e = await failureOf(fail(error()));
      expect(e).toBeInstanceOf(GraphQLError);
      expect(e.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', serviceName: 'beijing' });
      expect(e.message).toMatch(/^subgraph beijing: \S/);
      expect(e.message).toMatch(words);
      for (const leak of ['10.1.2.3', '4002', 'http://', 'fetch failed', 'Error']) expect(e.message).not.toContain(leak);
    });
  }

  it('says the code of an unknown transport error, and "request failed" without one', async () => {
    const odd = await failureOf(fail(fetchFailed(Object.assign(new Error('getaddrinfo EWEIRD sim-beijing.internal'), { code: 'EWEIRD' }))));
    expect(odd.extensions.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(odd.message).toMatch(/^subgraph beijing: .*EWEIRD/);
    expect(odd.message).not.toContain('sim-beijing');
    const bare = await failureOf(fail(new Error('socket hang up at 10.1.2.3:4002')));
    expect(bare.message).toBe('subgraph beijing: request failed');
    expect(bare.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', serviceName: 'beijing' });
  });

  it('is UPSTREAM_UNAVAILABLE for 5xx, 408 and 429 without a GraphQL body, UPSTREAM_ERROR for other statuses', async () => {
    const cases: Array<[number, string, string]> = [
      [502, 'UPSTREAM_UNAVAILABLE', 'subgraph beijing: HTTP 502'],
      [503, 'UPSTREAM_UNAVAILABLE', 'subgraph beijing: HTTP 503'],
      [408, 'UPSTREAM_UNAVAILABLE', 'subgraph beijing: HTTP 408'],
      [429, 'UPSTREAM_UNAVAILABLE', 'subgraph beijing: HTTP 429'],
      [404, 'UPSTREAM_ERROR', 'subgraph beijing: HTTP 404 without a GraphQL answer'],
      [400, 'UPSTREAM_ERROR', 'subgraph beijing: HTTP 400 without a GraphQL answer'],
    ];
    for (const [status, code, message] of cases) {
      const e = await failureOf(dataSource(() => new Response(`<html>${status} at 10.1.2.3</html>`, { status, headers: { 'content-type': 'text/html' } })).source.process(incoming()));
      expect({ status, code: e.extensions.code, message: e.message }).toEqual({ status, code, message });
    }
    // A JSON body that is not GraphQL (no errors list) is no answer either.
    const e = await failureOf(dataSource(json(500, { error: 'boom' })).source.process(incoming()));
    expect(e.extensions.code).toBe('UPSTREAM_UNAVAILABLE');
    // Nor is an unreadable JSON body on an error status.
    const unreadable = await failureOf(dataSource(() => new Response('{"errors": [', { status: 503, headers: { 'content-type': 'application/json' } })).source.process(incoming()));
    expect(unreadable.message).toBe('subgraph beijing: HTTP 503');
  });

  it('is UPSTREAM_ERROR for a 200 that is not GraphQL: unreadable JSON, or not JSON at all', async () => {
    const unreadable = await failureOf(dataSource(() => new Response('{"data": {', { status: 200, headers: { 'content-type': 'application/json' } })).source.process(incoming()));
    expect(unreadable.message).toBe('subgraph beijing: unreadable response');
    expect(unreadable.extensions).toMatchObject({ code: 'UPSTREAM_ERROR', serviceName: 'beijing' });
    const html = await failureOf(dataSource(() => new Response('<html>proxy login at http://10.1.2.3/</html>', { status: 200, headers: { 'content-type': 'text/html' } })).source.process(incoming()));
    expect(html.message).toBe('subgraph beijing: not a GraphQL response');
    expect(html.extensions.code).toBe('UPSTREAM_ERROR');
  });

  it("is UPSTREAM_ERROR naming the subgraph for a 401 or 403 (the subgraph refused the gateway), never the caller's UNAUTHENTICATED or FORBIDDEN", async () => {
    const bodies = [
      () => new Response('unsigned request from 10.1.2.3', { status: 401, headers: { 'content-type': 'text/plain' } }),
      // What a subgraph answers when the signature does not verify (subgraphs/common/server.ts).
      () => Response.json({ errors: [{ message: 'beijing: bad signature', extensions: { code: 'UNAUTHENTICATED' } }] }, { status: 401 }),
      () => new Response('forbidden', { status: 403, headers: { 'content-type': 'text/plain' } }),
    ];
    for (const body of bodies) {
      const e = await failureOf(dataSource(body).source.process(incoming()));
      expect(e.message).toMatch(/^subgraph beijing: refused the gateway's call \(HTTP 40[13]\)$/);
      const seen = formatGatewayError(e.toJSON());
      expect(seen.extensions).toEqual({ code: 'UPSTREAM_ERROR', exchange: 'beijing', subgraph: 'beijing' });
      expect(JSON.stringify(seen)).not.toContain('10.1.2.3');
    }
  });

  it('reaches the client named by subgraph and exchange, with nothing of the address', async () => {
    const e = await failureOf(fail(fetchFailed(Object.assign(new Error('connect ECONNREFUSED 10.1.2.3:4002'), { code: 'ECONNREFUSED' }))));
    const seen = formatGatewayError(e.toJSON());
    expect(seen.extensions).toEqual({ code: 'UPSTREAM_UNAVAILABLE', exchange: 'beijing', subgraph: 'beijing' });
    expect(JSON.stringify(seen)).not.toMatch(/10\.1\.2\.3|4002/);
    // The catalog is no exchange: named as the subgraph only.
    const catalog = await failureOf(dataSource(() => Promise.reject(new undiciErrors.HeadersTimeoutError('x')), { serviceName: 'catalog' }).source.process(incoming()));
    expect(formatGatewayError(catalog.toJSON()).extensions).toEqual({ code: 'UPSTREAM_UNAVAILABLE', subgraph: 'catalog' });
  });
});

describe('DataexDataSource: entity fetches and the entity cache', () => {
  const entityQuery = 'query E($representations: [_Any!]!) { _entities(representations: $representations) { ... on BeijingDataset { price } } }';
  const representations = [
    { __typename: 'BeijingDataset', id: 'b1' },
    { __typename: 'BeijingDataset', id: 'b2' },
  ];
  const entities: Reply = ({ init }) => {
    const sent = JSON.parse(String(init.body)).variables.representations as Array<{ id: string }>;
    return json(200, { data: { _entities: sent.map((r) => ({ __typename: 'BeijingDataset', price: `${r.id}-price` })) } }, { 'cache-control': 'max-age=60, public' })({ init } as Call);
  };
  const ctx = (principal: Principal) => ({ principal, stale: new Set<string>(), outcome: {} });

  it('answers a repeated entity fetch from the cache, per access class', async () => {
    const cache = new EntityCache();
    const { source, calls } = dataSource(entities, { entityCache: cache });
    const first = await source.process(incoming({ query: entityQuery, variables: { representations }, context: ctx(ANONYMOUS) }));
    const second = await source.process(incoming({ query: entityQuery, variables: { representations: [...representations].reverse() }, context: ctx(ANONYMOUS) }));
    expect(calls).toHaveLength(1);
    expect(first.data).toEqual({
      _entities: [
        { __typename: 'BeijingDataset', price: 'b1-price' },
        { __typename: 'BeijingDataset', price: 'b2-price' },
      ],
    });
    expect(second.data).toEqual({
      _entities: [
        { __typename: 'BeijingDataset', price: 'b2-price' },
        { __typename: 'BeijingDataset', price: 'b1-price' },
      ],
    });
    // An analyst sees other data than the public: its fetch goes to the subgraph.
    await source.process(incoming({ query: entityQuery, variables: { representations }, context: ctx(analyst) }));
    expect(calls).toHaveLength(2);
    // Only what was missing is sent.
    await source.process(incoming({ query: entityQuery, variables: { representations: [...representations, { __typename: 'BeijingDataset', id: 'b3' }] }, context: ctx(ANONYMOUS) }));
    expect(JSON.parse(String(calls[2].init.body)).variables.representations).toEqual([{ __typename: 'BeijingDataset', id: 'b3' }]);
  });

  it('keeps nothing of an entity fetch the subgraph answered with an HTTP error status', async () => {
    const cache = new EntityCache();
    const { source, calls } = dataSource(json(400, { errors: [{ message: 'bad representation', path: ['_entities', 0] }] }, { 'cache-control': 'max-age=60' }), { entityCache: cache });
    const response = await source.process(incoming({ query: entityQuery, variables: { representations }, context: ctx(ANONYMOUS) }));
    expect(response.errors?.[0].message).toBe('bad representation');
    await source.process(incoming({ query: entityQuery, variables: { representations }, context: ctx(ANONYMOUS) }));
    expect(calls).toHaveLength(2);
    expect(cache.size).toBe(0);
  });
});
