// Plan-execution conformance: every operation below is run by vanilla @apollo/gateway (the
// reference) and by the dataex gateway as production runs it, on the same supergraph over
// subgraphs of their own; the answers must agree field for field (data, key order included,
// and each error's message and path). Each case also checks the reference answer itself
// (`expectThat`), so a case where both gateways fail alike cannot pass unnoticed.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { comparable, dataexGateway, stockGateway, type Answer, type Fixture, type GatewayUnderTest, type Operation } from './harness.ts';
import { media, shop } from './fixtures.ts';
import { FEDERATION_QUERY, SUBGRAPHS as FEDERATION_BENCH } from '../../bench/federation-bench/subgraphs.ts';

interface Case {
  name: string;
  op: Operation;
  /** What the reference answer must hold (both answers then agree with it). */
  expectThat: (answer: Answer) => void;
}

const noErrors = (a: Answer) => {
  expect(a.errors).toBeUndefined();
  expect(a.data).toBeTruthy();
};
const errorsAt =
  (...paths: Array<Array<string | number>>) =>
  (a: Answer) => {
    expect(a.errors?.map((e) => e.path)).toEqual(paths);
  };

const SHOP_CASES: Case[] = [
  {
    name: '@key (simple): root field, then an entity fetch by upc',
    op: { query: '{ topProducts(first: 2) { upc name weight } product(upc: "5") { name dimensions { width } } }' },
    expectThat: noErrors,
  },
  {
    name: '@key (compound, with a nested field): products known to shipping by sku and region { code }',
    op: { query: '{ topProducts { upc sku region { code } carbonFootprint } }' },
    expectThat: (a) => {
      noErrors(a);
      expect((a.data as any).topProducts.map((p: any) => p.carbonFootprint)).toEqual([12.5, 40, 0.3, null, 14]);
    },
  },
  {
    name: '@key (multiple keys on one type): users by id from reviews, by e-mail from billing',
    op: { query: '{ users { id name balance reviews { id } } me { email balance } }' },
    expectThat: (a) => {
      noErrors(a);
      expect((a.data as any).users.map((u: any) => u.balance)).toEqual([100, null, -5]);
    },
  },
  {
    name: '@requires without arguments: price and weight fetched first, sent in the representation',
    op: { query: '{ topProducts { upc shippingEstimate } }' },
    expectThat: (a) => {
      noErrors(a);
      expect((a.data as any).topProducts.map((p: any) => p.shippingEstimate)).toEqual([50, 0, 10, null, 55]);
    },
  },
  {
    name: '@requires on a field with arguments (defaults, literals, variables, two aliases)',
    op: {
      query: 'query Q($zone: String!, $fast: Boolean) { topProducts(first: 3) { eu: shippingQuote(zone: "EU") other: shippingQuote(zone: $zone, express: $fast) } }',
      variables: { zone: 'US', fast: true },
    },
    expectThat: (a) => {
      noErrors(a);
      expect((a.data as any).topProducts[0]).toEqual({ eu: 50, other: 85 });
    },
  },
  {
    name: '@provides: the author name comes with the review; nickname needs another fetch',
    op: { query: '{ latestReview { body author { id name } } reviewMatrix { id author { name nickname } } }' },
    expectThat: noErrors,
  },
  {
    name: '@shareable: value types resolvable in several subgraphs, and from the entity',
    op: { query: '{ topProducts { upc dimensions { width height } inStockDims: dimensions { height } } users { address { city street } } }' },
    expectThat: noErrors,
  },
  {
    name: '@override: nickname answered by reviews, not users',
    op: { query: '{ users { id nickname } me { nickname } }' },
    expectThat: (a) => {
      noErrors(a);
      expect((a.data as any).me.nickname).toBe('reviewer-1');
    },
  },
  {
    name: '@inaccessible: the field is not in the API schema',
    op: { query: '{ users { id secretScore } }' },
    expectThat: (a) => {
      expect(a.data).toBeUndefined();
      expect(a.errors?.[0].message).toMatch(/secretScore/);
    },
  },
  {
    name: '__typename everywhere, including the root',
    op: { query: '{ __typename topProducts(first: 2) { __typename upc reviews { __typename id author { __typename name } product { __typename upc } } } }' },
    expectThat: noErrors,
  },
  {
    name: 'aliases, the same field twice with different selections',
    op: { query: '{ a: topProducts(first: 1) { id: upc title: name stock: inStock } b: topProducts(first: 2) { upc r: reviews { text: body by: author { n: name } } } }' },
    expectThat: noErrors,
  },
  {
    name: 'aliases that Object.prototype also has (constructor, toString, __proto__…), on entity fields too',
    op: { query: '{ topProducts(first: 2) { constructor: upc toString: name __proto__: inStock valueOf: shippingEstimate hasOwnProperty: reviews { __proto__: id } } }' },
    expectThat: (a) => {
      noErrors(a);
      const first = (a.data as any).topProducts[0];
      expect(Object.keys(first)).toEqual(['constructor', 'toString', '__proto__', 'valueOf', 'hasOwnProperty']);
      expect(first.constructor).toBe('1');
    },
  },
  {
    name: 'named and inline fragments, nested and repeated',
    op: {
      query:
        'query { topProducts(first: 2) { ...P ... on Product { reviews { ...R } } } } fragment P on Product { upc ... { name } weight shippingEstimate } fragment R on Review { id author { ...U } } fragment U on User { name balance }',
    },
    expectThat: noErrors,
  },
  ...[
    { withReviews: true, skipStock: true },
    { withReviews: false, skipStock: false },
  ].map(
    (variables): Case => ({
      name: `@skip/@include with variables ${JSON.stringify(variables)}`,
      op: {
        query:
          'query($withReviews: Boolean!, $skipStock: Boolean!) { topProducts(first: 2) { upc reviews @include(if: $withReviews) { id } inStock @skip(if: $skipStock) ... @include(if: $withReviews) { shippingEstimate } } }',
        variables,
      },
      expectThat: noErrors,
    }),
  ),
  {
    name: 'lists of lists, with empty and null lists and null items, through entity fetches',
    op: { query: '{ productGrid { upc name carbonFootprint reviews { id } } reviewMatrix { id rating product { name } } }' },
    expectThat: noErrors,
  },
  {
    name: 'partial failure: a resolver error in an entity fetch, with its path',
    op: { query: '{ topProducts { upc name inStock } }' },
    expectThat: (a) => {
      errorsAt(['topProducts', 2, 'inStock'])(a);
      expect((a.data as any).topProducts[2]).toEqual({ upc: '3', name: 'Mug', inStock: null });
    },
  },
  {
    name: 'the same entity many times in one fetch, failing: an error at every place it appears',
    op: { query: '{ users { id reviews { id product { upc name inStock reviews { author { id name } } } } } }' },
    expectThat: (a) => {
      errorsAt(['users', 1, 'reviews', 1, 'product', 'inStock'], ['users', 2, 'reviews', 0, 'product', 'inStock'])(a);
    },
  },
  {
    // Answers of repeated representations are merged by reference into every place (gateway/
    // plan-execution.ts): later fetches below them, non-null failures nulling different
    // parents, and errors at each place must come out as if every place had its own copy.
    name: 'the same entities at many places, with fetches nested below them, failures and null propagation at each place',
    op: {
      query: `{
        users { id reviews { product { upc inStock shippingEstimate reviews { id author { name nickname balance reviews { product { name price warranty } } } } } } }
        topProducts { upc reviews { author { id reviews { rating product { upc weight inStock } } } } }
      }`,
    },
    expectThat: (a) => {
      expect(a.errors?.length).toBeGreaterThan(4);
      expect(JSON.stringify(a.data)).toContain('"inStock":null');
    },
  },
  {
    // The same products at many places get one answer holding a list (alsoBought), merged into
    // every place: the lists are shared, and the fetches below them walk each list once.
    name: 'lists in an entity answer shared by repeated entities, with fetches below them (and failures at every place)',
    op: { query: '{ users { reviews { product { upc alsoBought { upc name price inStock alsoBought { name } } } } } }' },
    expectThat: (a) => {
      expect(a.errors?.length).toBeGreaterThan(2);
      expect(JSON.stringify(a.data)).toContain('"alsoBought":[{"upc":"1","name":"Desk"');
    },
  },
  {
    name: 'null propagation: a non-null field failing in an entity fetch nulls its nullable parent',
    op: { query: '{ topProducts { upc warranty } product(upc: "2") { upc warranty } }' },
    expectThat: (a) => {
      errorsAt(['topProducts', 1, 'warranty'], ['topProducts', 3, 'warranty'], ['product', 'warranty'])(a);
      expect((a.data as any).topProducts[1]).toBeNull();
      expect((a.data as any).product).toBeNull();
    },
  },
  {
    name: 'null propagation: through lists of lists of non-null items',
    op: { query: '{ reviewMatrix { id product { upc warranty } } }' },
    expectThat: (a) => {
      expect(a.errors?.length).toBeGreaterThan(0);
    },
  },
  {
    name: 'an entity the subgraph cannot find (null from __resolveReference)',
    op: { query: '{ latestReview { id author { id nickname email balance } } reviewMatrix { author { id email } } }' },
    expectThat: (a) => {
      // Apollo Gateway nulls the entity without an error.
      expect((a.data as any).latestReview.author).toBeNull();
    },
  },
  {
    name: 'mutations run in order, across subgraphs, each with its entity fetches',
    op: {
      query:
        'mutation { first: setPrice(upc: "1", price: 10) { price } review: addReview(upc: "1", body: "cheap now") { id body product { upc price shippingEstimate } author { name } } second: setPrice(upc: "1", price: 20) { price shippingEstimate } }',
    },
    expectThat: (a) => {
      noErrors(a);
      expect((a.data as any).review.product.price).toBe(10);
      expect((a.data as any).second.price).toBe(20);
    },
  },
  {
    name: 'after the mutations: the state both gateways left behind',
    op: { query: '{ product(upc: "1") { price reviews { id body } } }' },
    expectThat: noErrors,
  },
  {
    name: 'introspection fields next to federated ones',
    op: { query: '{ __type(name: "Product") { name kind } topProducts(first: 1) { upc inStock __typename } __typename }' },
    expectThat: (a) => {
      noErrors(a);
      expect((a.data as any).__type).toEqual({ name: 'Product', kind: 'OBJECT' });
    },
  },
  {
    name: 'an operation picked by name from several',
    op: { query: 'query A { me { name } } query B { users { email } }', operationName: 'B' },
    expectThat: noErrors,
  },
];

