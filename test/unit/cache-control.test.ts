// subgraphs/common/cache-control.ts: the subgraphs' Cache-Control header, computed by Apollo's
// cacheControl plugin on the fields whose hints matter only, must be the header Apollo Server's
// stock plugin (on every field) gives: same schema, same resolvers, same requests, compared
// answer by answer. The schema covers each rule of the plugin: root fields (leaf and
// composite, with and without resolvers), type hints, field hints overriding them, inheritMaxAge
// on types and fields, PRIVATE scope on leaf fields (with and without a resolver of their own),
// a leaf field whose resolver sets a dynamic hint, abstract types,
// lists of promises, null parents, errors, and `_entities` (whose resolver takes each entity
// type's hint).

import { describe, expect, it } from 'vitest';
import { parse } from 'graphql';
import { ApolloServer, HeaderMap, type BaseContext } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { cacheControlPlugins } from '../../subgraphs/common/cache-control.ts';

const typeDefs = parse(`
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
  enum CacheControlScope { PUBLIC PRIVATE }
  directive @cacheControl(maxAge: Int, scope: CacheControlScope, inheritMaxAge: Boolean) on FIELD_DEFINITION | OBJECT | INTERFACE | UNION

  type Query {
    books: [Book!]! @cacheControl(maxAge: 120)
    book(id: ID!): Book @cacheControl(maxAge: 300)
    version: String
    hinted: String @cacheControl(maxAge: 30)
    motd: String
    shelf: Shelf @cacheControl(maxAge: 200)
    bareShelf: Shelf
    node(id: ID!): Node @cacheControl(maxAge: 90)
    search(text: String!): [SearchResult!]! @cacheControl(maxAge: 50)
    failing: Book @cacheControl(maxAge: 40)
  }
  interface Node { id: ID! }
  union SearchResult = Book | Author
  type Book implements Node @key(fields: "id") @cacheControl(maxAge: 60) {
    id: ID!
    title: String
    secret: String @cacheControl(scope: PRIVATE)
    isbn: String @cacheControl(scope: PRIVATE)
    dynamic: String
    author: Author
    price: Money
    reviews: [Review]
    stock: Int @cacheControl(maxAge: 5)
    broken: String
  }
  type Author implements Node @key(fields: "id") @cacheControl(inheritMaxAge: true) { id: ID! name: String books: [Book] }
  type Money { amount: Int }
  type Review @cacheControl(maxAge: 10, scope: PRIVATE) { text: String }
  type Shelf { name: String books: [Book] @cacheControl(inheritMaxAge: true) label: Label @cacheControl(inheritMaxAge: true, scope: PRIVATE) }
  type Label { text: String }
`);

const BOOKS = [
  { id: '1', title: 'One', authorId: 'a', price: { amount: 10 }, isbn: '978-1' },
  { id: '2', title: 'Two', authorId: 'b', price: null },
  { id: '3', title: 'Three', authorId: null, price: { amount: 30 } },
];
const AUTHORS = [
  { id: 'a', name: 'Ann' },
  { id: 'b', name: 'Bo' },
];
const book = (id: string) => BOOKS.find((b) => b.id === id) ?? null;
const author = (id: string | null) => AUTHORS.find((a) => a.id === id) ?? null;

