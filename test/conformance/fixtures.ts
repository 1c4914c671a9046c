// The conformance suite's supergraphs. Each fixture is a function, so every gateway under test
// gets subgraphs with fresh state (the mutation cases change it).
//
// shop: users, billing, products, shipping, inventory, reviews: @key (simple, compound with a
//   nested field, two keys on one type), @requires (with and without arguments on the field),
//   @provides, @shareable (value types and fields), @override, @inaccessible, lists of lists,
//   non-null fields failing inside entity fetches, resolver errors, mutations on two subgraphs.
// media: catalog, ratings, people: an entity interface, @interfaceObject, a union whose members
//   live in different subgraphs, nullable items in lists of lists of an interface.

import { GraphQLError } from 'graphql';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import { FED, type Fixture } from './harness.ts';

type R = GraphQLResolverMap<unknown>;

const USERS = [
  { id: '1', email: 'ada@example.org', name: 'Ada', nickname: 'countess', secretScore: 7, address: { city: 'London', street: 'St James' } },
  { id: '2', email: 'alan@example.org', name: 'Alan', nickname: 'prof', secretScore: 8, address: { city: 'Wilmslow', street: null } },
  { id: '3', email: 'grace@example.org', name: 'Grace', nickname: null, secretScore: 9, address: null },
];
const BALANCES: Record<string, number | null> = { 'ada@example.org': 100, 'alan@example.org': null, 'grace@example.org': -5 };

const PRODUCTS = [
  { upc: '1', sku: 'DESK', region: { code: 'EU' }, name: 'Desk', price: 899, weight: 100, dimensions: { width: 120, height: 75 } },
  { upc: '2', sku: 'CASE', region: { code: 'EU' }, name: 'Bookcase', price: 1299, weight: 1000, dimensions: { width: 80, height: 200 } },
  { upc: '3', sku: 'MUG', region: { code: 'US' }, name: 'Mug', price: 15, weight: 20, dimensions: null },
  { upc: '4', sku: 'STOOL', region: { code: 'US' }, name: null, price: 499, weight: null, dimensions: { width: 40, height: null } },
  { upc: '5', sku: 'DESK', region: { code: 'US' }, name: 'Desk (US)', price: 950, weight: 110, dimensions: { width: 120, height: 75 } },
];
const FOOTPRINT: Record<string, number> = { 'DESK/EU': 12.5, 'CASE/EU': 40, 'MUG/US': 0.3, 'DESK/US': 14 };

const REVIEWS = [
  { id: 'r1', body: 'Sturdy.', upc: '1', authorId: '1', rating: 5 },
  { id: 'r2', body: 'Wobbly.', upc: '1', authorId: '2', rating: 2 },
  { id: 'r3', body: 'Holds books.', upc: '2', authorId: '1', rating: 4 },
  { id: 'r4', body: 'Hot coffee stays hot.', upc: '3', authorId: '3', rating: 4 },
  { id: 'r6', body: 'Chipped.', upc: '3', authorId: '2', rating: 1 },
  { id: 'r5', body: 'Nameless stool.', upc: '4', authorId: '9', rating: 3 },
];

