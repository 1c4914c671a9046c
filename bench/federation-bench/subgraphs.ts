// The public gateway benchmark's shape (the "federation" scenario of the GraphQL gateways
// benchmark): four small subgraphs — accounts, inventory, products, reviews — with static
// data, and its nested query. Written here from the shape alone (types, keys, @requires, the
// query); the data is our own.
//
// Subgraphs are @apollo/subgraph schemas executed with graphql-js on bare node:http (documents
// parsed and validated once per distinct query text), so that they stay cheap next to the
// gateway under test, like the benchmark's compiled subgraphs.

import { createServer, type Server } from 'node:http';
import { parse, validate, execute, type DocumentNode, type GraphQLSchema } from 'graphql';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import { composeServices } from '@apollo/composition';

const FED = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@external", "@requires", "@shareable"])`;

// ---- data -----------------------------------------------------------------------------------

interface User {
  id: string;
  name: string;
  username: string;
  birthday: number;
}
interface Product {
  upc: string;
  name: string;
  price: number;
  weight: number;
}
interface Review {
  id: string;
  body: string;
  productUpc: string;
  authorId: string;
}

const USERS: User[] = [
  { id: '1', name: 'Ada Lovelace', username: 'ada', birthday: 1234567890 },
  { id: '2', name: 'Alan Turing', username: 'alan', birthday: 1234567890 },
  { id: '3', name: 'Grace Hopper', username: 'grace', birthday: 1234567890 },
  { id: '4', name: 'Edsger Dijkstra', username: 'edsger', birthday: 1234567890 },
  { id: '5', name: 'Barbara Liskov', username: 'barbara', birthday: 1234567890 },
  { id: '6', name: 'Donald Knuth', username: 'donald', birthday: 1234567890 },
];

const PRODUCTS: Product[] = [
  { upc: '1', name: 'Desk', price: 899, weight: 100 },
  { upc: '2', name: 'Bookcase', price: 1299, weight: 1000 },
  { upc: '3', name: 'Mug', price: 15, weight: 20 },
  { upc: '4', name: 'Stool', price: 499, weight: 100 },
  { upc: '5', name: 'Monitor', price: 1299, weight: 1000 },
  { upc: '6', name: 'Floor lamp', price: 6999, weight: 300 },
  { upc: '7', name: 'Barbecue', price: 3999, weight: 2000 },
  { upc: '8', name: 'Freezer', price: 100000, weight: 6000 },
  { upc: '9', name: 'Armchair', price: 9999, weight: 800 },
];

const IN_STOCK: Record<string, boolean> = { '1': true, '2': false, '3': false, '4': false, '5': true, '6': true, '7': true, '8': false, '9': true };

// Review bodies of the lengths the benchmark uses (about 150 to 1,100 characters).
const words = 'the quick brown fox jumps over a lazy dog while seven wise owls watch from an old oak tree near the quiet river bank at dawn'.split(' ');
function text(length: number, seed: number): string {
  let out = '';
  for (let i = 0; out.length < length; i++) out += (out ? ' ' : '') + words[(i * 7 + seed) % words.length];
  return out.slice(0, length);
}
const REVIEWS: Review[] = [
  [445, '1'],
  [290, '1'],
  [280, '1'],
  [140, '1'],
  [445, '2'],
  [290, '2'],
  [280, '2'],
  [140, '2'],
  [140, '3'],
  [140, '4'],
  [1100, '4'],
].map(([len, upc], i) => ({ id: String(i + 1), body: text(len as number, i), productUpc: upc as string, authorId: '1' }));

// Every user's reviews are the first two, and every review's author is user 1: the benchmark's
// fixed fan-out, which makes the nested query large and regular.
const reviewsOfUser = (): Review[] => REVIEWS.slice(0, 2);

// ---- subgraphs ------------------------------------------------------------------------------

interface SubgraphDef {
  name: string;
  typeDefs: string;
  resolvers: GraphQLResolverMap<unknown>;
}

