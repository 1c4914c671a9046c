import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildSchema, getIntrospectionQuery, Kind, parse, type OperationDefinitionNode } from 'graphql';
import { DocumentChecker, DEFAULT_DOCUMENT_LIMITS } from '../../gateway/limits/document-limits.ts';
import { estimateCost } from '../../gateway/plugins/cost-limit.ts';

const checker = new DocumentChecker(DEFAULT_DOCUMENT_LIMITS);

function nest(levels: number): string {
  let inner = 'id';
  for (let i = 0; i < levels; i++) inner = `f { ${inner} }`;
  return `{ ${inner} }`;
}

describe('document limits', () => {
  it('accept ordinary documents and the standard introspection query (13 levels of ofType)', () => {
    expect(checker.check('{ search(first: 5) { edges { node { id title provider { name } } } } }')).toBeUndefined();
    expect(checker.check(getIntrospectionQuery())).toBeUndefined();
  });

  it('refuse each excess with the figure and the limit', () => {
    expect(checker.check(nest(12))).toBeUndefined();
    expect(checker.check(nest(13))).toMatchObject({ limit: 'depth', figure: 13, max: 12 });
    expect(checker.check(`{ x { ${Array.from({ length: 31 }, (_, i) => `a${i}: id`).join(' ')} } }`)).toMatchObject({ limit: 'aliases', figure: 31, max: 30 });
    expect(checker.check(`{ ${Array.from({ length: 11 }, (_, i) => `f${i}`).join(' ')} }`)).toMatchObject({ limit: 'rootFields', figure: 11, max: 10 });
    expect(checker.check(`{ x { ${'y '.repeat(6_000)} } }`)).toMatchObject({ limit: 'tokens', max: 5000 });
    expect(checker.check(`{ x } #${'.'.repeat(40_000)}`)).toMatchObject({ limit: 'bytes', max: 32_768 });
    // Introspection gets ten levels more, not unlimited.
    let deepType = 'name';
    for (let i = 0; i < 25; i++) deepType = `ofType { ${deepType} }`;
    expect(checker.check(`{ __type(name: "Query") { ${deepType} } }`)).toMatchObject({ limit: 'depth', max: 22 });
  });

  it('terminate on fragment cycles and count aliases inside fragments', () => {
    expect(checker.check('{ x { ...A } } fragment A on X { a: id ...B } fragment B on X { b: id ...A }')).toBeUndefined();
    const many = Array.from({ length: 31 }, (_, i) => `a${i}: id`).join(' ');
    expect(checker.check(`{ x { ...A } } fragment A on X { ${many} }`)).toMatchObject({ limit: 'aliases' });
  });
});

describe('cost estimate', () => {
  const schema = buildSchema(readFileSync(new URL('../../schema/api.graphql', import.meta.url), 'utf8'));
  const cost = (query: string, variables: Record<string, unknown> = {}) => {
    const doc = parse(query);
    const op = doc.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION) as OperationDefinitionNode;
    return estimateCost({ schema, selectionSet: op.selectionSet, rootType: schema.getQueryType()!, fragments: {}, variables });
  };

  it('multiplies by list sizes, with variables and schema defaults', () => {
    // search 1 + edges 100 + node 100 + id 100
    expect(cost('{ search(first: 100) { edges { node { id } } } }')).toBe(301);
    // default first: 20
    expect(cost('{ search { edges { node { id } } } }')).toBe(61);
    expect(cost('query($n: Int) { search(first: $n) { edges { node { id } } } }', { n: 10 })).toBe(31);
    // nested lists multiply: providers 1, edges/node/name/datasets 10 each, then 10 × 20 for each of edges/node/id
    expect(cost('{ providers(first: 10) { edges { node { name datasets { edges { node { id } } } } } } }')).toBe(1 + 4 * 10 + 3 * 200);
    expect(cost('{ datasets(ids: ["a", "b", "c"]) { id title } }')).toBe(1 + 3 + 3);
  });
});