export const shop: Fixture = () => {
  // Mutable state, fresh per call.
  const prices = new Map(PRODUCTS.map((p) => [p.upc, p.price]));
  const reviews = REVIEWS.map((r) => ({ ...r }));
  const product = (upc: string) => {
    const p = PRODUCTS.find((x) => x.upc === upc);
    return p ? { ...p, price: prices.get(upc) } : null;
  };
  return [
    {
      name: 'users',
      typeDefs: `${FED(['key', 'shareable', 'inaccessible'])}
        type Query { me: User users: [User!]! user(id: ID!): User }
        type User @key(fields: "id") {
          id: ID!
          email: String! @shareable
          name: String @shareable
          nickname: String
          secretScore: Int @inaccessible
          address: Address
        }
        type Address @shareable { city: String street: String }`,
      resolvers: {
        Query: { me: () => USERS[0], users: () => USERS, user: (_: unknown, { id }: { id: string }) => USERS.find((u) => u.id === id) ?? null },
        User: { __resolveReference: (ref: { id: string }) => USERS.find((u) => u.id === ref.id) ?? null },
      } as R,
    },
    {
      // A second key of User: this subgraph knows users by e-mail only.
      name: 'billing',
      typeDefs: `${FED(['key', 'shareable'])}
        type User @key(fields: "email") { email: String! @shareable balance: Int }`,
      resolvers: {
        User: { __resolveReference: (ref: { email: string }) => ({ email: ref.email, balance: BALANCES[ref.email] ?? null }) },
      } as R,
    },
    {
      name: 'products',
      typeDefs: `${FED(['key', 'shareable'])}
        type Query { topProducts(first: Int = 5): [Product] productGrid: [[Product]] product(upc: String!): Product }
        type Mutation { setPrice(upc: String!, price: Int!): Product }
        type Product @key(fields: "upc") @key(fields: "sku region { code }") {
          upc: String!
          sku: String!
          region: Region!
          name: String
          price: Int
          weight: Int
          dimensions: Dimensions @shareable
        }
        type Region @shareable { code: String! }
        type Dimensions @shareable { width: Int height: Int }`,
      resolvers: {
        Query: {
          topProducts: (_: unknown, { first }: { first: number }) => PRODUCTS.slice(0, first).map((p) => product(p.upc)),
          productGrid: () => [[product('1'), product('2')], [], null, [null, product('3'), product('4')]],
          product: (_: unknown, { upc }: { upc: string }) => product(upc),
        },
        Mutation: {
          setPrice: (_: unknown, { upc, price }: { upc: string; price: number }) => {
            prices.set(upc, price);
            return product(upc);
          },
        },
        Product: {
          __resolveReference: (ref: { upc?: string; sku?: string; region?: { code: string } }) =>
            ref.upc ? product(ref.upc) : product(PRODUCTS.find((p) => p.sku === ref.sku && p.region.code === ref.region?.code)?.upc ?? ''),
        },
      } as R,
    },
    {
      // Knows products by their compound key only.
      name: 'shipping',
      typeDefs: `${FED(['key', 'shareable'])}
        type Product @key(fields: "sku region { code }") { sku: String! region: Region! carbonFootprint: Float }
        type Region @shareable { code: String! }`,
      resolvers: {
        Product: { __resolveReference: (ref: { sku: string; region: { code: string } }) => ({ ...ref, carbonFootprint: FOOTPRINT[`${ref.sku}/${ref.region.code}`] ?? null }) },
      } as R,
    },
    {
      name: 'inventory',
      typeDefs: `${FED(['key', 'external', 'requires', 'shareable'])}
        type Product @key(fields: "upc") {
          upc: String!
          price: Int @external
          weight: Int @external
          inStock: Boolean
          shippingEstimate: Int @requires(fields: "price weight")
          shippingQuote(zone: String!, express: Boolean = false): Float @requires(fields: "weight")
          warranty: String!
          "Products bought with this one (their other fields live in products): a list in an entity answer, with fetches below it."
          alsoBought: [Product]
          dimensions: Dimensions @shareable
        }
        type Dimensions @shareable { width: Int height: Int }`,
      resolvers: {
        Product: {
          __resolveReference: (ref: { upc: string; price?: number; weight?: number | null }) => ({ ...ref }),
          inStock: (p: { upc: string }) => {
            if (p.upc === '3') throw new GraphQLError('inventory of the mug is unknown');
            return p.upc !== '2';
          },
          shippingEstimate: (p: { price?: number; weight?: number | null }) => (p.price == null ? null : p.price > 1000 ? 0 : p.weight == null ? null : Math.floor(p.weight / 2)),
          shippingQuote: (p: { weight?: number | null }, { zone, express }: { zone: string; express: boolean }) =>
            p.weight == null ? null : p.weight * (zone === 'EU' ? 0.5 : 0.75) + (express ? 10 : 0),
          // Non-null: fails for the bookcase (an error) and returns null for the stool.
          warranty: (p: { upc: string }) => {
            if (p.upc === '2') throw new GraphQLError('no warranty data for the bookcase');
            return p.upc === '4' ? null : `${p.upc}-2y`;
          },
          dimensions: (p: { upc: string }) => PRODUCTS.find((x) => x.upc === p.upc)?.dimensions ?? null,
          alsoBought: (p: { upc: string }) => PRODUCTS.filter((x) => x.upc !== p.upc && x.upc !== '5').map((x) => ({ upc: x.upc })),
        },
      } as R,
    },
    {
      name: 'reviews',
      typeDefs: `${FED(['key', 'external', 'provides', 'override'])}
        type Query { latestReview: Review reviewMatrix: [[Review!]]! }
        type Mutation { addReview(upc: String!, body: String!): Review! }
        type Review @key(fields: "id") {
          id: ID!
          body: String
          rating: Int!
          author: User @provides(fields: "name")
          product: Product
        }
        type User @key(fields: "id") {
          id: ID!
          name: String @external
          nickname: String @override(from: "users")
          reviews: [Review]
        }
        type Product @key(fields: "upc") { upc: String! reviews: [Review] }`,
      resolvers: {
        Query: {
          latestReview: () => reviews[reviews.length - 1],
          reviewMatrix: () => [[reviews[0], reviews[1]], null, [reviews[2]], []],
        },
        Mutation: {
          addReview: (_: unknown, { upc, body }: { upc: string; body: string }) => {
            const review = { id: `r${reviews.length + 1}`, body, upc, authorId: '1', rating: 3 };
            reviews.push(review);
            return review;
          },
        },
        Review: {
          __resolveReference: (ref: { id: string }) => reviews.find((r) => r.id === ref.id) ?? null,
          // Provides the author's name (unknown authors have none).
          author: (r: { authorId: string }) => ({ id: r.authorId, name: USERS.find((u) => u.id === r.authorId)?.name ?? null }),
          product: (r: { upc: string }) => ({ upc: r.upc }),
        },
        User: {
          __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
          nickname: (u: { id: string }) => `reviewer-${u.id}`,
          reviews: (u: { id: string }) => reviews.filter((r) => r.authorId === u.id),
        },
        Product: {
          __resolveReference: (ref: { upc: string }) => ({ upc: ref.upc }),
          reviews: (p: { upc: string }) => reviews.filter((r) => r.upc === p.upc),
        },
      } as R,
    },
  ];
};

