// `npm run start:gateway` serves any valid supergraph named by DATAEX_SUPERGRAPH, not only ours.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parse } from 'graphql';
import { composeServices } from '@apollo/composition';
import { request } from 'undici';
import { startSubgraphServer, type RunningServer } from '../../subgraphs/common/server.ts';
import { runEntry, type Child } from '../helpers/process.ts';

const BOOKS = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key"])
type Query { books: [Book!]! }
type Book @key(fields: "isbn") { isbn: ID! title: String! }`;
const REVIEWS = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key"])
type Book @key(fields: "isbn") { isbn: ID! stars: Int! }`;

let servers: RunningServer[] = [];
let gateway: Child | undefined;

beforeAll(async () => {
  const books = await startSubgraphServer({
    name: 'books',
    typeDefs: parse(BOOKS),
    resolvers: {
      Query: {
        books: () => [
          { isbn: '978-7-115', title: '数据要素' },
          { isbn: '978-0-262', title: 'SICP' },
        ],
      },
    } as any,
    context: async () => ({}),
    port: 0,
    host: '127.0.0.1',
  });
  const reviews = await startSubgraphServer({
    name: 'reviews',
    typeDefs: parse(REVIEWS),
    resolvers: { Book: { __resolveReference: (b: { isbn: string }) => ({ isbn: b.isbn, stars: b.isbn.length }) } } as any,
    context: async () => ({}),
    port: 0,
    host: '127.0.0.1',
  });
  servers = [books, reviews];
  const result = composeServices([
    { name: 'books', url: books.url, typeDefs: parse(BOOKS) },
    { name: 'reviews', url: reviews.url, typeDefs: parse(REVIEWS) },
  ]);
  if (result.errors) throw new Error(result.errors.map((e) => e.message).join('\n'));
  const file = join(mkdtempSync(join(tmpdir(), 'dataex-sg-')), 'books.graphql');
  writeFileSync(file, result.supergraphSdl);
  // Port 0: the gateway binds a free port itself and prints the URL it got (no port picked
  // here that another process could take before the child binds it).
  gateway = runEntry('gateway/main.ts', { DATAEX_SUPERGRAPH: file, DATAEX_PORT: '0' });
  await gateway.waitFor(/dataex gateway on (\S+)/);
}, 60_000);

afterAll(async () => {
  gateway?.proc.kill('SIGTERM');
  await gateway?.exited;
  await Promise.all(servers.map((s) => s.close()));
});

it('serves an unrelated supergraph, planning across its subgraphs', async () => {
  const url = /dataex gateway on (\S+)/.exec(gateway!.output())![1];
  const res = await request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ books { isbn title stars } }' }),
  });
  const body: any = await res.body.json();
  expect(body.errors).toBeUndefined();
  expect(body.data.books).toEqual([
    { isbn: '978-7-115', title: '数据要素', stars: 9 },
    { isbn: '978-0-262', title: 'SICP', stars: 9 },
  ]);
  const ready = await request(url.replace('/graphql', '/readyz'));
  expect(ready.statusCode).toBe(200);
  expect(((await ready.body.json()) as any).subgraphs.map((s: any) => s.name)).toEqual(['books', 'reviews']);
});

it('stops cleanly on SIGTERM with exit code 0', async () => {
  gateway!.proc.kill('SIGTERM');
  expect(await gateway!.exited).toBe(0);
});

it('refuses an invalid variable at start-up, naming it', async () => {
  const bad = runEntry('gateway/main.ts', { DATAEX_PORT: 'forty' });
  expect(await bad.exited).toBe(1);
  expect(bad.output()).toMatch(/DATAEX_PORT/);
  const missing = runEntry('gateway/main.ts', { DATAEX_SUPERGRAPH: '/nonexistent/supergraph.graphql', DATAEX_PORT: '0' });
  expect(await missing.exited).toBe(1);
  expect(missing.output()).toMatch(/cannot read the supergraph/);
});
