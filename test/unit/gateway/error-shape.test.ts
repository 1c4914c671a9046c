// What clients see of a failure behind the gateway: a subgraph that answered keeps its own
// message and code (masked of internals) with `extensions.subgraph` naming it; only calls that
// got no usable answer (refused, reset, timed out, 5xx without a GraphQL body) are
// UPSTREAM_UNAVAILABLE. And entity errors point at the item they are about.

import { describe, expect, it } from 'vitest';
import type { Fetcher } from '@apollo/utils.fetcher';
import * as errorShape from '../../../gateway/error-shape.ts';

const { formatGatewayError } = errorShape;
import { DataexDataSource } from '../../../gateway/datasource.ts';
import { EntityCache } from '../../../gateway/entity-cache.ts';
import { ANONYMOUS } from '../../../lib/principal.ts';
import { failureOf, run, serverWith } from '../plugins/helpers.ts';

describe('formatGatewayError', () => {
  it('gives a 4xx error Apollo raised without a code (an APQ hash that does not match) BAD_REQUEST', () => {
    const apq = formatGatewayError({ message: 'provided sha does not match query', extensions: { http: { status: 400 } } });
    expect(apq.extensions).toEqual({ code: 'BAD_REQUEST' });
    expect(formatGatewayError({ message: 'boom' }).extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR' });
  });

  it("keeps a subgraph's own error: its message and its code, with the subgraph named", () => {
    expect(formatGatewayError({ message: 'search index is rebuilding', path: ['search'], extensions: { code: 'INTERNAL_SERVER_ERROR', serviceName: 'catalog' } })).toEqual({
      message: 'search index is rebuilding',
      path: ['search'],
      extensions: { code: 'INTERNAL_SERVER_ERROR', subgraph: 'catalog' },
    });
    const custom = formatGatewayError({ message: 'rows must be at most 50', extensions: { code: 'SAMPLE_TOO_LARGE', serviceName: 'beijing' } });
    expect(custom.message).toBe('rows must be at most 50');
    expect(custom.extensions).toEqual({ code: 'SAMPLE_TOO_LARGE', subgraph: 'beijing' });
    // The subgraph sent no code (the gateway marks it DOWNSTREAM_SERVICE_ERROR): it answered, with an error.
    const uncoded = formatGatewayError({ message: 'something odd', extensions: { code: 'DOWNSTREAM_SERVICE_ERROR', serviceName: 'guiyang' } });
    expect(uncoded).toMatchObject({ message: 'something odd', extensions: { code: 'UPSTREAM_ERROR', subgraph: 'guiyang' } });
  });

  it('names the exchange where its upstream is at fault, and keeps a transport failure UPSTREAM_UNAVAILABLE', () => {
    expect(formatGatewayError({ message: 'beijing GET /detail: HTTP 503', extensions: { code: 'UPSTREAM_UNAVAILABLE', exchange: 'beijing', serviceName: 'beijing' } }).extensions).toEqual({
      code: 'UPSTREAM_UNAVAILABLE',
      exchange: 'beijing',
      subgraph: 'beijing',
    });
    expect(formatGatewayError({ message: 'subgraph shanghai: connection refused', extensions: { code: 'UPSTREAM_UNAVAILABLE', serviceName: 'shanghai' } })).toEqual({
      message: 'subgraph shanghai: connection refused',
      extensions: { code: 'UPSTREAM_UNAVAILABLE', exchange: 'shanghai', subgraph: 'shanghai' },
    });
    // A refusal is nobody's fault.
    expect(formatGatewayError({ message: 'price plans need the analyst role', extensions: { code: 'FORBIDDEN', serviceName: 'beijing' } }).extensions).toEqual({
      code: 'FORBIDDEN',
      subgraph: 'beijing',
    });
    // Nor is the exchange at fault when its subgraph fails on its own.
    expect(formatGatewayError({ message: 'internal error', extensions: { code: 'INTERNAL_SERVER_ERROR', serviceName: 'beijing' } })).toEqual({
      message: 'internal error',
      extensions: { code: 'INTERNAL_SERVER_ERROR', subgraph: 'beijing' },
    });
  });

  it('masks internals: stack traces, URLs, hosts and ports, credentials, file paths', () => {
    const message = [
      'connect ECONNREFUSED 10.0.3.7:4102 via http://sim-shanghai.internal:4102/oauth/token?client_secret=s3cr3t',
      'redis-master:6379 said no; token=abc.def.ghi; Authorization: Bearer dx_4fGh5jK6lMn7 (password=hunter2)',
      'TypeError: x is undefined',
      '    at resolve (/srv/dataex/subgraphs/beijing/resolvers.ts:12:5)',
      '    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)',
    ].join('\n');
    const masked = formatGatewayError({ message, extensions: { code: 'INTERNAL_SERVER_ERROR', serviceName: 'beijing', stacktrace: ['x'] } });
    for (const leak of ['10.0.3.7', '4102', 'sim-shanghai', 's3cr3t', 'redis-master', '6379', 'abc.def.ghi', 'dx_4fGh5jK6lMn7', 'hunter2', '/srv/dataex', 'resolvers.ts', 'task_queues', '    at ']) {
      expect(masked.message).not.toContain(leak);
    }
    expect(masked.message).toMatch(/^connect ECONNREFUSED/);
    expect(masked.message).toContain('TypeError: x is undefined');
    expect(masked.extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR', subgraph: 'beijing' });
    // Ordinary text (times, dates, Chinese, e.g.) is left alone.
    const mask = (errorShape as unknown as { maskInternals(m: string): string }).maskInternals;
    for (const plain of [
      'DateTime cannot represent "now-7d": e.g. 2024-05-06T12:00:00+08:00 at 12:30 — 上海数据交易所 (no.1)',
      'shanghai token: client credentials rejected (HTTP 401)',
      'bearer token rejected (HTTP 401) even after a refresh',
      'shanghai POST /oauth/token: connection failed (UND_ERR_SOCKET)',
      'beijing detail fc011d505ba15764a251d4243041e69b: upstream error code 500 (系统繁忙)',
    ]) {
      expect(mask(plain)).toBe(plain);
    }
  });
});

/** A data source whose subgraph calls answer with `reply`. */
function dataSource(reply: () => Promise<Response>, entityCache?: EntityCache) {
  const fetcher = (async () => reply()) as unknown as Fetcher;
  return new DataexDataSource({ url: 'http://10.1.2.3:4002/graphql', fetcher, serviceName: 'beijing', entityCache });
}

const json = (status: number, body: unknown) => async () => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

const incoming = (request: { query: string; variables?: Record<string, unknown> }, pathInIncomingRequest: (string | number)[] = [], requestContext: object = {}) => ({
  kind: 'incoming operation' as never, // GraphQLDataSourceRequestKind.INCOMING_OPERATION
  request,
  context: { principal: ANONYMOUS, stale: new Set<string>(), outcome: {} },
  incomingRequestContext: requestContext as never,
  pathInIncomingRequest,
});

describe('DataexDataSource: a subgraph answer vs. no answer', () => {
  it('passes on the GraphQL errors of a subgraph that answered with an HTTP error status', async () => {
    const body = {
      errors: [
        { message: 'Variable "$representations" got invalid value', extensions: { code: 'BAD_USER_INPUT' } },
        { message: 'and another', extensions: { code: 'FORBIDDEN' } },
      ],
    };
    const response = await dataSource(json(400, body)).process(incoming({ query: '{ a }' }));
    expect(response.errors).toEqual(body.errors);
    const five = await dataSource(json(500, { data: null, errors: [{ message: 'internal error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] })).process(incoming({ query: '{ a }' }));
    expect(five.errors).toEqual([{ message: 'internal error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }]);
  });

  it('is UPSTREAM_UNAVAILABLE only without an answer: refused, 5xx without a GraphQL body', async () => {
    const refused = await failureOf(
      dataSource(() => Promise.reject(Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('connect ECONNREFUSED 10.1.2.3:4002'), { code: 'ECONNREFUSED' }) }))).process(
        incoming({ query: '{ a }' }),
      ),
    );
    expect(refused.message).toBe('subgraph beijing: connection refused');
    expect(refused.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', serviceName: 'beijing' });
    const bad = await failureOf(dataSource(async () => new Response('<html>Bad Gateway</html>', { status: 502, headers: { 'content-type': 'text/html' } })).process(incoming({ query: '{ a }' })));
    expect(bad.message).toBe('subgraph beijing: HTTP 502');
    expect(bad.extensions.code).toBe('UPSTREAM_UNAVAILABLE');
    // It answered, but not with GraphQL: that is an error answer, not an outage.
    const notFound = await failureOf(dataSource(async () => new Response('no route', { status: 404, headers: { 'content-type': 'text/plain' } })).process(incoming({ query: '{ a }' })));
    expect(notFound.message).toBe('subgraph beijing: HTTP 404 without a GraphQL answer');
    expect(notFound.extensions.code).toBe('UPSTREAM_ERROR');
  });
});

describe('entity error paths', () => {
  // A list mixing exchanges: the beijing subgraph is asked only for the Beijing entities.
  const root = {
    search: {
      edges: [
        { node: { __typename: 'ShanghaiDataset', id: 's1' } },
        { node: { __typename: 'BeijingDataset', id: 'b1' } },
        { node: null },
        { node: { __typename: 'GuiyangDataset', id: 'g1' } },
        { node: { __typename: 'BeijingDataset', id: 'b2' } },
      ],
    },
  };
  const entityQuery = 'query E($representations: [_Any!]!) { _entities(representations: $representations) { ... on BeijingDataset { pricing { model } } } }';
  const representations = [
    { __typename: 'BeijingDataset', id: 'b1' },
    { __typename: 'BeijingDataset', id: 'b2' },
  ];

  for (const cached of [false, true]) {
    it(`name the entity's position among all the entities at the fetch's path (entity cache ${cached ? 'on' : 'off'})`, async () => {
      const request = {};
      const catalog = dataSource(json(200, { data: structuredClone(root) }));
      await catalog.process(incoming({ query: '{ search { edges { node { __typename id } } } }' }, [], request));
      const reply = json(200, {
        data: { _entities: [null, null] },
        errors: [
          { message: 'beijing detail: HTTP 503', path: ['_entities', 0, 'pricing'], extensions: { code: 'UPSTREAM_UNAVAILABLE', exchange: 'beijing' } },
          { message: 'beijing detail: HTTP 503', path: ['_entities', 1], extensions: { code: 'UPSTREAM_UNAVAILABLE', exchange: 'beijing' } },
        ],
      });
      const beijing = dataSource(reply, cached ? new EntityCache() : undefined);
      const response = await beijing.process(incoming({ query: entityQuery, variables: { representations } }, ['search', 'edges', '@', 'node'], request));
      // b1 is the 2nd non-null entity at search.edges.@.node (index 1), b2 the 4th (index 3): the
      // gateway turns ['_entities', i] into the path of the i-th of them.
      expect(response.errors?.map((e) => e.path)).toEqual([
        ['_entities', 1, 'pricing'],
        ['_entities', 3],
      ]);
    });
  }
});

describe('formatGatewayError: what it keeps and what it hides', () => {
  it('keeps message, locations, path and the extensions clients may read; drops every other extension', () => {
    const formatted = formatGatewayError({
      message: 'query too complex',
      locations: [{ line: 1, column: 3 }],
      path: ['search', 0, 'provider'],
      extensions: {
        code: 'QUERY_TOO_COMPLEX',
        cost: 120_000,
        limit: 5_000,
        retryAfterSeconds: 3,
        count: 2,
        stale: [{ exchange: 'beijing' }],
        stacktrace: ['Error: x', '    at /srv/dataex/gateway/server.ts:1:1'],
        exception: { stacktrace: ['x'] },
        response: { url: 'http://10.1.2.3:4002/graphql', status: 500, body: 'secret body' },
        http: { status: 400 },
        internalNote: 'key store at redis://10.0.0.5:6379',
      },
    });
    expect(formatted).toEqual({
      message: 'query too complex',
      locations: [{ line: 1, column: 3 }],
      path: ['search', 0, 'provider'],
      extensions: { code: 'QUERY_TOO_COMPLEX', cost: 120_000, limit: 5_000, retryAfterSeconds: 3, count: 2, stale: [{ exchange: 'beijing' }] },
    });
  });

  it('gives an error without a code INTERNAL_SERVER_ERROR (BAD_REQUEST for a 4xx, UPSTREAM_ERROR from a subgraph)', () => {
    expect(formatGatewayError({ message: 'x', extensions: { http: { status: 503 } } }).extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR' });
    expect(formatGatewayError({ message: 'x', extensions: { http: { status: 404 } } }).extensions).toEqual({ code: 'BAD_REQUEST' });
    expect(formatGatewayError({ message: 'x', extensions: { code: 42 } }).extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR' });
    expect(formatGatewayError({ message: 'x', extensions: { serviceName: 'registry' } }).extensions).toEqual({ code: 'UPSTREAM_ERROR', subgraph: 'registry' });
  });

  it('names an exchange only for an exchange subgraph failing upstream, or where the error says so', () => {
    for (const subgraph of ['catalog', 'registry']) {
      expect(formatGatewayError({ message: 'x', extensions: { code: 'UPSTREAM_UNAVAILABLE', serviceName: subgraph } }).extensions).toEqual({ code: 'UPSTREAM_UNAVAILABLE', subgraph });
    }
    expect(formatGatewayError({ message: 'x', extensions: { code: 'UPSTREAM_ERROR', serviceName: 'guiyang' } }).extensions).toEqual({
      code: 'UPSTREAM_ERROR',
      exchange: 'guiyang',
      subgraph: 'guiyang',
    });
    expect(formatGatewayError({ message: 'x', extensions: { code: 'UPSTREAM_ERROR', exchange: 'shanghai', serviceName: 'catalog' } }).extensions).toEqual({
      code: 'UPSTREAM_ERROR',
      exchange: 'shanghai',
      subgraph: 'catalog',
    });
  });

  it("is what a client sees of a resolver's crash: masked message, no stack trace even when Apollo would include one", async () => {
    const server = await serverWith({
      typeDefs: 'type Query { boom: String, ok: String }',
      resolvers: {
        Query: {
          ok: () => 'fine',
          boom: () => {
            throw new Error('connect ECONNREFUSED 10.0.0.9:6379 while reading redis://default:hunter2@10.0.0.9:6379/0 from /srv/dataex/lib/redis.ts:40:7');
          },
        },
      },
      plugins: [],
      includeStacktraceInErrorResponses: true,
      formatError: (formatted) => formatGatewayError(formatted),
    });
    const { result } = await run(server, { query: '{ ok boom }' });
    expect(result.data).toEqual({ ok: 'fine', boom: null });
    const [error] = result.errors!;
    expect(error.extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR' });
    expect(error.path).toEqual(['boom']);
    expect(error.locations).toEqual([{ line: 1, column: 6 }]);
    expect(error.message).toMatch(/^connect ECONNREFUSED/);
    for (const leak of ['10.0.0.9', '6379', 'hunter2', 'redis://', '/srv/dataex', 'redis.ts']) expect(error.message).not.toContain(leak);
  });
});
