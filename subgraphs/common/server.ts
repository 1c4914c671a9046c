// Subgraph server factory: Apollo Server over a federation subgraph schema, on node:http,
// with /graphql, /healthz and /readyz. Every subgraph entry is this plus its resolvers.

import { createServer, type IncomingMessage } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, GraphQLError, type DocumentNode } from 'graphql';
import { ApolloServer, type ApolloServerPlugin, type BaseContext } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import { unwrapResolverError } from '@apollo/server/errors';
import { HttpError, closeServer, listen, requestUrl, sendJson } from '../../lib/http.ts';
import { PrincipalRejected, type PrincipalVerifier } from '../../lib/principal-token.ts';
import { ANONYMOUS, type Principal } from '../../lib/principal.ts';
import { handleGraphQL } from '../../lib/apollo-http.ts';
import { cacheControlPlugins } from './cache-control.ts';
import { isUpstreamError } from './errors.ts';
import { SCHEMA_DIR } from '../../schema/paths.ts';
import { log } from '../../lib/observability/log.ts';
import { observedHandler } from '../../lib/observability/http.ts';
import { metricsText, startProcessMetrics } from '../../lib/observability/metrics.ts';
import { ErrorCode } from '../../lib/error-codes.ts';
import { Header } from '../../lib/headers.ts';

export function loadSubgraphTypeDefs(name: string): DocumentNode {
  return parse(readFileSync(join(SCHEMA_DIR, `${name}.graphql`), 'utf8'));
}

export interface Readiness {
  ready: boolean;
  detail?: unknown;
}

export interface SubgraphServerOptions<C extends BaseContext> {
  name: string;
  typeDefs: DocumentNode;
  resolvers: GraphQLResolverMap<C>;
  /** Builds the request context for the verified caller. */
  context: (req: IncomingMessage, principal: Principal) => Promise<C>;
  /**
   * Verifies the gateway's signed principal headers, which must be signed for `name`; without
   * one every caller is anonymous (tests of foreign supergraphs).
   */
  verifier?: PrincipalVerifier;
  port: number;
  host: string;
  readiness?: () => Readiness;
  /** Extra Apollo Server plugins (e.g. the stale-data header). */
  plugins?: ApolloServerPlugin<C>[];
  /** Called on close, after the HTTP server stopped (adapters, timers). */
  onClose?: () => Promise<void>;
  bodyLimitBytes?: number;
  /** Serve Prometheus metrics at /metrics (default true; DATAEX_METRICS). */
  metrics?: boolean;
}

export interface RunningServer {
  name: string;
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Error shape clients see: typed errors keep their code (and the exchange at fault);
 * anything unexpected is reported as INTERNAL_SERVER_ERROR without internals.
 */
export function formatSubgraphError(formatted: { message: string; extensions?: Record<string, unknown>; path?: readonly (string | number)[]; locations?: readonly unknown[] }, error: unknown) {
  const original = unwrapResolverError(error);
  if (isUpstreamError(original)) {
    return {
      ...formatted,
      message: original.message,
      extensions: { code: original.code, exchange: original.upstream },
    };
  }
  const code = formatted.extensions?.code;
  if (original instanceof GraphQLError || (typeof code === 'string' && code !== ErrorCode.INTERNAL_SERVER_ERROR)) {
    const { stacktrace: _ignored, ...extensions } = formatted.extensions ?? {};
    return { ...formatted, extensions };
  }
  log.error({ component: 'subgraph', err: original }, 'unexpected error');
  return { message: 'internal error', path: formatted.path, locations: formatted.locations, extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } };
}

export async function startSubgraphServer<C extends BaseContext>(options: SubgraphServerOptions<C>): Promise<RunningServer> {
  const schema = buildSubgraphSchema([{ typeDefs: options.typeDefs, resolvers: options.resolvers }]);
  const apollo = new ApolloServer<C>({
    schema,
    // Inline tracing (ftv1) is for Apollo Studio, which we do not use: skip its per-field cost.
    // Cache-Control: Apollo's plugin, on the fields whose hints matter (cache-control.ts); last,
    // where Apollo Server would have put it.
    plugins: [ApolloServerPluginLandingPageDisabled(), ApolloServerPluginInlineTraceDisabled(), ...(options.plugins ?? []), ...cacheControlPlugins<C>(schema)],
    includeStacktraceInErrorResponses: false,
    formatError: formatSubgraphError as never,
    // Shutdown is the process's (lib/process.ts), in order: see gateway/server.ts.
    stopOnTerminationSignals: false,
  });
  await apollo.start();

  const bodyLimitBytes = options.bodyLimitBytes ?? 2 * 1024 * 1024;
  const header = (req: IncomingMessage, name: string) => {
    const v = req.headers[name];
    return typeof v === 'string' ? v : undefined;
  };
  const context = async (req: IncomingMessage, raw: Buffer): Promise<C> => {
    if (!options.verifier) return options.context(req, ANONYMOUS);
    try {
      // Signed for this subgraph only: the audience is the subgraph's name (its name in the supergraph).
      return await options.context(req, await options.verifier.verify(header(req, Header.PRINCIPAL), header(req, Header.SIGNATURE), raw, options.name));
    } catch (e) {
      if (e instanceof PrincipalRejected) throw new HttpError(401, ErrorCode.UNAUTHENTICATED, `${options.name}: ${e.message}`);
      throw e;
    }
  };
  const metrics = options.metrics ?? true;
  if (metrics) startProcessMetrics();
  // Each request runs in its span, the child of the gateway's fetch span (traceparent).
  const observe = { seam: 'subgraph', component: `subgraph:${options.name}`, level: 'debug', attributes: { 'dataex.subgraph': options.name } } as const;
  const server = createServer(
    observedHandler(observe, (req, res) => {
      const path = requestUrl(req).pathname;
      if (path === '/graphql') {
        void handleGraphQL(req, res, { server: apollo, context, bodyLimitBytes });
      } else if (path === '/metrics' && metrics && req.method === 'GET') {
        metricsText().then(
          ({ contentType, body }) => res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' }).end(body),
          () => sendJson(res, 500, { error: 'metrics unavailable' }),
        );
      } else if (path === '/healthz') {
        sendJson(res, 200, { status: 'ok', subgraph: options.name });
      } else if (path === '/readyz') {
        const r = options.readiness?.() ?? { ready: true };
        sendJson(res, r.ready ? 200 : 503, { ready: r.ready, subgraph: options.name, ...(r.detail === undefined ? {} : { detail: r.detail }) });
      } else {
        sendJson(res, 404, { error: `no route ${path}` });
      }
    }),
  );
  server.keepAliveTimeout = 65_000;
  const port = await listen(server, options.port, options.host);
  const host = options.host === '0.0.0.0' ? '127.0.0.1' : options.host;
  return {
    name: options.name,
    port,
    url: `http://${host}:${port}/graphql`,
    async close() {
      await closeServer(server);
      await apollo.stop();
      await options.onClose?.();
    },
  };
}
