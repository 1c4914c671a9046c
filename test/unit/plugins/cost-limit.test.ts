// The cost estimate and the document limits under hostile documents (security issue 16, items 2
// and 3): variable defaults count, unknown sizes count as the subgraphs' caps, fragments are
// measured once each (work linear in the document, however often fragments spread fragments),
// and saved queries are held to the same limits when saved.

import { describe, expect, it } from 'vitest';
import {
  type GraphQLError,
  Kind,
  getNamedType,
  isInterfaceType,
  isObjectType,
  parse,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLNamedType,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { DEFAULT_DOCUMENT_LIMITS, DocumentChecker, measureDocument } from '../../../gateway/limits/document-limits.ts';
import { DEFAULT_COST_BUDGETS, LIST_SIZE_CAPS, costLimitPlugin, estimateCost, operationCost, savedDocumentLimitsCheck } from '../../../gateway/plugins/cost-limit.ts';
import { validateSavedDocument } from '../../../gateway/saved-queries/validate.ts';
import { typeVariables } from '../../../gateway/saved-queries/variables.ts';
import { loadShippedQueries } from '../../../gateway/saved-queries/shipped.ts';
import { MAX_PAGE_SIZE } from '../../../subgraphs/catalog/search-index.ts';
import { MAX_IDS } from '../../../subgraphs/catalog/resolvers.ts';
import { MAX_SAMPLE_ROWS } from '../../../subgraphs/common/exchange-subgraph.ts';
import { apiSchema as schema } from '../saved-queries/schema.ts';

function fragmentsOf(doc: DocumentNode): Record<string, FragmentDefinitionNode> {
  const out: Record<string, FragmentDefinitionNode> = {};
  for (const def of doc.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) out[def.name.value] = def;
  return out;
}

function operationIn(doc: DocumentNode): OperationDefinitionNode {
  return doc.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
}

/** estimateCost with already-coerced variables (the API the plugin had before the fix too). */
function estimate(doc: DocumentNode, variables: Record<string, unknown> = {}): number {
  return estimateCost({ schema, selectionSet: operationIn(doc).selectionSet, rootType: schema.getQueryType()!, fragments: fragmentsOf(doc), variables });
}

/**
 * Counts the work done on a document: every read of a selection set's `selections`. A walk that
 * visits each selection set once reads each once; expanding fragments at every spread reads a
 * fragment's selections once per path to it.
 */
function instrumented(doc: DocumentNode): { doc: DocumentNode; reads: () => number; selectionSets: number } {
  let reads = 0;
  let selectionSets = 0;
  const visit = (node: unknown): void => {
    if (!node || typeof node !== 'object') return;
    if (Array.isArray(node)) return node.forEach(visit);
    for (const [key, value] of Object.entries(node)) if (key !== 'loc') visit(value);
    if ((node as { kind?: string }).kind === Kind.SELECTION_SET) {
      selectionSets++;
      const selections = (node as SelectionSetNode).selections;
      Object.defineProperty(node, 'selections', {
        get() {
          reads++;
          return selections;
        },
      });
    }
  };
  visit(doc);
  return { doc, reads: () => reads, selectionSets };
}

/** `levels` fragments on Dataset, each spreading the next 4 times (the issue's 12-level document). */
function fragmentBomb(levels: number): string {
  const fragments: string[] = [];
  for (let i = 0; i < levels; i++) {
    fragments.push(i === levels - 1 ? `fragment F${i} on Dataset { id }` : `fragment F${i} on Dataset { id ...F${i + 1} ...F${i + 1} ...F${i + 1} ...F${i + 1} }`);
  }
  return `{ search(first: 1) { edges { node { ...F0 } } } } ${fragments.join(' ')}`;
}

/** search → provider → datasets → provider → datasets, every list of size `n` (literal or a variable). */
function threeLists(n: string): string {
  return `search(first: ${n}) { edges { node { provider { datasets(first: ${n}) { edges { node { provider { datasets(first: ${n}) { edges { node { id } } } } } } } } } } }`;
}
/** Cost of threeLists with size n: 1 + 4n + 4n² + 3n³. */
const threeListsCost = (n: number) => 1 + 4 * n + 4 * n * n + 3 * n * n * n;

/** The issue's document: ten aliases of three nested lists sized by `$n: Int = 100`. */
const tenAliases = (n: string) => Array.from({ length: 10 }, (_, i) => `a${i}: ${threeLists(n)}`).join(' ');
const withDefault = `query Q($n: Int = 100) { ${tenAliases('$n')} }`;
const withLiteral = `query Q { ${tenAliases('100')} }`;

async function pluginCheck(source: string, variables: Record<string, unknown> | undefined, role: 'public' | 'analyst' | 'admin' = 'public'): Promise<void> {
  const plugin = costLimitPlugin(DEFAULT_COST_BUDGETS);
  const listener = await plugin.requestDidStart!({} as never);
  const document = parse(source);
  await listener!.didResolveOperation!({ operation: operationIn(document), document, schema, request: { variables }, contextValue: { principal: { role } } } as never);
}

describe('cost estimate: variables', () => {
  it('applies variable defaults: $n: Int = 100 sent without variables costs what a literal 100 costs', async () => {
    const literal = estimate(parse(withLiteral));
    expect(literal).toBe(10 * threeListsCost(100));
    await expect(pluginCheck(withLiteral, undefined)).rejects.toMatchObject({ extensions: { code: 'QUERY_TOO_COMPLEX', cost: literal } });
    await expect(pluginCheck(withDefault, undefined)).rejects.toMatchObject({ extensions: { code: 'QUERY_TOO_COMPLEX', cost: literal } });
    await expect(pluginCheck(withDefault, {})).rejects.toMatchObject({ extensions: { code: 'QUERY_TOO_COMPLEX', cost: literal } });
    // The higher budgets do not save it either.
    await expect(pluginCheck(withDefault, {}, 'admin')).rejects.toMatchObject({ extensions: { code: 'QUERY_TOO_COMPLEX', limit: 100_000 } });
    // A variable the caller gives wins over the default.
    await expect(pluginCheck(`query Q($n: Int = 100) { ${threeLists('$n')} }`, { n: 5 })).resolves.toBeUndefined();
    expect(operationCost(schema, parse(withDefault), operationIn(parse(withDefault)), { n: 2 })).toBe(10 * threeListsCost(2));
  });

  it('a missing variable takes the argument default; a size nobody gives counts as the cap', () => {
    const cost = (source: string, variables: Record<string, unknown> = {}) => {
      const doc = parse(source);
      return operationCost(schema, doc, operationIn(doc), variables);
    };
    // `first: $n` with no value: search's own default, 20.
    expect(cost('query($n: Int) { search(first: $n) { edges { node { id } } } }')).toBe(1 + 3 * 20);
    // An explicit null: unknown, counted at the cap (100).
    expect(cost('query($n: Int) { search(first: $n) { edges { node { id } } } }', { n: null })).toBe(1 + 3 * 100);
    expect(cost('{ search(first: null) { edges { node { id } } } }')).toBe(1 + 3 * 100);
    // A value that does not coerce: unknown, at the cap (execution refuses it anyway).
    expect(cost('query($n: Int) { search(first: $n) { edges { node { id } } } }', { n: 'many' })).toBe(1 + 3 * 100);
    // ids: a required list variable with no value counts as the 100 ids datasets() takes at most.
    expect(cost('query($ids: [ID!]!) { datasets(ids: $ids) { id } }')).toBe(1 + 100);
    expect(cost('query($ids: [ID!]!) { datasets(ids: $ids) { id } }', { ids: ['a', 'b'] })).toBe(1 + 2);
    // A list written out has its length, even when its items are variables.
    expect(cost('query($b: ID!) { datasets(ids: ["a", $b, "c"]) { id } }')).toBe(1 + 3);
    // sample(rows:) takes its default 5; unknown rows count as 20.
    expect(cost('query($r: Int) { dataset(id: "x") { sample(rows: $r) { columns } } }')).toBe(1 + 1 + 5);
    expect(cost('query($r: Int) { dataset(id: "x") { sample(rows: $r) { columns } } }', { r: null })).toBe(1 + 1 + 20);
    // Values above the cap count as given (the subgraph refuses them; the figure says why).
    expect(cost('{ search(first: 100000) { edges { node { id } } } }')).toBe(1 + 3 * 100_000);
  });

  it('the caps are the subgraphs’ own maxima', () => {
    expect(LIST_SIZE_CAPS.first).toBe(MAX_PAGE_SIZE);
    expect(LIST_SIZE_CAPS.ids).toBe(MAX_IDS);
    expect(LIST_SIZE_CAPS.rows).toBe(MAX_SAMPLE_ROWS);
  });
});

/** The estimate without memoisation: fragments expanded at every spread (the old walk). */
function naiveCost(doc: DocumentNode): number {
  const fragments = fragmentsOf(doc);
  const size = (field: ReturnType<typeof fieldOf>, args: readonly { name: { value: string }; value: { kind: string; value?: string; values?: readonly unknown[] } }[]): number => {
    for (const def of field!.args) {
      const node = args.find((a) => a.name.value === def.name);
      if (['first', 'rows'].includes(def.name)) return node ? Math.max(1, Number(node.value.value)) : (def.defaultValue as number);
      if (def.name === 'ids') return Math.max(1, node!.value.values!.length);
    }
    return 1;
  };
  const fieldOf = (parent: GraphQLNamedType, name: string) => (isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[name] : undefined);
  const walk = (set: SelectionSetNode, parent: GraphQLNamedType, multiplier: number): number => {
    let cost = 0;
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) {
        cost += multiplier;
        const field = sel.name.value.startsWith('__') ? undefined : fieldOf(parent, sel.name.value);
        if (sel.selectionSet && field) cost += walk(sel.selectionSet, getNamedType(field.type), multiplier * size(field, sel.arguments as never));
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        cost += walk(sel.selectionSet, sel.typeCondition ? schema.getType(sel.typeCondition.name.value)! : parent, multiplier);
      } else {
        const f = fragments[sel.name.value];
        cost += walk(f.selectionSet, schema.getType(f.typeCondition.name.value)!, multiplier);
      }
    }
    return cost;
  };
  return walk(operationIn(doc).selectionSet, schema.getQueryType()!, 1);
}