export const SUBGRAPHS: SubgraphDef[] = [
  {
    name: 'accounts',
    typeDefs: `${FED}
      type Query { me: User users: [User] user(id: ID!): User }
      type User @key(fields: "id") { id: ID! name: String username: String birthday: Int }`,
    resolvers: {
      Query: { me: () => USERS[0], users: () => USERS, user: (_: unknown, { id }: { id: string }) => USERS.find((u) => u.id === id) },
      User: { __resolveReference: (ref: { id: string }) => USERS.find((u) => u.id === ref.id) },
    } as GraphQLResolverMap<unknown>,
  },
  {
    name: 'products',
    typeDefs: `${FED}
      type Query { topProducts(first: Int = 5): [Product] }
      type Product @key(fields: "upc") { upc: String! name: String price: Int weight: Int }`,
    resolvers: {
      Query: { topProducts: (_: unknown, { first }: { first: number }) => PRODUCTS.slice(0, first) },
      Product: { __resolveReference: (ref: { upc: string }) => PRODUCTS.find((p) => p.upc === ref.upc) },
    } as GraphQLResolverMap<unknown>,
  },
  {
    name: 'inventory',
    typeDefs: `${FED}
      type Product @key(fields: "upc") {
        upc: String!
        weight: Int @external
        price: Int @external
        inStock: Boolean
        shippingEstimate: Int @requires(fields: "price weight")
      }`,
    resolvers: {
      Product: {
        __resolveReference: (ref: { upc: string; price?: number; weight?: number }) => ({ ...ref, inStock: IN_STOCK[ref.upc] }),
        // Free above 1000, else half the weight (as in the benchmark).
        shippingEstimate: (p: { price?: number; weight?: number }) => (p.price == null ? null : p.price > 1000 ? 0 : p.weight == null ? null : Math.floor(p.weight / 2)),
      },
    } as GraphQLResolverMap<unknown>,
  },
  {
    name: 'reviews',
    typeDefs: `${FED}
      type Review @key(fields: "id") { id: ID! body: String product: Product author: User }
      type User @key(fields: "id") { id: ID! reviews: [Review] }
      type Product @key(fields: "upc") { upc: String! reviews: [Review] }`,
    resolvers: {
      Review: {
        __resolveReference: (ref: { id: string }) => REVIEWS.find((r) => r.id === ref.id),
        product: (r: Review) => ({ upc: r.productUpc }),
        author: (r: Review) => ({ id: r.authorId }),
      },
      User: { __resolveReference: (ref: { id: string }) => ({ id: ref.id }), reviews: () => reviewsOfUser() },
      Product: { __resolveReference: (ref: { upc: string }) => ({ upc: ref.upc }), reviews: (p: { upc: string }) => REVIEWS.filter((r) => r.productUpc === p.upc) },
    } as GraphQLResolverMap<unknown>,
  },
];

/** The benchmark's query: users and top products, each nested four levels through reviews. */
export const FEDERATION_QUERY = `fragment User on User { id username name }
fragment Review on Review { id body }
fragment Product on Product { inStock name price shippingEstimate upc weight }
query TestQuery {
  users { ...User reviews { ...Review product { ...Product reviews { ...Review author { ...User reviews { ...Review product { ...Product } } } } } } }
  topProducts { ...Product reviews { ...Review author { ...User reviews { ...Review product { ...Product } } } } }
}`;

// ---- serving ------------------------------------------------------------------------------

function serve(schema: GraphQLSchema): Server {
  const documents = new Map<string, DocumentNode | readonly Error[]>();
  return createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        let status = 200;
        let payload: unknown;
        try {
          const { query, variables, operationName } = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          let document = documents.get(query);
          if (!document) {
            const parsed = parse(query);
            const errors = validate(schema, parsed);
            document = errors.length > 0 ? errors : parsed;
            if (documents.size < 1000) documents.set(query, document);
          }
          payload = Array.isArray(document)
            ? { errors: document.map((e) => ({ message: e.message })) }
            : await execute({ schema, document: document as DocumentNode, variableValues: variables, operationName });
        } catch (e) {
          status = 400;
          payload = { errors: [{ message: (e as Error).message }] };
        }
        const body = JSON.stringify(payload);
        res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
        res.end(body);
      })();
    });
  });
}

export interface RunningFederationBench {
  subgraphs: Record<string, string>;
  supergraphSdl: string;
  counts: Record<string, { n: number }>;
  close(): Promise<void>;
}

export async function startFederationBench(host = '127.0.0.1'): Promise<RunningFederationBench> {
  const servers: Server[] = [];
  const urls: Record<string, string> = {};
  const counts: Record<string, { n: number }> = {};
  for (const def of SUBGRAPHS) {
    const schema = buildSubgraphSchema([{ typeDefs: parse(def.typeDefs), resolvers: def.resolvers }]);
    const server = serve(schema);
    const counter = { n: 0 };
    server.on('request', () => void counter.n++);
    server.keepAliveTimeout = 65_000;
    await new Promise<void>((resolve) => server.listen(0, host, resolve));
    servers.push(server);
    urls[def.name] = `http://${host}:${(server.address() as { port: number }).port}/graphql`;
    counts[def.name] = counter;
  }
  const composed = composeServices(SUBGRAPHS.map((d) => ({ name: d.name, url: urls[d.name], typeDefs: parse(d.typeDefs) })));
  if (composed.errors) throw new Error(`composition failed:\n${composed.errors.map((e) => `- ${e.message}`).join('\n')}`);
  return {
    subgraphs: urls,
    supergraphSdl: composed.supergraphSdl,
    counts,
    close: async () => {
      for (const s of servers) {
        s.closeAllConnections();
        await new Promise((resolve) => s.close(resolve));
      }
    },
  };
}