function resolvers() {
  return {
    Query: {
      books: () => BOOKS,
      book: (_: unknown, { id }: { id: string }) => Promise.resolve(book(id)),
      version: () => 'v1',
      hinted: () => 'h',
      shelf: () => ({ name: 'main', ids: ['1', '3'] }),
      bareShelf: () => ({ name: 'bare', ids: ['2'] }),
      node: (_: unknown, { id }: { id: string }) => book(id) ?? author(id),
      search: (_: unknown, { text }: { text: string }) => [...BOOKS.filter((b) => b.title.includes(text)), ...AUTHORS.filter((a) => a.name.includes(text))],
      failing: () => {
        throw new Error('no such book');
      },
    },
    Node: { __resolveType: (x: { title?: string }) => (x.title ? 'Book' : 'Author') },
    SearchResult: { __resolveType: (x: { title?: string }) => (x.title ? 'Book' : 'Author') },
    Book: {
      __resolveReference: (ref: { id: string }) => book(ref.id),
      secret: () => 's',
      // A leaf with a resolver of its own that sets a dynamic hint: must stay instrumented.
      dynamic: (b: { id: string }, _: unknown, __: unknown, info: { cacheControl: { setCacheHint(h: object): void } }) => {
        info.cacheControl.setCacheHint({ maxAge: b.id === '2' ? 7 : 100, scope: b.id === '3' ? 'PRIVATE' : undefined });
        return `d${b.id}`;
      },
      author: (b: { authorId: string | null }) => Promise.resolve(author(b.authorId)),
      reviews: (b: { id: string }) => [Promise.resolve({ text: `r${b.id}` }), null],
      stock: () => 3,
      broken: () => {
        throw new Error('broken field');
      },
    },
    Author: {
      __resolveReference: (ref: { id: string }) => author(ref.id),
      books: (a: { id: string }) => BOOKS.filter((b) => b.authorId === a.id),
    },
    Shelf: {
      books: (s: { ids: string[] }) => s.ids.map(book),
      label: () => ({ text: 'l' }),
    },
  };
}

const QUERIES: Array<{ query: string; variables?: Record<string, unknown> }> = [
  { query: '{ books { id title } }' },
  { query: '{ books { id title price { amount } } }' },
  { query: '{ books { id title author { name } } }' },
  { query: '{ books { id secret } }' },
  { query: '{ book(id: "1") { title isbn } }' },
  { query: '{ books { id dynamic } }' },
  { query: '{ book(id: "1") { id dynamic } }' },
  { query: '{ book(id: "2") { id dynamic stock } }' },
  { query: '{ book(id: "3") { dynamic } }' },
  { query: '{ book(id: "9") { id title price { amount } } }' },
  { query: '{ book(id: "2") { price { amount } } }' },
  { query: '{ books { reviews { text } } }' },
  { query: '{ books { stock } }' },
  { query: '{ version }' },
  { query: '{ hinted }' },
  { query: '{ hinted books { id } }' },
  { query: '{ hinted motd }' },
  { query: '{ shelf { name } }' },
  { query: '{ shelf { books { id title } } }' },
  { query: '{ shelf { label { text } } }' },
  { query: '{ bareShelf { name } }' },
  { query: '{ bareShelf { books { id } } }' },
  { query: '{ node(id: "a") { id ... on Author { name books { title } } } }' },
  { query: '{ node(id: "1") { id ... on Book { title author { name } } } }' },
  { query: '{ search(text: "o") { __typename ... on Book { id } ... on Author { name } } }' },
  { query: '{ search(text: "A") { ... on Author { name } } }' },
  { query: '{ failing { id } }' },
  { query: '{ books { id broken } }' },
  { query: '{ books { id } __typename }' },
  { query: 'query ($skip: Boolean!) { books { id secret @skip(if: $skip) } }', variables: { skip: true } },
  { query: 'query ($skip: Boolean!) { books { id secret @skip(if: $skip) } }', variables: { skip: false } },
  {
    query: 'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Book { id title } ... on Author { name } } }',
    variables: {
      r: [
        { __typename: 'Book', id: '1' },
        { __typename: 'Book', id: '2' },
      ],
    },
  },
  { query: 'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Author { name } } }', variables: { r: [{ __typename: 'Author', id: 'a' }] } },
  {
    query: 'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Book { id dynamic } ... on Author { name } } }',
    variables: {
      r: [
        { __typename: 'Author', id: 'b' },
        { __typename: 'Book', id: '2' },
      ],
    },
  },
  { query: 'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Book { id } } }', variables: { r: [{ __typename: 'Book', id: '404' }] } },
  { query: '{ _service { sdl } }' },
];

async function serve(selective: boolean): Promise<ApolloServer<BaseContext>> {
  const schema = buildSubgraphSchema([{ typeDefs, resolvers: resolvers() as never }]);
  const server = new ApolloServer<BaseContext>({ schema, plugins: [ApolloServerPluginInlineTraceDisabled(), ...(selective ? cacheControlPlugins(schema) : [])] });
  await server.start();
  return server;
}