describe('cost estimate: fragments', () => {
  it('memoised per fragment, gives the figure of the naive walk (fragments inside lists multiply)', () => {
    const documents = [
      '{ search(first: 7) { edges { node { ...D } } } } fragment D on Dataset { id title provider { name ...P } } fragment P on Provider { datasets(first: 3) { edges { node { ...Leaf } } } } fragment Leaf on Dataset { id }',
      // The same fragment at different multipliers: once at the root, once under 50 items, once under 50 × 4.
      '{ dataset(id: "x") { ...D } search(first: 50) { edges { node { ...D provider { datasets(first: 4) { edges { node { ...D } } } } } } } } fragment D on Dataset { id title sample(rows: 3) { columns rows } }',
      // Inline fragments with type conditions on the interface, spreads inside them, __typename.
      '{ datasets(ids: ["a", "b", "c"]) { __typename ... on BeijingDataset { ...B } ... on GuiyangDataset { id ...B } } } fragment B on Dataset { id provider { datasets { totalCount edges { node { ... on ShanghaiDataset { id } } } } } }',
      fragmentBomb(5),
    ];
    for (const source of documents) {
      const doc = parse(source);
      expect(estimate(doc), source.slice(0, 60)).toBe(naiveCost(doc));
      expect(estimate(doc)).toBeGreaterThan(1);
    }
  });

  it('the 12-level fragment bomb is estimated reading each selection set once (work linear in the document)', () => {
    const six = instrumented(parse(fragmentBomb(6)));
    const twelve = instrumented(parse(fragmentBomb(12)));
    const cost6 = estimate(six.doc);
    const cost12 = estimate(twelve.doc);
    // search, edges and node once each, then F0 = 1 + 4 F1 … F11 = 1: (4^12 - 1) / 3.
    expect(cost12).toBe(3 + (4 ** 12 - 1) / 3);
    expect(cost6).toBe(3 + (4 ** 6 - 1) / 3);
    // Expanding at every spread reads F11's selections 4^11 times; memoised, once.
    expect(twelve.reads()).toBeLessThanOrEqual(twelve.selectionSets);
    expect(six.reads()).toBeLessThanOrEqual(six.selectionSets);
    expect(twelve.reads() - six.reads()).toBe(6);
  });

  it('terminates on fragment cycles (validation refuses them; the estimate must still end)', () => {
    const doc = parse('{ search(first: 10) { edges { node { ...A } } } } fragment A on Dataset { id ...B } fragment B on Dataset { title ...A ...A }');
    const cost = estimate(doc);
    expect(Number.isFinite(cost)).toBe(true);
    expect(cost).toBeGreaterThan(1);
  });

  it('figures stay finite for fragment bombs far too big to count', () => {
    expect(estimate(parse(fragmentBomb(400)))).toBe(Number.MAX_SAFE_INTEGER);
  });
});

