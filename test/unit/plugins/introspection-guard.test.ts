// The introspection guard (gateway/plugins/introspection-guard.ts): with introspection off,
// public callers cannot ask for the schema (`__schema`, `__type`), however the document hides
// it (fragments, inline fragments, fragments of fragments); analysts and admins can.

import { describe, expect, it } from 'vitest';
import { introspectionGuardPlugin } from '../../../gateway/plugins/introspection-guard.ts';
import { ANONYMOUS } from '../../../lib/principal.ts';
import { codesOf, contextOf, principalOf, run, serverWith } from './helpers.ts';

let helloCalls = 0;
const server = () =>
  serverWith({
    typeDefs: 'type Query { hello: String, nested: Nested } type Nested { name: String }',
    resolvers: {
      Query: {
        hello: () => {
          helloCalls++;
          return 'world';
        },
        nested: () => ({ name: 'n' }),
      },
    },
    plugins: [introspectionGuardPlugin()],
  });

const asking = {
  __schema: '{ __schema { queryType { name } } }',
  __type: '{ __type(name: "Query") { name } }',
  'a named fragment': 'query { ...F } fragment F on Query { __schema { types { name } } }',
  'an inline fragment': '{ ... on Query { __type(name: "Nested") { name } } }',
  'a fragment of a fragment': 'query { hello ...A } fragment A on Query { ...B } fragment B on Query { ... on Query { __schema { queryType { name } } } }',
  'beside a normal field': '{ hello __schema { queryType { name } } }',
};

describe('introspectionGuardPlugin', () => {
  for (const [how, query] of Object.entries(asking)) {
    it(`refuses a public caller the schema asked for with ${how}: FORBIDDEN, HTTP 403, nothing run`, async () => {
      const s = await server();
      const before = helloCalls;
      const { status, result } = await run(s, { query }, contextOf(ANONYMOUS));
      expect(status).toBe(403);
      expect(codesOf(result)).toEqual(['FORBIDDEN']);
      expect(result.errors?.[0].message).toMatch(/introspection is disabled/);
      expect(result.data).toBeUndefined();
      expect(helloCalls).toBe(before);
    });
  }

  it('gives analysts and admins the schema', async () => {
    const s = await server();
    for (const role of ['analyst', 'admin'] as const) {
      const { status, result } = await run(s, { query: asking['a fragment of a fragment'] }, contextOf(principalOf(role)));
      expect(status, role).not.toBe(403);
      expect(result.errors, role).toBeUndefined();
      expect(result.data).toEqual({ hello: 'world', __schema: { queryType: { name: 'Query' } } });
    }
  });

  it('lets a public caller run ordinary queries, __typename included', async () => {
    const s = await server();
    const { result } = await run(s, { query: '{ __typename hello nested { __typename name } }' }, contextOf(ANONYMOUS));
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({ __typename: 'Query', hello: 'world', nested: { __typename: 'Nested', name: 'n' } });
  });

  it('looks at the operation that runs, not its siblings in the document', async () => {
    const s = await server();
    const document = 'query Plain { hello } query Schema { __schema { queryType { name } } }';
    const plain = await run(s, { query: document, operationName: 'Plain' }, contextOf(ANONYMOUS));
    expect(plain.result.errors).toBeUndefined();
    expect(plain.result.data).toEqual({ hello: 'world' });
    const schema = await run(s, { query: document, operationName: 'Schema' }, contextOf(ANONYMOUS));
    expect(codesOf(schema.result)).toEqual(['FORBIDDEN']);
  });
});
