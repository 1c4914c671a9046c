// Per-request observability of the HTTP servers (gateway and subgraphs): the request's SERVER
// span (child of the caller's traceparent) and the one log line per request, written after
// the response:
//
//   {"level":"info","time":"…","component":"gateway","method":"POST","path":"/graphql",
//    "status":200,"durationMs":12.4,"operation":"Search","principal":"alice","cache":"MISS",
//    "outcome":"ok","traceId":"4bf92f3577b34da6a3ce929d0e0e4736","msg":"POST /graphql 200 12.4 ms"}
//
// GraphQL entry points add what only they know (operation, principal, cache, outcome) with
// `observeOperation`, which also feeds the request metrics. With tracing off and the log
// level above `info` (benchmarks, tests), the wrapper is one boolean check and one level
// check per request, and `observeOperation` a few array increments.

import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Context } from '@opentelemetry/api';
import type { Logger } from 'pino';
import { rootLogger } from './log.ts';
import { recordRequest } from './metrics.ts';
import { activeSpan, startServerSpan, traceIdFromHeader, tracingEnabled, withContext, SpanStatusCode, type Span } from './tracing.ts';

/** What a GraphQL entry point knows about the operation it answered. */
export interface OperationObservation {
  operationName: string | null;
  /** ok | partial | error | refused */
  outcome: string;
  /** HIT | STALE | MISS | BYPASS | COALESCED, or null when the response cache was not involved. */
  cache: string | null;
  status: number;
  errorCodes: readonly string[];
  /**
   * False when the name was never checked against a parsed, valid document (a request refused
   * before that): its metrics go under `_unvalidated`, so made-up names cannot fill the
   * operation label's slots. Logs and spans keep the name sent.
   */
  validated?: boolean;
}

/** The operation label of requests refused before their document was validated. */
export const UNVALIDATED_OPERATION = '_unvalidated';

interface NotedOperation {
  operation: string | null;
  principal: string;
  cache: string | null;
  outcome: string;
  errorCodes: readonly string[];
}

const NOTED = Symbol('dataex.operation');
type Noted = IncomingMessage & { [NOTED]?: NotedOperation };

/**
 * One GraphQL operation answered (called after the response was written): request metrics,
 * attributes on the request's span, and the fields of the request's log line.
 */
export function observeOperation(req: IncomingMessage, principalId: string, started: number, op: OperationObservation): void {
  recordRequest(op.validated === false && op.operationName ? UNVALIDATED_OPERATION : op.operationName, op.outcome, op.cache, (performance.now() - started) / 1000);
  if (tracingEnabled()) {
    const span = activeSpan();
    if (span) {
      span.setAttribute('graphql.operation.name', op.operationName ?? 'anonymous');
      span.setAttribute('dataex.outcome', op.outcome);
      if (op.cache) span.setAttribute('dataex.cache', op.cache);
      if (op.errorCodes.length > 0) span.setAttribute('dataex.error_codes', op.errorCodes.join(','));
    }
  }
  if (rootLogger().isLevelEnabled('info')) {
    (req as Noted)[NOTED] = { operation: op.operationName, principal: principalId, cache: op.cache, outcome: op.outcome, errorCodes: op.errorCodes };
  }
}

export interface RequestLine {
  component: string;
  method: string;
  path: string;
  status: number;
  durationMs: number;
  traceId: string;
  operation?: string | null;
  principal?: string;
  cache?: string | null;
  outcome?: string;
  errorCodes?: readonly string[];
}

/** Writes one request's line. */
export function writeRequestLine(logger: Logger, line: RequestLine, level: 'info' | 'debug' = 'info'): void {
  const fields: Record<string, unknown> = { component: line.component, method: line.method, path: line.path, status: line.status, durationMs: line.durationMs };
  if (line.operation !== undefined) fields.operation = line.operation === null ? null : line.operation.slice(0, 100);
  if (line.principal !== undefined) fields.principal = line.principal;
  if (line.cache !== undefined) fields.cache = line.cache;
  if (line.outcome !== undefined) fields.outcome = line.outcome;
  if (line.errorCodes && line.errorCodes.length > 0) fields.errors = line.errorCodes;
  fields.traceId = line.traceId;
  logger[level](fields, `${line.method} ${line.path} ${line.status} ${line.durationMs} ms`);
}

/** A random W3C trace id, for log lines of requests that came without one while tracing is off. */
export function newTraceId(): string {
  return randomBytes(16).toString('hex');
}

// Span names stay low-cardinality: known first path segments, anything else "/*".
const KNOWN_SEGMENTS = new Set(['graphql', 'healthz', 'readyz', 'metrics', 'saved-queries', 'admin', 'console']);
/** Probes and scrapes: logged at debug level only. */
const QUIET_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

export function routeOf(path: string): string {
  if (path === '/') return '/';
  const end = path.indexOf('/', 1);
  const segment = path.slice(1, end < 0 ? undefined : end);
  return KNOWN_SEGMENTS.has(segment) ? `/${segment}` : '/*';
}

function pathOf(req: IncomingMessage): string {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  // The query string may carry variables (saved-query runs): never logged.
  return (q < 0 ? url : url.slice(0, q)).slice(0, 200);
}

export interface ObservedServerOptions {
  /** Which seam's spans these are. */
  seam: 'gateway' | 'subgraph';
  /** `component` of the log lines, e.g. "gateway" or "subgraph:beijing". */
  component: string;
  /** Level of ordinary request lines (subgraphs: debug; the gateway's: info). */
  level: 'info' | 'debug';
  /** Extra span attributes. */
  attributes?: Record<string, string>;
}

/**
 * Wraps a node:http request listener with the request's span and log line. The listener runs
 * with the span active, so the spans of everything it calls are its children.
 */
export function observedHandler(options: ObservedServerOptions, handler: (req: IncomingMessage, res: ServerResponse) => void): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const tracing = tracingEnabled();
    const logger = rootLogger();
    const logging = logger.isLevelEnabled(options.level);
    if (!tracing && !logging) return handler(req, res);

    const started = performance.now();
    const method = req.method ?? 'GET';
    const path = pathOf(req);
    let span: Span | undefined;
    let ctx: Context | undefined;
    if (tracing) {
      ({ span, context: ctx } = startServerSpan(options.seam, `${method} ${routeOf(path)}`, req.headers, {
        'http.request.method': method,
        'url.path': path,
        ...options.attributes,
      }));
    }
    res.once('close', () => {
      const status = res.statusCode;
      if (span) {
        span.setAttribute('http.response.status_code', status);
        if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR, message: `HTTP ${status}` });
        if (!res.writableFinished) span.setAttribute('dataex.aborted', true);
        span.end();
      }
      if (!logging) return;
      const level = QUIET_PATHS.has(path) ? 'debug' : options.level;
      if (!logger.isLevelEnabled(level)) return;
      const noted = (req as Noted)[NOTED];
      writeRequestLine(
        logger,
        {
          component: options.component,
          method,
          path,
          status,
          durationMs: Math.round((performance.now() - started) * 10) / 10,
          ...(noted ?? {}),
          traceId: span?.spanContext().traceId ?? traceIdFromHeader(req.headers.traceparent) ?? newTraceId(),
        },
        level,
      );
    });
    if (ctx) return withContext(ctx, () => handler(req, res));
    return handler(req, res);
  };
}
