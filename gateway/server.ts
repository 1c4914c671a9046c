// The gateway: Apollo Server 5 + ApolloGateway on a static supergraph, subgraph calls over
// undici pools, on node:http with /graphql (request/endpoint.ts), /healthz, /readyz and
// pluggable route modules (saved queries, playground, admin). What runs is decided by the
// caller: the Apollo plugins (plugin-list.ts) and the route modules (route-list.ts).

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import cluster from 'node:cluster';
import type { GraphQLSchema } from 'graphql';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloGateway } from '@apollo/gateway';
import type { KeyValueCache } from '@apollo/utils.keyvaluecache';
import { HttpError, closeServer, listen, requestUrl, sendError, sendJson } from '../lib/http.ts';
import { createUndiciFetcher } from './fetcher.ts';
import { formatGatewayError } from './error-shape.ts';
import { subgraphsOf, type SubgraphEndpoint } from './supergraph.ts';
import { watchedSupergraph } from './supergraph-watch.ts';
import { createReadiness } from './readiness.ts';
import { corsHeaders } from './cors.ts';
import type { GatewayServices, RouteModule } from './routes.ts';
import { hasCredentials, type KeyStore } from './auth/keys.ts';
import { DataexDataSource } from './datasource.ts';
import { shapeAnswersOf } from './result-shaping.ts';
import { executePlansOf } from './plan-execution.ts';
import type { EntityCache } from './entity-cache.ts';
import { createGraphQLEndpoint } from './request/endpoint.ts';
import { createCallers } from './request/caller.ts';
import { isoNow, NO_STRINGS } from './request/audit.ts';
import { Admission } from './request/admission.ts';
import type { GatewayContext } from './contracts.ts';
import type { ResponseCache } from './response-cache/cache.ts';
import type { DocumentChecker } from './limits/document-limits.ts';
import type { TrustedDocuments } from './trusted-documents/store.ts';
import type { RateLimiter } from '../lib/rate-limit.ts';
import type { DataexConfig } from '../lib/config.ts';
import type { AuditLog } from './audit/log.ts';
import { log } from '../lib/observability/log.ts';
import { observedHandler } from '../lib/observability/http.ts';
import { trackResponseCache } from '../lib/observability/metrics.ts';
import { ErrorCode } from '../lib/error-codes.ts';
import { Header } from '../lib/headers.ts';

const WORKER_ID = cluster.isWorker ? String(process.pid) : undefined;

export interface GatewayOptions {
  supergraphSdl: string;
  /** The file the supergraph came from: watched, and reloaded without a restart when it changes. */
  supergraphPath?: string;
  /** Replaces the URL the supergraph names for a subgraph (by subgraph name). */
  subgraphUrls?: Record<string, string>;
  port: number;
  host: string;
  subgraphTimeoutMs: number;
  /** Every request is answered within this long: subgraph calls still running then are cut, with errors naming them. */
  requestDeadlineMs?: number;
  /** Subgraphs without which nothing can be answered (readiness); default: any one reachable. */
  essentialSubgraphs?: string[];
  /** State of the Redis tier for /readyz ("off", "up", "down"). */
  redisState?: () => string;
  /** Secret the caller is signed with for the subgraphs. */
  signingSecret: string;
  bodyLimitBytes: number;
  corsOrigins: string[];
  /** Per-entity cache of `_entities` subgraph fetches; undefined = off. */
  entityCache?: EntityCache;
  /** Whole-response cache; undefined = off. */
  responseCache?: ResponseCache;
  /** Store of automatic persisted queries; undefined = Apollo's in-memory default. */
  apqCache?: KeyValueCache<string>;
  /** Static document limits (size, tokens, depth, aliases, root fields). */
  documents: DocumentChecker;
  /** Rate limiting; undefined = off. */
  rateLimiter?: RateLimiter;
  rateLimits?: DataexConfig['rateLimits'];
  /** The client's address as a rate-limit key (after trusted proxies); default: the socket's. */
  clientKeyOf?: (req: IncomingMessage) => string;
  /** Allow-list mode (DATAEX_ONLY_SAVED): ad-hoc /graphql operations refused unless the caller is an admin. */
  onlySaved?: boolean;
  /** Published documents, run by their hash, and trusted-documents mode (DATAEX_TRUSTED_DOCUMENTS=only); undefined = none. */
  trustedDocuments?: TrustedDocuments;
  /** How long a request's headers and body may take to arrive (ms; headers alone at most 10 s). */
  requestTimeoutMs?: number;
  /** On close: how long /readyz answers 503 ("draining") while requests are still served (ms). */
  shutdownDelayMs?: number;
  /** Audit log; undefined = off. */
  audit?: AuditLog;
  /** API keys; without a store every caller is anonymous. */
  keyStore?: KeyStore;
  /** Schema introspection (off in production unless asked for). */
  introspection?: boolean;
  /**
   * Apollo Server plugins, in order: the one list is plugin-list.ts. The endpoint reads what the
   * cache-decision and operation-facts plugins report, so they must be in it.
   */
  plugins: ApolloServerPlugin<GatewayContext>[];
  /** Extra HTTP routes, built once the gateway's services exist. */
  routes?: Array<(services: GatewayServices) => RouteModule>;
}