describe('document limits: fragments', () => {
  const limits = DEFAULT_DOCUMENT_LIMITS;

  it('measure the 12-level fragment bomb reading each selection set at most twice', () => {
    const twelve = instrumented(parse(fragmentBomb(12)));
    expect(measureDocument(twelve.doc, limits)).toBeUndefined();
    expect(twelve.reads()).toBeLessThanOrEqual(2 * twelve.selectionSets);
    // 40 levels would be 4^39 expansions; measured at once.
    const forty = instrumented(parse(fragmentBomb(40)));
    expect(measureDocument(forty.doc, limits)).toBeUndefined();
    expect(forty.reads()).toBeLessThanOrEqual(2 * forty.selectionSets);
  });

  it('count root fields through fragment spreads and inline fragments', () => {
    const eleven = Array.from({ length: 11 }, (_, i) => `e${i}: exchanges { id }`).join(' ');
    const checker = new DocumentChecker(limits);
    expect(checker.check(`{ ...Q } fragment Q on Query { ${eleven} }`)).toMatchObject({ limit: 'rootFields', figure: 11, max: 10 });
    expect(checker.check(`{ ... on Query { ${eleven} } }`)).toMatchObject({ limit: 'rootFields', figure: 11, max: 10 });
    expect(checker.check('{ exchanges { id } ...Q } fragment Q on Query { a: exchanges { id } ...R } fragment R on Query { b: exchanges { name } }')).toBeUndefined();
    // Spread twice, counted twice.
    const six = Array.from({ length: 6 }, (_, i) => `e${i}: exchanges { id }`).join(' ');
    expect(checker.check(`{ ...Q ...Q } fragment Q on Query { ${six} }`)).toMatchObject({ limit: 'rootFields', figure: 12 });
  });

  it('count aliases and directives of a fragment at every spread, and its depth where it is spread', () => {
    const checker = new DocumentChecker(limits);
    const eight = Array.from({ length: 8 }, (_, i) => `a${i}: id`).join(' ');
    expect(checker.check(`{ x { ...A ...A ...A } } fragment A on X { ${eight} }`)).toBeUndefined();
    expect(checker.check(`{ x { ...A ...A ...A ...A } } fragment A on X { ${eight} }`)).toMatchObject({ limit: 'aliases', figure: 32, max: 30 });
    expect(checker.check(`{ x { ...A ...A } } fragment A on X { ${'id @skip(if: false) '.repeat(26)} }`)).toMatchObject({ limit: 'directives', figure: 52, max: 50 });
    // Each fragment adds one level; 12 levels pass, 13 do not, whatever the chain of spreads.
    const chain = (levels: number) => {
      const frags = Array.from({ length: levels - 1 }, (_, i) => `fragment F${i} on X { f { ${i === levels - 2 ? 'id' : `...F${i + 1}`} } }`);
      return `{ f { ...F0 } } ${frags.join(' ')}`;
    };
    expect(checker.check(chain(12))).toBeUndefined();
    expect(checker.check(chain(13))).toMatchObject({ limit: 'depth', figure: 13, max: 12 });
    // Introspection keeps its ten extra levels through fragments, and only those.
    const ofType = (n: number) => {
      let s = 'name';
      for (let i = 0; i < n; i++) s = `ofType { ${s} }`;
      return s;
    };
    expect(checker.check(`{ __schema { ...S } } fragment S on __Schema { types { ...T } } fragment T on __Type { ${ofType(19)} }`)).toBeUndefined();
    expect(checker.check(`{ __schema { ...S } } fragment S on __Schema { types { ...T } } fragment T on __Type { ${ofType(21)} }`)).toMatchObject({ limit: 'depth', figure: 23, max: 22 });
    // A fragment spread both inside and outside introspection is held to each allowance.
    expect(checker.check(`{ __type(name: "X") { ...T } x { ...T } } fragment T on __Type { ${ofType(12)} }`)).toMatchObject({ limit: 'depth', figure: 13, max: 12 });
  });

  it('terminate on fragment cycles', () => {
    const checker = new DocumentChecker(limits);
    expect(checker.check('{ x { ...A } } fragment A on X { a: id ...B } fragment B on X { b: id ...A }')).toBeUndefined();
    expect(checker.check('{ ...A } fragment A on Query { ...A }')).toBeUndefined();
  });
});

