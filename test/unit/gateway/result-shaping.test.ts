// gateway/result-shaping.ts against @apollo/gateway's own computeResponse on leaf values of every
// kind, valid and not: the same data and the same errors (the conformance suite covers whole
// answers through real subgraphs; subgraphs there never send a value of the wrong type).

import { createRequire } from 'node:module';
import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { shapeResponse } from '../../../gateway/result-shaping.ts';

const requireFromGateway = createRequire(createRequire(import.meta.url).resolve('@apollo/gateway'));
const internals = requireFromGateway('@apollo/federation-internals');
const { computeResponse } = requireFromGateway('./resultShaping');

const schema = internals.buildSchema(`
  enum Color { RED GREEN }
  scalar JSON
  type Query { s: String i: Int f: Float b: Boolean id: ID e: Color j: JSON ss: [String!] }
`);
const FIELDS = ['s', 'i', 'f', 'b', 'id', 'e', 'j', 'ss'];
/** The data and error messages, or what was thrown (a list field given a non-list value throws, in both). */
function outcome(run: () => { data: unknown; errors: Error[] }): unknown {
  try {
    const { data, errors } = run();
    return { data, errors: errors.map((e) => e.message) };
  } catch (e) {
    return { thrown: (e as Error).message };
  }
}

const VALUES: unknown[] = ['x', '', 'RED', 'BLUE', '12', 0, -0, 7, -3, 1.5, 2 ** 53, 1e21, Number.NaN, true, false, { a: 1 }, ['x'], ['x', 3]];

describe('result shaping: leaf values', () => {
  for (const field of FIELDS) {
    it(`${field}: every kind of value, as @apollo/gateway judges it`, () => {
      const operation = internals.operationFromDocument(schema, parse(`{ ${field} }`), { validate: true });
      for (const value of VALUES) {
        const args = { operation, variables: {}, input: { [field]: value }, introspectionHandling: () => null };
        const label = `${field} = ${JSON.stringify(value)}`;
        expect(
          outcome(() => shapeResponse(args)),
          label,
        ).toEqual(outcome(() => computeResponse(args)));
      }
    });
  }

  it('refuses what it should (the comparison above is not between two gateways that accept anything)', () => {
    const operation = internals.operationFromDocument(schema, parse('{ i b e }'), { validate: true });
    const { data, errors } = shapeResponse({ operation, variables: {}, input: { i: 1.5, b: 'yes', e: 'BLUE' }, introspectionHandling: () => null });
    expect(data).toEqual({ i: null, b: null, e: null });
    expect(errors.map((e: Error) => e.message)).toEqual(['Invalid value found for field Query.i.', 'Invalid value found for field Query.b.', 'Invalid value found for field Query.e.']);
  });
});
