// The stale report (gateway/plugins/stale-report.ts): upstreams whose part of an answer is the
// last good data (collected in context.stale) become `extensions.stale`, sorted, one entry per
// exchange, and the answer is marked `Cache-Control: no-store` whatever its cache hints said.

import { describe, expect, it } from 'vitest';
import type { ApolloServerPlugin } from '@apollo/server';
import { staleReportPlugin } from '../../../gateway/plugins/stale-report.ts';
import type { GatewayContext } from '../../../gateway/contracts.ts';
import { CACHE_CONTROL_SDL, contextOf, run, serverWith } from './helpers.ts';

const typeDefs = /* GraphQL */ `
  ${CACHE_CONTROL_SDL}
  type Query {
    cached: Int @cacheControl(maxAge: 60)
    fromGuiyang: Int @cacheControl(maxAge: 60)
  }
`;

const resolvers = {
  Query: {
    cached: () => 1,
    // What the data source does when a subgraph reports stale data.
    fromGuiyang: (_: unknown, __: unknown, context: GatewayContext) => {
      context.stale.add('guiyang');
      return 2;
    },
  },
};

/** Another plugin's extension, set before the stale report runs. */
const traceIdPlugin: ApolloServerPlugin<GatewayContext> = {
  async requestDidStart() {
    return {
      async willSendResponse({ response }) {
        if (response.body.kind === 'single') response.body.singleResult.extensions = { traceId: 'abc' };
      },
    };
  },
};

const server = () => serverWith({ typeDefs, resolvers, plugins: [traceIdPlugin, staleReportPlugin()] });

describe('staleReportPlugin', () => {
  it('reports each stale upstream, sorted, and marks the answer no-store', async () => {
    const s = await server();
    const { result, headers } = await run(s, { query: '{ cached }' }, contextOf(undefined, { stale: new Set(['shanghai', 'beijing']) }));
    expect(result.data).toEqual({ cached: 1 });
    expect(result.extensions?.stale).toEqual([
      { exchange: 'beijing', message: expect.stringMatching(/^beijing is failing/) },
      { exchange: 'shanghai', message: expect.stringMatching(/^shanghai is failing/) },
    ]);
    expect(result.extensions?.traceId).toBe('abc');
    expect(headers.get('cache-control')).toBe('no-store');
  });

  it('reports what went stale while the operation ran', async () => {
    const s = await server();
    const { result, headers } = await run(s, { query: '{ cached fromGuiyang }' });
    expect(result.extensions?.stale).toEqual([{ exchange: 'guiyang', message: expect.stringContaining('last good data') }]);
    expect(headers.get('cache-control')).toBe('no-store');
  });

  it('adds nothing to a fresh answer, which keeps its cache hints', async () => {
    const s = await server();
    const { result, headers } = await run(s, { query: '{ cached }' });
    expect(result.extensions).toEqual({ traceId: 'abc' });
    expect(headers.get('cache-control')).toBe('max-age=60, public');
  });
});