const MEDIA = [
  { __typename: 'Book', id: 'b1', title: 'Dune', pages: 412 },
  { __typename: 'Movie', id: 'm1', title: 'Alien', minutes: 117 },
  { __typename: 'Book', id: 'b2', title: 'Solaris', pages: 204 },
  { __typename: 'Movie', id: 'm2', title: 'Stalker', minutes: 162 },
];
const mediaById = (id: string) => MEDIA.find((m) => m.id === id) ?? null;
const PEOPLE = [
  { id: 'p1', name: 'Frank Herbert' },
  { id: 'p2', name: 'Stanisław Lem' },
];
const STARS: Record<string, number | null> = { b1: 4.5, m1: 4.8, b2: null, m2: 4.1 };

export const media: Fixture = () => [
  {
    name: 'catalog',
    typeDefs: `${FED(['key'])}
      interface Media @key(fields: "id") { id: ID! title: String! }
      type Book implements Media @key(fields: "id") { id: ID! title: String! pages: Int }
      type Movie implements Media @key(fields: "id") { id: ID! title: String! minutes: Int }
      type Person @key(fields: "id", resolvable: false) { id: ID! }
      union SearchResult = Book | Movie | Person
      type Query { media: [Media!]! search(term: String!): [SearchResult!]! shelf: [[Media]] }`,
    resolvers: {
      Query: {
        media: () => MEDIA,
        search: (_: unknown, { term }: { term: string }) => [...MEDIA.filter((m) => m.title.toLowerCase().includes(term)), { __typename: 'Person', id: 'p2' }, { __typename: 'Person', id: 'p1' }],
        shelf: () => [[MEDIA[0], null, MEDIA[1]], null, [MEDIA[3]]],
      },
      Media: {
        __resolveReference: (ref: { id: string }) => mediaById(ref.id),
        __resolveType: (m: { __typename: string }) => m.__typename,
      },
      Book: { __resolveReference: (ref: { id: string }) => mediaById(ref.id) },
      Movie: { __resolveReference: (ref: { id: string }) => mediaById(ref.id) },
      SearchResult: { __resolveType: (m: { __typename: string }) => m.__typename },
    } as R,
  },
  {
    name: 'ratings',
    typeDefs: `${FED(['key', 'interfaceObject'])}
      type Media @key(fields: "id") @interfaceObject { id: ID! stars: Float similar: [Media!]! }
      type Query { topRated: [Media!]! }`,
    resolvers: {
      Query: { topRated: () => ['m1', 'b1', 'm2'].map((id) => ({ id })) },
      Media: {
        __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
        stars: (m: { id: string }) => STARS[m.id] ?? null,
        similar: (m: { id: string }) => MEDIA.filter((x) => x.id !== m.id && x.id[0] === m.id[0]).map((x) => ({ id: x.id })),
      },
    } as R,
  },
  {
    name: 'people',
    typeDefs: `${FED(['key'])}
      type Person @key(fields: "id") { id: ID! name: String! }
      type Book @key(fields: "id") { id: ID! author: Person }`,
    resolvers: {
      Person: { __resolveReference: (ref: { id: string }) => PEOPLE.find((p) => p.id === ref.id) ?? null },
      Book: { __resolveReference: (ref: { id: string }) => ({ id: ref.id }), author: (b: { id: string }) => (b.id === 'b1' ? PEOPLE[0] : b.id === 'b2' ? PEOPLE[1] : null) },
    } as R,
  },
];