export interface RunningGateway {
  url: string;
  port: number;
  subgraphs: SubgraphEndpoint[];
  services: GatewayServices;
  close(): Promise<void>;
}

export async function startGateway(options: GatewayOptions): Promise<RunningGateway> {
  let subgraphs = subgraphsOf(options.supergraphSdl, options.subgraphUrls ?? {});
  const urlOf = new Map(subgraphs.map((s) => [s.name, s.url]));
  const undici = createUndiciFetcher({
    timeoutMs: options.subgraphTimeoutMs,
    signingSecret: options.signingSecret,
    // Names the subgraph on the fetch's span.
    subgraphOf: (url) => subgraphs.find((s) => s.url === url)?.name,
  });

  let apiSchema: GraphQLSchema | undefined;
  let readiness: ReturnType<typeof createReadiness>;
  const onSubgraphs = (next: SubgraphEndpoint[]) => {
    subgraphs = next;
    for (const s of next) urlOf.set(s.name, s.url);
    readiness = createReadiness(next, { essential: options.essentialSubgraphs, redisState: options.redisState });
  };
  // @apollo/gateway's built-in usage telemetry probes cloud metadata endpoints (AWS, GCP,
  // Azure, Alibaba) and exports to Apollo's servers every hour unless this is set. dataex's
  // telemetry is its own (/metrics, OTLP when configured): nothing leaves by default.
  process.env.APOLLO_TELEMETRY_DISABLED ??= 'true';
  const gateway = new ApolloGateway({
    supergraphSdl: options.supergraphPath
      ? watchedSupergraph({ path: options.supergraphPath, initialSdl: options.supergraphSdl, overrides: options.subgraphUrls ?? {}, onSubgraphs })
      : options.supergraphSdl,
    buildService: ({ name, url }) => new DataexDataSource({ url: urlOf.get(name) ?? url, fetcher: undici.fetcher, serviceName: name, entityCache: options.entityCache }),
  });
  gateway.onSchemaLoadOrUpdate(({ apiSchema: schema }) => {
    apiSchema = schema;
    // The gateway's plans are executed by plan-execution.ts and its answers shaped by
    // result-shaping.ts (keyed by the schema the gateway plans against: set before its
    // listeners are called).
    const plannedAgainst = (gateway as unknown as { apiSchema?: object }).apiSchema;
    if (plannedAgainst) {
      shapeAnswersOf(plannedAgainst);
      executePlansOf(plannedAgainst);
    }
  });
  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    introspection: options.introspection ?? true,
    ...(options.apqCache ? { persistedQueries: { cache: options.apqCache } } : {}),
    plugins: options.plugins,
    includeStacktraceInErrorResponses: false,
    formatError: (formatted) => formatGatewayError(formatted),
    // The process owns SIGINT/SIGTERM (lib/process.ts runUntilSignal drains and closes in
    // order). Apollo's own handlers (on unless NODE_ENV=test) would stop it mid-request and
    // re-send the signal, which runUntilSignal takes for a second one: exit 130, requests cut.
    stopOnTerminationSignals: false,
  });
  await apollo.start();

  const deadlineMs = options.requestDeadlineMs ?? 15_000;
  const callers = createCallers(options.keyStore);

  const admission = new Admission({
    rateLimiter: options.rateLimiter,
    rateLimits: options.rateLimits ?? { public: null, analyst: null, admin: null },
    clientKeyOf: options.clientKeyOf ?? ((req) => req.socket.remoteAddress ?? '?'),
  });

  const endpoint = createGraphQLEndpoint({
    apollo,
    callers,
    cache: options.responseCache,
    bodyLimitBytes: options.bodyLimitBytes,
    documents: options.documents,
    admission,
    onlySaved: options.onlySaved ?? false,
    trusted: options.trustedDocuments,
    audit: options.audit,
    deadlineMs,
  });

  const services: GatewayServices = {
    execute: endpoint.run,
    apiSchema() {
      if (!apiSchema) throw new Error('the gateway has not loaded its schema yet');
      return apiSchema;
    },
    principalOf: callers.principalOf,
    auditRefused: (req, refusal) => endpoint.audit.refused(req, undefined, performance.now(), isoNow(), refusal),
    auditRead: (req, principal, read) =>
      endpoint.audit.answered(
        req,
        principal,
        performance.now(),
        {
          time: isoNow(),
          operationName: read.what,
          queryHash: null,
          variables: null,
          datasets: read.datasets,
          outcome: 'ok',
          errorCodes: NO_STRINGS,
          status: read.status,
          cache: null,
          savedQuery: read.savedQuery,
        },
        false,
      ),
    checkNotBlocked: (req) => {
      if (hasCredentials(req.headers)) admission.checkNotBlocked(req);
    },
    authorize: callers.authorize,
  };

  readiness = createReadiness(subgraphs, { essential: options.essentialSubgraphs, redisState: options.redisState });
  const untrackCache = options.responseCache ? trackResponseCache(options.responseCache) : () => undefined;
  const modules = (options.routes ?? []).map((build) => build(services));

  /** Set when close() starts: /readyz answers 503 from then on. */
  let draining = false;
  let closing: Promise<void> | undefined;

  /** A request the route could not answer: HttpErrors as themselves, anything else as a 500. */
  const failed = (res: ServerResponse, e: unknown): void => {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (e instanceof HttpError) return sendError(res, e);
    log.error({ component: 'gateway', err: e }, 'request failed');
    sendJson(res, 500, { errors: [{ message: 'internal error', extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } }] });
  };

  /** Answers a request; returns a promise only when it has to wait (cache hits do not). */
  const route = (req: IncomingMessage, res: ServerResponse): void | Promise<void> => {
    const cors = corsHeaders(req, options.corsOrigins);
    if (cors) for (const [k, v] of Object.entries(cors)) res.setHeader(k, v);
    // A gateway worker (DATAEX_WORKERS > 1) names itself, so clients can tell workers apart.
    if (WORKER_ID) res.setHeader(Header.WORKER, WORKER_ID);
    if (req.method === 'OPTIONS') {
      res.writeHead(204).end();
      return;
    }
    // The hot path needs only the path and the query string; a URL object is built on demand.
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const path = q < 0 ? rawUrl : rawUrl.slice(0, q);
    const method = req.method ?? 'GET';
    for (const module of modules) if (module.matches(req, path)) return module.handle(req, res, requestUrl(req));
    if (path === '/graphql') {
      if (method !== 'GET' && method !== 'POST') throw new HttpError(405, ErrorCode.BAD_REQUEST, '/graphql takes GET or POST');
      return endpoint.handle(req, res, q < 0 ? '' : rawUrl.slice(q), (e) => failed(res, e));
    }
    if (path === '/healthz') return sendJson(res, 200, { status: 'ok' });
    if (path === '/readyz') {
      // Draining: not ready from the moment it starts, whatever the dependencies say.
      if (draining) return sendJson(res, 503, { ready: false, status: 'draining' });
      return readiness.check().then((report) => sendJson(res, report.ready ? 200 : 503, report));
    }
    sendJson(res, 404, { errors: [{ message: `no route ${method} ${path}`, extensions: { code: ErrorCode.NOT_FOUND } }] });
  };

  // Each request: its span (child of a client's traceparent) and, after the response, one log line.
  // A client that trickles its headers or body in is cut off (408) instead of holding a
  // connection for Node's default 300 s; the deadlines are checked every second.
  const requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
  const server = createServer(
    { requestTimeout: requestTimeoutMs, headersTimeout: Math.min(10_000, requestTimeoutMs), connectionsCheckingInterval: Math.min(1_000, requestTimeoutMs) },
    observedHandler({ seam: 'gateway', component: 'gateway', level: 'info' }, (req, res) => {
      try {
        route(req, res)?.catch((e: unknown) => failed(res, e));
      } catch (e) {
        failed(res, e);
      }
    }),
  );
  server.keepAliveTimeout = 65_000;
  const port = await listen(server, options.port, options.host);
  const host = options.host === '0.0.0.0' ? '127.0.0.1' : options.host;
  return {
    url: `http://${host}:${port}/graphql`,
    port,
    get subgraphs() {
      return subgraphs;
    },
    services,
    close() {
      // Once: a second call (the stack closing after a test closed the gateway) waits for the first.
      closing ??= (async () => {
        draining = true;
        const delayMs = options.shutdownDelayMs ?? 0;
        if (delayMs > 0 && server.listening) await new Promise((resolve) => setTimeout(resolve, delayMs));
        await closeServer(server);
        untrackCache();
        await apollo.stop();
        await undici.close();
        await Promise.all(modules.map((m) => m.close?.()));
        await options.audit?.close();
      })();
      return closing;
    },
  };
}