const MEDIA_CASES: Case[] = [
  {
    name: 'entity interface: implementations resolved by the interface key, interface fields from an @interfaceObject',
    op: { query: '{ media { __typename id title stars } }' },
    expectThat: (a) => {
      noErrors(a);
      expect((a.data as any).media.map((m: any) => m.stars)).toEqual([4.5, 4.8, null, 4.1]);
    },
  },
  {
    name: '@interfaceObject: a subgraph that knows only the interface; types and fields from the catalog',
    op: { query: '{ topRated { __typename id title ... on Book { pages author { name } } ... on Movie { minutes } similar { __typename id title } } }' },
    expectThat: noErrors,
  },
  {
    name: '@interfaceObject: the same media at many places, each with fetches nested below, and books and movies in one list',
    op: { query: '{ media { id stars similar { id title stars similar { __typename id title stars } } } topRated { id title similar { title stars ... on Book { author { name } } } } }' },
    expectThat: noErrors,
  },
  {
    name: 'union across subgraphs (Person lives in people)',
    op: { query: '{ search(term: "a") { __typename ... on Book { title author { name } } ... on Movie { title stars } ... on Person { id name } } }' },
    expectThat: noErrors,
  },
  {
    name: 'fragments on interfaces and on their implementations',
    op: {
      query: 'query { media { ...M } } fragment M on Media { id ... on Book { pages stars author { name } } ... on Movie { minutes } ...on Media { title } }',
    },
    expectThat: noErrors,
  },
  {
    name: 'lists of lists of an interface with null items, __typename only on some',
    op: { query: '{ shelf { __typename id stars ... on Book { author { name } } } }' },
    expectThat: noErrors,
  },
  {
    name: '@skip/@include on interface fragments with variables',
    op: {
      query: 'query($books: Boolean!) { media { id ... on Book @include(if: $books) { pages } ... on Movie @skip(if: $books) { minutes stars } } }',
      variables: { books: false },
    },
    expectThat: noErrors,
  },
];

