// The cache decision (gateway/plugins/cache-decision.ts): what goes into the response cache, for
// how long and for whom. Queries only, no errors, nothing stale, a TTL from the cache hints.

import { describe, expect, it } from 'vitest';
import { GraphQLError } from 'graphql';
import { cacheDecisionPlugin } from '../../../gateway/plugins/cache-decision.ts';
import { CACHE_CONTROL_SDL, contextOf, run, serverWith } from './helpers.ts';

const typeDefs = /* GraphQL */ `
  ${CACHE_CONTROL_SDL}
  type Query {
    cached: Int @cacheControl(maxAge: 60)
    short: Int @cacheControl(maxAge: 10)
    mine: Int @cacheControl(maxAge: 30, scope: PRIVATE)
    uncached: Int
    boom: Int @cacheControl(maxAge: 60)
    goesStale: Int @cacheControl(maxAge: 60)
  }
  type Mutation {
    touch: Int @cacheControl(maxAge: 60)
  }
`;

const resolvers = {
  Query: {
    cached: () => 1,
    short: () => 2,
    mine: () => 3,
    uncached: () => 4,
    boom: () => {
      throw new GraphQLError('upstream failed', { extensions: { code: 'UPSTREAM_UNAVAILABLE' } });
    },
    // What the data source does when a subgraph reports stale data.
    goesStale: (_: unknown, __: unknown, context: { stale: Set<string> }) => {
      context.stale.add('shanghai');
      return 5;
    },
  },
  Mutation: { touch: () => 6 },
};

const server = () => serverWith({ typeDefs, resolvers, plugins: [cacheDecisionPlugin()] });

describe('cacheDecisionPlugin', () => {
  it('makes a clean query cacheable for the shortest max-age of its fields, PUBLIC', async () => {
    const s = await server();
    expect((await run(s, { query: '{ cached }' })).context.outcome.cacheDecision).toEqual({ cacheable: true, maxAgeS: 60, scope: 'PUBLIC', isQuery: true });
    expect((await run(s, { query: '{ cached short }' })).context.outcome.cacheDecision).toEqual({ cacheable: true, maxAgeS: 10, scope: 'PUBLIC', isQuery: true });
  });

  it('scopes an answer with a PRIVATE field PRIVATE', async () => {
    const s = await server();
    expect((await run(s, { query: '{ cached mine }' })).context.outcome.cacheDecision).toEqual({ cacheable: true, maxAgeS: 30, scope: 'PRIVATE', isQuery: true });
  });

  it('does not cache a query with a field that has no max-age', async () => {
    const s = await server();
    expect((await run(s, { query: '{ cached uncached }' })).context.outcome.cacheDecision).toEqual({ cacheable: false, maxAgeS: 0, scope: 'PUBLIC', isQuery: true });
  });

  it('does not cache an answer with errors', async () => {
    const s = await server();
    const { result, context } = await run(s, { query: '{ cached boom }' });
    expect(result.errors).toHaveLength(1);
    expect(context.outcome.cacheDecision).toMatchObject({ cacheable: false, isQuery: true });
  });

  it('does not cache an answer with stale parts, whether the context came stale or went stale', async () => {
    const s = await server();
    const before = await run(s, { query: '{ cached }' }, contextOf(undefined, { stale: new Set(['beijing']) }));
    expect(before.context.outcome.cacheDecision).toMatchObject({ cacheable: false, isQuery: true });
    const during = await run(s, { query: '{ cached goesStale }' });
    expect(during.result.errors).toBeUndefined();
    expect(during.context.outcome.cacheDecision).toMatchObject({ cacheable: false, isQuery: true });
  });

  it('never caches a mutation, whatever its hints', async () => {
    const s = await server();
    const { result, context } = await run(s, { query: 'mutation { touch }' });
    expect(result.data).toEqual({ touch: 6 });
    expect(context.outcome.cacheDecision).toMatchObject({ cacheable: false, isQuery: false });
  });

  it('decides (not cacheable) for a document that never resolved to an operation', async () => {
    const s = await server();
    for (const query of ['{ cached', '{ nope }']) {
      const { context } = await run(s, { query });
      expect(context.outcome.cacheDecision).toMatchObject({ cacheable: false, isQuery: false });
    }
  });

  it('decides per request: a mutation does not leave a later query uncacheable, nor a query a later mutation cacheable', async () => {
    const s = await server();
    const [q, m] = await Promise.all([run(s, { query: '{ cached }' }), run(s, { query: 'mutation { touch }' })]);
    expect(q.context.outcome.cacheDecision?.cacheable).toBe(true);
    expect(m.context.outcome.cacheDecision?.cacheable).toBe(false);
  });
});
