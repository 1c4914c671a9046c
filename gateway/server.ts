// The gateway: Apollo Server 5 + ApolloGateway on a static supergraph, subgraph calls over
// undici pools, on node:http with /graphql, /healthz and /readyz.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { ApolloServer, type BaseContext } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { closeServer, listen, requestUrl, sendJson } from '../lib/http.ts';
import { handleGraphQL } from '../lib/apollo-http.ts';
import { createUndiciFetcher } from './fetcher.ts';
import { formatGatewayError } from './plugins/error-shape.ts';
import { subgraphsOf, type SubgraphEndpoint } from './supergraph.ts';
import { createReadiness } from './readiness.ts';
import { corsHeaders } from './cors.ts';

export interface GatewayOptions {
  supergraphSdl: string;
  /** Replaces the URL the supergraph names for a subgraph (by subgraph name). */
  subgraphUrls?: Record<string, string>;
  port: number;
  host: string;
  subgraphTimeoutMs: number;
  bodyLimitBytes: number;
  corsOrigins: string[];
}

export interface RunningGateway {
  url: string;
  port: number;
  subgraphs: SubgraphEndpoint[];
  close(): Promise<void>;
}

export async function startGateway(options: GatewayOptions): Promise<RunningGateway> {
  const subgraphs = subgraphsOf(options.supergraphSdl, options.subgraphUrls ?? {});
  const urlOf = new Map(subgraphs.map((s) => [s.name, s.url]));
  const undici = createUndiciFetcher({ timeoutMs: options.subgraphTimeoutMs });

  const gateway = new ApolloGateway({
    supergraphSdl: options.supergraphSdl,
    buildService: ({ name, url }) => new RemoteGraphQLDataSource({ url: urlOf.get(name) ?? url, fetcher: undici.fetcher }),
  });
  const apollo = new ApolloServer<BaseContext>({
    gateway,
    plugins: [ApolloServerPluginLandingPageDisabled()],
    includeStacktraceInErrorResponses: false,
    formatError: (formatted) => formatGatewayError(formatted),
  });
  await apollo.start();

  const readiness = createReadiness(subgraphs);
  const context = async (_req: IncomingMessage): Promise<BaseContext> => ({});

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const cors = corsHeaders(req, options.corsOrigins);
    for (const [k, v] of Object.entries(cors)) res.setHeader(k, v);
    if (req.method === 'OPTIONS') {
      res.writeHead(204).end();
      return;
    }
    const path = requestUrl(req).pathname;
    if (path === '/graphql') return handleGraphQL(req, res, { server: apollo, context, bodyLimitBytes: options.bodyLimitBytes });
    if (path === '/healthz') return sendJson(res, 200, { status: 'ok' });
    if (path === '/readyz') {
      const report = await readiness.check();
      return sendJson(res, report.ready ? 200 : 503, report);
    }
    sendJson(res, 404, { errors: [{ message: `no route ${req.method} ${path}`, extensions: { code: 'NOT_FOUND' } }] });
  };

  const server = createServer((req, res) => {
    route(req, res).catch((e) => {
      console.error('[gateway] request failed', e);
      if (!res.headersSent) sendJson(res, 500, { errors: [{ message: 'internal error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 65_000;
  const port = await listen(server, options.port, options.host);
  const host = options.host === '0.0.0.0' ? '127.0.0.1' : options.host;
  return {
    url: `http://${host}:${port}/graphql`,
    port,
    subgraphs,
    async close() {
      await closeServer(server);
      await apollo.stop();
      await undici.close();
    },
  };
}
