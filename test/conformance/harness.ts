// Conformance harness: one supergraph, composed in-process with @apollo/composition from small
// @apollo/subgraph schemas, executed by two gateways over subgraphs of their own (so stateful
// cases such as mutations start from the same state on both):
//
//   stock   vanilla @apollo/gateway in Apollo Server (default data sources, default fetcher),
//           operations run with executeOperation: the reference;
//   dataex  the gateway exactly as `npm run start:gateway` runs it (gateway/launch.ts: plugins,
//           data sources, fetcher, caches, the request path of gateway/request/), over HTTP.
//           Whatever executes dataex's query plans is exercised here, so a new executor is
//           checked by plugging it in where the gateway runs operations, not in this file.
//
// Subgraphs are graphql-js over bare node:http on free ports (port 0), answering as a subgraph
// server does (errors with paths, HTTP 200).

import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, execute, validate, type GraphQLFormattedError } from 'graphql';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import { composeServices } from '@apollo/composition';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { request } from 'undici';
import { loadConfig } from '../../lib/config.ts';
import { createCacheSetup } from '../../lib/cache/setup.ts';
import { launchGateway } from '../../gateway/launch.ts';

export interface SubgraphDef {
  name: string;
  typeDefs: string;
  resolvers: GraphQLResolverMap<unknown>;
}

/** Subgraph definitions; called once per gateway, so each gets fresh state. */
export type Fixture = () => SubgraphDef[];

export const FED = (imports: string[]) => `extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", import: ${JSON.stringify(imports.map((i) => `@${i}`))})`;

export interface Answer {
  data?: unknown;
  errors?: readonly GraphQLFormattedError[];
}

export interface Operation {
  query: string;
  variables?: Record<string, unknown>;
  operationName?: string;
}

export interface GatewayUnderTest {
  run(op: Operation): Promise<Answer>;
  close(): Promise<void>;
}

interface Subgraphs {
  urls: Record<string, string>;
  supergraphSdl: string;
  close(): Promise<void>;
}

async function startSubgraphs(defs: SubgraphDef[]): Promise<Subgraphs> {
  const servers: Server[] = [];
  const urls: Record<string, string> = {};
  for (const def of defs) {
    const schema = buildSubgraphSchema([{ typeDefs: parse(def.typeDefs), resolvers: def.resolvers }]);
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        void (async () => {
          const { query, variables, operationName } = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          const document = parse(query);
          const invalid = validate(schema, document);
          const result = invalid.length > 0 ? { errors: invalid } : await execute({ schema, document, variableValues: variables, operationName });
          const body = JSON.stringify(result);
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
          res.end(body);
        })();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push(server);
    urls[def.name] = `http://127.0.0.1:${(server.address() as { port: number }).port}/graphql`;
  }
  const composed = composeServices(defs.map((d) => ({ name: d.name, url: urls[d.name], typeDefs: parse(d.typeDefs) })));
  if (composed.errors) throw new Error(`composition failed:\n${composed.errors.map((e) => `- ${e.message}`).join('\n')}`);
  return {
    urls,
    supergraphSdl: composed.supergraphSdl,
    async close() {
      for (const s of servers) {
        s.closeAllConnections();
        await new Promise((resolve) => s.close(resolve));
      }
    },
  };
}

/** Vanilla @apollo/gateway: the reference. */
export async function stockGateway(fixture: Fixture): Promise<GatewayUnderTest> {
  const subgraphs = await startSubgraphs(fixture());
  const server = new ApolloServer({ gateway: new ApolloGateway({ supergraphSdl: subgraphs.supergraphSdl }), stopOnTerminationSignals: false });
  await server.start();
  return {
    async run(op) {
      const response = await server.executeOperation(op);
      if (response.body.kind !== 'single') throw new Error('incremental answer');
      const { data, errors } = response.body.singleResult;
      return { ...(data !== undefined ? { data } : {}), ...(errors ? { errors } : {}) };
    },
    async close() {
      await server.stop();
      await subgraphs.close();
    },
  };
}

/** The dataex gateway as production runs it, over HTTP. */
export async function dataexGateway(fixture: Fixture, env: Record<string, string> = {}): Promise<GatewayUnderTest> {
  const subgraphs = await startSubgraphs(fixture());
  const dir = mkdtempSync(join(tmpdir(), 'dataex-conformance-'));
  const supergraphPath = join(dir, 'supergraph.graphql');
  writeFileSync(supergraphPath, subgraphs.supergraphSdl);
  const config = loadConfig({ DATAEX_SUPERGRAPH: supergraphPath, DATAEX_DATA_DIR: dir, DATAEX_AUDIT: 'false', DATAEX_LOG_LEVEL: 'error', ...env });
  const cache = createCacheSetup({ redisUrl: undefined, redisPrefix: config.redisPrefix, memoryBytes: config.cacheMemoryBytes });
  const gateway = await launchGateway(config, cache, { port: 0, subgraphUrls: subgraphs.urls, signingSecret: 'conformance-suite-signing-secret-0123456789' });
  return {
    async run(op) {
      const res = await request(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(op) });
      return (await res.body.json()) as Answer;
    },
    async close() {
      await gateway.close();
      await cache.close();
      await subgraphs.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * What must be the same on both paths: `data` exactly (field order included), and each error's
 * message and path (in the order given). Error codes differ by design (dataex names subgraph
 * failures UPSTREAM_*, gateway/error-shape.ts) and are compared by the cases that care.
 */
export function comparable(answer: Answer): { data: unknown; errors: Array<{ message: string; path: unknown }> | undefined; order: string } {
  return {
    data: answer.data,
    errors: answer.errors?.map((e) => ({ message: e.message, path: e.path })),
    // toEqual ignores key order; the serialised data does not.
    order: JSON.stringify(answer.data ?? null),
  };
}