describe('saved documents', () => {
  const save = (source: string, context: Parameters<typeof validateSavedDocument>[3] = {}) =>
    validateSavedDocument(schema, source, [savedDocumentLimitsCheck(DEFAULT_COST_BUDGETS, DEFAULT_DOCUMENT_LIMITS)], context);
  const codeOf = (r: ReturnType<typeof save>) => (r.ok ? 'ok' : r.errors.map((e: GraphQLError) => e.extensions.code).join());

  it('refuse a document whose cost with its default variables exceeds the budget', () => {
    const big = save(withDefault);
    expect(codeOf(big)).toBe('QUERY_TOO_COMPLEX');
    if (!big.ok) expect(big.errors[0].message).toMatch(`estimated cost ${10 * threeListsCost(100)} with its default variables exceeds the highest limit of 100000`);
    expect(codeOf(save(withDefault, { role: 'admin' }))).toBe('QUERY_TOO_COMPLEX');
    expect(codeOf(save(fragmentBomb(12)))).toBe('QUERY_TOO_COMPLEX');
    // Cheap defaults pass, whatever a run may ask later (runs are checked again as the caller).
    expect(codeOf(save(`query Q($n: Int = 2) { ${tenAliases('$n')} }`))).toBe('ok');
  });

  it("hold the saver to their role's budget, with the saved defaults over the document's", () => {
    const mid = `query Mid($n: Int = 15) { ${threeLists('$n')} }`; // 11,086
    const over = `query Over($n: Int = 20) { ${threeLists('$n')} }`; // 25,681
    expect(threeListsCost(15)).toBe(11_086);
    expect(threeListsCost(20)).toBe(25_681);
    expect(codeOf(save(mid, { role: 'analyst' }))).toBe('ok');
    expect(codeOf(save(over, { role: 'analyst' }))).toBe('QUERY_TOO_COMPLEX');
    expect(codeOf(save(over, { role: 'admin' }))).toBe('ok');
    expect(codeOf(save(over))).toBe('ok');
    const refused = save(over, { role: 'analyst' });
    if (!refused.ok) expect(refused.errors[0].message).toMatch('estimated cost 25681 with its default variables exceeds the analyst limit of 25000');
    // Saved defaults win over the document's; text values are typed as a run types them.
    expect(codeOf(save(mid, { role: 'analyst', defaultVariables: { n: 20 } }))).toBe('QUERY_TOO_COMPLEX');
    expect(codeOf(save(mid, { role: 'analyst', defaultVariables: { n: '20' } }))).toBe('QUERY_TOO_COMPLEX');
    expect(codeOf(save(over, { role: 'analyst', defaultVariables: { n: 15 } }))).toBe('ok');
    // No default anywhere: the argument's own (20).
    expect(codeOf(save(`query NoDefault($n: Int) { ${threeLists('$n')} }`, { role: 'analyst' }))).toBe('QUERY_TOO_COMPLEX');
  });

  it('refuse documents beyond the document limits with QUERY_TOO_COMPLEX', () => {
    let nested = 'id';
    for (let i = 0; i < 4; i++) nested = `provider { datasets { edges { node { ${nested} } } } }`;
    const deep = save(`{ search(first: 1) { edges { node { ${nested} } } } }`);
    expect(codeOf(deep)).toBe('QUERY_TOO_COMPLEX');
    if (!deep.ok) expect(deep.errors[0].message).toMatch(/depth \d+ exceeds the limit of 12/);
    const aliases = Array.from({ length: 31 }, (_, i) => `a${i}: id`).join(' ');
    expect(codeOf(save(`{ exchanges { ${aliases} } }`))).toBe('QUERY_TOO_COMPLEX');
    expect(codeOf(save(`{ exchanges { id } } # ${'x'.repeat(40_000)}`))).toBe('QUERY_TOO_COMPLEX');
  });

  it('the shipped queries are within the public budget with their default variables', () => {
    const { queries } = loadShippedQueries();
    expect(queries.length).toBeGreaterThan(0);
    for (const q of queries) {
      expect(codeOf(save(q.document, { role: 'analyst', defaultVariables: q.defaultVariables })), q.name).toBe('ok');
      const doc = parse(q.document);
      const operation = operationIn(doc);
      const cost = operationCost(schema, doc, operation, typeVariables(schema, operation, q.defaultVariables));
      expect(cost, q.name).toBeLessThanOrEqual(DEFAULT_COST_BUDGETS.public);
    }
  });

  it('the cost-limit plugin holds saved documents to the limits while its server runs', async () => {
    const plugin = costLimitPlugin(DEFAULT_COST_BUDGETS);
    expect(validateSavedDocument(schema, withDefault).ok).toBe(true);
    const listener = await plugin.serverWillStart!({} as never);
    try {
      const checked = validateSavedDocument(schema, withDefault);
      expect(checked.ok).toBe(false);
      if (!checked.ok) expect(checked.errors.map((e) => e.extensions.code)).toEqual(['QUERY_TOO_COMPLEX']);
      // A second server in the same process: the same problem is reported once.
      const second = await costLimitPlugin(DEFAULT_COST_BUDGETS).serverWillStart!({} as never);
      const twice = validateSavedDocument(schema, withDefault);
      if (!twice.ok) expect(twice.errors).toHaveLength(1);
      await second!.serverWillStop!();
    } finally {
      await listener!.serverWillStop!();
    }
    expect(validateSavedDocument(schema, withDefault).ok).toBe(true);
  });
});
