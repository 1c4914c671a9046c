// Operation facts (gateway/plugins/operation-facts.ts): what the audit log and the response
// cache learn of an answered operation: its name, document hash, error codes (one each), whether
// it has data, and whether it resolved to an operation of a valid document.

import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { GraphQLError } from 'graphql';
import { operationFactsPlugin } from '../../../gateway/plugins/operation-facts.ts';
import { run, serverWith } from './helpers.ts';

const typeDefs = 'type Query { hello: String, echo(n: Int!): Int, down: String, downToo: String, broken: String }';
const resolvers = {
  Query: {
    hello: () => 'world',
    echo: (_: unknown, { n }: { n: number }) => n,
    down: () => {
      throw new GraphQLError('beijing is down', { extensions: { code: 'UPSTREAM_UNAVAILABLE' } });
    },
    downToo: () => {
      throw new GraphQLError('shanghai is down', { extensions: { code: 'UPSTREAM_UNAVAILABLE' } });
    },
    broken: () => {
      throw new Error('a bug');
    },
  },
};

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const server = (formatError?: Parameters<typeof serverWith>[0]['formatError']) => serverWith({ typeDefs, resolvers, plugins: [operationFactsPlugin()], formatError });

describe('operationFactsPlugin', () => {
  it('records the name and the SHA-256 of the document of a clean answer', async () => {
    const s = await server();
    const query = 'query Greeting { hello }';
    expect((await run(s, { query })).context.outcome.facts).toEqual({ operationName: 'Greeting', queryHash: sha256(query), errorCodes: [], hasData: true, resolved: true });
    const anonymous = await run(s, { query: '{ hello }' });
    expect(anonymous.context.outcome.facts).toMatchObject({ operationName: null, queryHash: sha256('{ hello }'), resolved: true });
  });

  it('names the operation chosen of several', async () => {
    const s = await server();
    const query = 'query A { hello } query B { echo(n: 2) }';
    const { result, context } = await run(s, { query, operationName: 'B' });
    expect(result.data).toEqual({ echo: 2 });
    expect(context.outcome.facts).toMatchObject({ operationName: 'B', resolved: true });
  });

  it('lists each error code once, with partial data', async () => {
    const s = await server();
    const { context } = await run(s, { query: '{ hello down downToo broken }' });
    expect(context.outcome.facts?.errorCodes.sort()).toEqual(['INTERNAL_SERVER_ERROR', 'UPSTREAM_UNAVAILABLE']);
    expect(context.outcome.facts?.hasData).toBe(true);
  });

  it('counts an error the formatter left without a code as INTERNAL_SERVER_ERROR', async () => {
    const s = await server((formatted) => ({ message: formatted.message }));
    const { result, context } = await run(s, { query: '{ broken }' });
    expect(result.errors?.[0].extensions).toBeUndefined();
    expect(context.outcome.facts?.errorCodes).toEqual(['INTERNAL_SERVER_ERROR']);
  });

  it('marks a document that does not parse or validate unresolved, without data', async () => {
    const s = await server();
    const unparsed = await run(s, { query: 'query Broken { hello', operationName: 'Broken' });
    expect(unparsed.context.outcome.facts).toEqual({ operationName: 'Broken', queryHash: sha256('query Broken { hello'), errorCodes: ['GRAPHQL_PARSE_FAILED'], hasData: false, resolved: false });
    const invalid = await run(s, { query: 'query Q { nope }' });
    expect(invalid.context.outcome.facts).toMatchObject({ errorCodes: ['GRAPHQL_VALIDATION_FAILED'], hasData: false, resolved: false });
  });

  it('marks a resolved operation whose variables do not coerce resolved, without data', async () => {
    const s = await server();
    const { context } = await run(s, { query: 'query E($n: Int!) { echo(n: $n) }', variables: { n: 'three' } });
    expect(context.outcome.facts).toMatchObject({ operationName: 'E', errorCodes: ['BAD_USER_INPUT'], hasData: false, resolved: true });
  });

  it('takes the APQ hash as the document hash', async () => {
    const s = await server();
    const query = '{ echo(n: 7) }';
    const sha256Hash = sha256(query);
    await run(s, { query, extensions: { persistedQuery: { version: 1, sha256Hash } } });
    const { result, context } = await run(s, { extensions: { persistedQuery: { version: 1, sha256Hash } } });
    expect(result.data).toEqual({ echo: 7 });
    expect(context.outcome.facts?.queryHash).toBe(sha256Hash);
  });
});
