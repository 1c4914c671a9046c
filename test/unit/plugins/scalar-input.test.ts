// Custom scalars at the gateway (gateway/plugins/scalar-input.ts): a schema built from SDL takes
// any value for `scalar Long` and `scalar DateTime`; with the plugin, graphql refuses a bad one
// the way it refuses a bad Int: a literal fails validation, a variable fails coercion
// (BAD_USER_INPUT naming the variable), both HTTP 400, before any resolver runs.

import { describe, expect, it } from 'vitest';
import { scalarInputPlugin } from '../../../gateway/plugins/scalar-input.ts';
import { codesOf, run, serverWith } from './helpers.ts';

const typeDefs = /* GraphQL */ `
  scalar Long
  scalar DateTime
  scalar Date
  type Query {
    long(v: Long): Long
    at(v: DateTime): DateTime
    day(v: Date): Date
  }
`;

let calls = 0;
const echo = (_: unknown, { v }: { v: unknown }) => {
  calls++;
  return v;
};
const resolvers = { Query: { long: echo, at: echo, day: echo } };

const withPlugin = () => serverWith({ typeDefs, resolvers, plugins: [scalarInputPlugin()] });

describe('scalarInputPlugin', () => {
  it('is needed: without it, a schema from SDL takes any Long or DateTime', async () => {
    const s = await serverWith({ typeDefs, resolvers, plugins: [] });
    expect((await run(s, { query: '{ long(v: "abc") at(v: "yesterday") }' })).result).toEqual({ data: { long: 'abc', at: 'yesterday' } });
  });

  it('refuses a bad literal in validation: GRAPHQL_VALIDATION_FAILED, HTTP 400, with its location', async () => {
    const s = await withPlugin();
    const before = calls;
    for (const query of ['{ long(v: "abc") }', '{ long(v: "9007199254740992") }', '{ long(v: 1.5) }', '{ at(v: "2024-02-30") }', '{ at(v: "2024-05-06T25:00:00Z") }', '{ at(v: "now-7d") }']) {
      const { status, result } = await run(s, { query });
      expect(status, query).toBe(400);
      expect(codesOf(result), query).toEqual(['GRAPHQL_VALIDATION_FAILED']);
      expect(result.errors?.[0].message, query).toMatch(/Long cannot represent|DateTime cannot represent/);
      expect(result.errors?.[0].locations?.[0].line, query).toBe(1);
    }
    expect(calls).toBe(before);
  });

  it('refuses a bad variable in coercion: BAD_USER_INPUT naming the variable, HTTP 400', async () => {
    const s = await withPlugin();
    const before = calls;
    const long = await run(s, { query: 'query Q($amount: Long) { long(v: $amount) }', variables: { amount: '12x' } });
    expect(long.status).toBe(400);
    expect(codesOf(long.result)).toEqual(['BAD_USER_INPUT']);
    expect(long.result.errors?.[0].message).toMatch(/\$amount/);
    expect(long.result.errors?.[0].message).toMatch(/Long cannot represent/);
    const at = await run(s, { query: 'query Q($since: DateTime) { at(v: $since) }', variables: { since: 'last tuesday' } });
    expect(at.status).toBe(400);
    expect(codesOf(at.result)).toEqual(['BAD_USER_INPUT']);
    expect(at.result.errors?.[0].message).toMatch(/\$since/);
    expect(calls).toBe(before);
  });

  it('reads good values the dataex way: Long as a number, DateTime in China time', async () => {
    const s = await withPlugin();
    const literal = await run(s, { query: '{ a: long(v: "9007199254740991") b: long(v: 42) c: at(v: "2024-05-06") d: at(v: "2024-05-06T04:00:00Z") }' });
    expect(literal.result).toEqual({ data: { a: 9007199254740991, b: 42, c: '2024-05-06T00:00:00+08:00', d: '2024-05-06T12:00:00+08:00' } });
    const variables = await run(s, { query: 'query Q($n: Long, $t: DateTime) { long(v: $n) at(v: $t) }', variables: { n: '-100000', t: '2024-05-06T12:00:00+08:00' } });
    expect(variables.result).toEqual({ data: { long: -100000, at: '2024-05-06T12:00:00+08:00' } });
  });

  it('leaves other scalars alone, and a schema without Long or DateTime works as before', async () => {
    const s = await withPlugin();
    expect((await run(s, { query: '{ day(v: "whenever") }' })).result).toEqual({ data: { day: 'whenever' } });
    const plain = await serverWith({ typeDefs: 'type Query { n: Int }', resolvers: { Query: { n: () => 1 } }, plugins: [scalarInputPlugin()] });
    expect((await run(plain, { query: '{ n }' })).result).toEqual({ data: { n: 1 } });
  });
});