async function answer(server: ApolloServer<BaseContext>, q: (typeof QUERIES)[number], contextValue: BaseContext = {}) {
  const response = await server.executeOperation({ query: q.query, variables: q.variables }, { contextValue });
  const body = response.body.kind === 'single' ? response.body.singleResult : null;
  return { header: response.http.headers.get('cache-control') ?? null, body: JSON.parse(JSON.stringify(body)) };
}

describe('subgraph Cache-Control on the fields whose hints matter', () => {
  it('gives every answer the header and body of Apollo Server’s stock cacheControl plugin', async () => {
    const [stock, selective] = await Promise.all([serve(false), serve(true)]);
    const headers = new Set<string | null>();
    for (const q of QUERIES) {
      const [a, b] = await Promise.all([answer(stock, q), answer(selective, q)]);
      expect(b, q.query).toEqual(a);
      headers.add(a.header);
    }
    // The cases reach every kind of outcome, so a wrong rule shows.
    expect([...headers]).toEqual(
      expect.arrayContaining([
        'no-store',
        'max-age=120, public',
        'max-age=120, private',
        'max-age=7, private',
        'max-age=7, public',
        'max-age=5, public',
        'max-age=30, public',
        'max-age=10, private',
        'max-age=300, private',
      ]),
    );
    await Promise.all([stock.stop(), selective.stop()]);
  });

  it('keeps each request’s policy its own under concurrent requests', async () => {
    const [stock, selective] = await Promise.all([serve(false), serve(true)]);
    const mixed = Array.from({ length: 60 }, (_, i) => QUERIES[i % QUERIES.length]);
    const [a, b] = await Promise.all([Promise.all(mixed.map((q) => answer(stock, q))), Promise.all(mixed.map((q) => answer(selective, q)))]);
    expect(b).toEqual(a);
    await Promise.all([stock.stop(), selective.stop()]);
  });

  it('keeps each request’s policy its own when the context function returns one shared object', async () => {
    const [stock, selective] = await Promise.all([serve(false), serve(true)]);
    const shared = {};
    // executeOperation copies its context; HTTP requests start from what the context function returns.
    const post = async (server: ApolloServer<BaseContext>, q: (typeof QUERIES)[number]) => {
      const response = await server.executeHTTPGraphQLRequest({
        httpGraphQLRequest: { method: 'POST', headers: new HeaderMap([['content-type', 'application/json']]), search: '', body: q },
        context: async () => shared,
      });
      return { header: response.headers.get('cache-control'), body: response.body.kind === 'complete' ? JSON.parse(response.body.string) : null };
    };
    const mixed = Array.from({ length: 2 * QUERIES.length }, (_, i) => QUERIES[(i * 3) % QUERIES.length]);
    const [a, b] = await Promise.all([Promise.all(mixed.map((q) => post(stock, q))), Promise.all(mixed.map((q) => post(selective, q)))]);
    expect(b).toEqual(a);
    expect(new Set(b.map((x) => x.header)).size).toBeGreaterThan(5);
    await Promise.all([stock.stop(), selective.stop()]);
  });

  it('leaves plain leaf fields unwrapped and wraps the rest', async () => {
    const schema = buildSubgraphSchema([{ typeDefs, resolvers: resolvers() as never }]);
    const before = new Map(
      ['Book.title', 'Book.id', 'Money.amount', 'Book.dynamic', 'Book.secret', 'Book.isbn', 'Book.price', 'Query.version', 'Query.motd'].map((k) => [k, fieldOf(schema, k).resolve]),
    );
    cacheControlPlugins(schema);
    expect(fieldOf(schema, 'Book.title').resolve).toBe(before.get('Book.title'));
    expect(fieldOf(schema, 'Money.amount').resolve).toBe(before.get('Money.amount'));
    for (const k of ['Book.dynamic', 'Book.secret', 'Book.isbn', 'Book.price', 'Query.version', 'Query.motd']) expect(fieldOf(schema, k).resolve, k).not.toBe(before.get(k));
  });
});

function fieldOf(schema: ReturnType<typeof buildSubgraphSchema>, path: string) {
  const [type, field] = path.split('.');
  return (schema.getType(type) as import('graphql').GraphQLObjectType).getFields()[field];
}