function conformance(name: string, fixture: Fixture, cases: Case[]): void {
  describe(name, () => {
    let stock: GatewayUnderTest;
    let dataex: GatewayUnderTest;
    beforeAll(async () => {
      [stock, dataex] = await Promise.all([stockGateway(fixture), dataexGateway(fixture)]);
    });
    afterAll(async () => {
      await Promise.all([stock?.close(), dataex?.close()]);
    });
    // In order: the mutation cases change the subgraphs' state, alike on both.
    for (const c of cases) {
      it(c.name, async () => {
        const reference = await stock.run(c.op);
        c.expectThat(reference);
        const answer = await dataex.run(c.op);
        expect(comparable(answer)).toEqual(comparable(reference));
      });
    }
  });
}

conformance('shop supergraph', shop, SHOP_CASES);
conformance('media supergraph', media, MEDIA_CASES);
conformance('the public gateway benchmark (bench/federation-bench)', () => FEDERATION_BENCH, [
  {
    name: 'its nested query: one entity behind each of hundreds of places, fetched once per fetch and merged into every place',
    op: { query: FEDERATION_QUERY, operationName: 'TestQuery' },
    expectThat: (a) => {
      noErrors(a);
      expect(JSON.stringify(a.data).length).toBeGreaterThan(50_000);
    },
  },
]);

// Different operations whose first subgraph call is the same query (`{topProducts{__typename upc
// name}}`), sent at once: dataex's fetcher shares that call and its parse among them (a parsed
// answer copied for every reader but the last, gateway/fetcher.ts), and each then merges a
// different value under the same response name `x` (inStock, or reviews) into its products.
// Each must be answered as the reference answers it alone: this checks that the copies are
// faithful end to end (it fails when a copy loses an item). It does not check that the trees
// are kept apart (the merges rarely interleave so as to show it): that a reader's writes never
// reach another's tree is tested in test/unit/gateway/fetcher.test.ts. (Identical operations
// would share nothing here: the gateway answers identical concurrent requests of one caller
// with one execution.)
describe('operations sharing a subgraph call (the public gateway benchmark)', () => {
  let stock: GatewayUnderTest;
  let dataex: GatewayUnderTest;
  beforeAll(async () => {
    [stock, dataex] = await Promise.all([stockGateway(() => FEDERATION_BENCH), dataexGateway(() => FEDERATION_BENCH)]);
  });
  afterAll(async () => {
    await Promise.all([stock?.close(), dataex?.close()]);
  });

  it('answers each as it is answered alone', async () => {
    const ops: Operation[] = [{ query: '{ topProducts { name x: inStock reviews { id } } }' }, { query: '{ topProducts { name x: reviews { id } } }' }];
    const references = await Promise.all(ops.map((op) => stock.run(op)));
    for (const r of references) noErrors(r);
    expect((references[0]!.data as any).topProducts.map((p: any) => typeof p.x)).toContain('boolean');
    expect((references[1]!.data as any).topProducts.every((p: any) => Array.isArray(p.x))).toBe(true);
    expect((references[1]!.data as any).topProducts.some((p: any) => p.x.length > 0)).toBe(true);
    const mixed = Array.from({ length: 24 }, (_, i) => i % 2);
    const answers = await Promise.all(mixed.map((k) => dataex.run(ops[k]!)));
    for (const [i, a] of answers.entries()) expect(comparable(a), `operation ${mixed[i]}`).toEqual(comparable(references[mixed[i]!]!));
  });
});
