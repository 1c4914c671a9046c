// The HTTP client every adapter talks through: one keep-alive undici Pool per upstream origin.
//
// Layers, innermost first:
//   rawCall   one HTTP exchange; maps transport failures, 5xx and 429 to UPSTREAM_UNAVAILABLE
//   policy    optional hook (retries, circuit breaker, concurrency limit) wrapped around rawCall
//   adapters  see only UpstreamClient.request(); they never know whether a policy is present
//
// Other 4xx answers are returned, not thrown: what a 401 or 404 means is upstream-specific
// (Shanghai refreshes its token on 401, Beijing reports a bad signature), so adapters decide.
// Error messages name the upstream, method and path only: never headers, bodies or query
// strings, which is where credentials, signatures and tokens travel.

import { Pool, request, type Dispatcher } from 'undici';
import { UpstreamError } from './errors.ts';
import { recordUpstreamCall } from '../../lib/observability/metrics.ts';
import { SpanKind, failSpan, injectTraceHeaders, startChildSpan, tracingEnabled, withContext, type Span } from '../../lib/observability/tracing.ts';
import { ErrorCode } from '../../lib/error-codes.ts';
import { describeTransportError } from '../../lib/transport-errors.ts';

export type HttpMethod = 'GET' | 'POST';

export interface UpstreamTimeouts {
  /** TCP/TLS connect. Sockets are pooled and shared, so this one is set per client, not per call. */
  connectMs: number;
  /** From sending the request until the response headers have arrived. */
  headersMs: number;
  /** Longest silence between two body chunks. */
  bodyMs: number;
  /** Whole call, headers and body included; 0 = no overall deadline. */
  totalMs: number;
}

export const DEFAULT_TIMEOUTS: UpstreamTimeouts = {
  connectMs: 5_000,
  headersMs: 15_000,
  bodyMs: 15_000,
  totalMs: 30_000,
};

export interface UpstreamRequest {
  method: HttpMethod;
  /** Path relative to the client's base URL, starting with "/". */
  path: string;
  query?: Record<string, string | number | undefined>;
  headers?: Record<string, string>;
  /** JSON body (sets content-type). Mutually exclusive with `form`. */
  json?: unknown;
  /** application/x-www-form-urlencoded body. */
  form?: Record<string, string>;
  signal?: AbortSignal;
  /** Per-call overrides of headersMs / bodyMs / totalMs. */
  timeouts?: Partial<Omit<UpstreamTimeouts, 'connectMs'>>;
  /**
   * True when repeating the call has no side effect (every read, even a POST search), so a
   * policy may retry it. Defaults to true for GET, false otherwise.
   */
  idempotent?: boolean;
  /** Stable low-cardinality label for policies and metrics, e.g. "GET /product/api/detail/:uuid". */
  route?: string;
}

export interface UpstreamResponse {
  status: number;
  /** Lower-case header names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  /** The body as UTF-8 text, untouched (Shanghai parses it losslessly). */
  text: string;
}

export type UpstreamCall = (req: UpstreamRequest) => Promise<UpstreamResponse>;

/**
 * Wraps the raw call. Receives the request and `next` (the raw call, or the next policy);
 * throws UpstreamError or returns a response. Example: retry `req.idempotent` calls on
 * UPSTREAM_UNAVAILABLE honouring `err.retryAfterSeconds`.
 */
export type UpstreamPolicy = (req: UpstreamRequest, next: UpstreamCall, upstream: string) => Promise<UpstreamResponse>;

/** Chains policies; the first one is outermost. */
export function composePolicies(...policies: UpstreamPolicy[]): UpstreamPolicy {
  return (req, next, upstream) => {
    const run = (i: number, r: UpstreamRequest): Promise<UpstreamResponse> => (i === policies.length ? next(r) : policies[i](r, (r2) => run(i + 1, r2), upstream));
    return run(0, req);
  };
}

export interface UpstreamClientOptions {
  /** Upstream id used in errors: "beijing" | "shanghai" | "guiyang" | "registry". */
  upstream: string;
  /** e.g. "http://127.0.0.1:4101" or "https://api.example.cn/prefix". */
  baseUrl: string;
  timeouts?: Partial<UpstreamTimeouts>;
  /** Max sockets to the origin (default 16). */
  connections?: number;
  /** Idle keep-alive socket lifetime (default 30 s). */
  keepAliveTimeoutMs?: number;
  /** Responses larger than this fail as UPSTREAM_ERROR (default 64 MiB). */
  maxResponseBytes?: number;
  /** Resilience hook around every call; see UpstreamPolicy. */
  policy?: UpstreamPolicy;
  /** Use this dispatcher instead of an own Pool (tests: MockAgent). Not closed by close(). */
  dispatcher?: Dispatcher;
}

export class UpstreamClient {
  readonly upstream: string;
  readonly origin: string;
  private readonly basePath: string;
  private readonly timeouts: UpstreamTimeouts;
  private readonly maxResponseBytes: number;
  private readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;
  private readonly policy: UpstreamPolicy | undefined;
  private closed = false;

  constructor(options: UpstreamClientOptions) {
    this.upstream = options.upstream;
    let url: URL;
    try {
      url = new URL(options.baseUrl);
    } catch {
      throw new Error(`${options.upstream}: base URL is not a valid URL`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new Error(`${options.upstream}: base URL must be http(s), got ${url.protocol}`);
    }
    // Credentials in a URL leak into logs; they belong in the adapter's options.
    if (url.username || url.password) throw new Error(`${options.upstream}: base URL must not contain credentials`);
    this.origin = url.origin;
    this.basePath = url.pathname.replace(/\/+$/, '');
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
    this.maxResponseBytes = options.maxResponseBytes ?? 64 * 1024 * 1024;
    this.policy = options.policy;
    this.ownsDispatcher = options.dispatcher === undefined;
    this.dispatcher =
      options.dispatcher ??
      new Pool(this.origin, {
        connections: options.connections ?? 16,
        keepAliveTimeout: options.keepAliveTimeoutMs ?? 30_000,
        connect: { timeout: this.timeouts.connectMs },
      });
  }

  /**
   * One call through the policy (if any) and the raw call; counted in
   * dataex_upstream_calls_total and, when tracing, a span (each attempt a child span).
   */
  async request(req: UpstreamRequest): Promise<UpstreamResponse> {
    const raw: UpstreamCall = (r) => this.rawCall(r);
    const route = req.route ?? req.method;
    const started = performance.now();
    let span: Span | undefined;
    let call = () => (this.policy ? this.policy(req, raw, this.upstream) : raw(req));
    if (tracingEnabled()) {
      const traced = startChildSpan('upstream', `upstream ${this.upstream} ${route}`, SpanKind.INTERNAL, { 'dataex.upstream': this.upstream, 'dataex.route': route });
      span = traced.span;
      const inner = call;
      call = () => withContext(traced.context, inner);
    }
    try {
      const res = await call();
      recordUpstreamCall(this.upstream, route, res.status >= 400 ? 'client_error' : 'ok', (performance.now() - started) / 1000);
      span?.setAttribute('http.response.status_code', res.status);
      return res;
    } catch (err) {
      recordUpstreamCall(this.upstream, route, callOutcome(err, req.signal), (performance.now() - started) / 1000);
      if (span) failSpan(span, err);
      throw err;
    } finally {
      span?.end();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.ownsDispatcher) await this.dispatcher.close();
  }

  /** The un-wrapped HTTP exchange. */
  private async rawCall(req: UpstreamRequest): Promise<UpstreamResponse> {
    const label = `${this.upstream} ${req.method} ${req.path}`;
    if (this.closed) throw new UpstreamError(ErrorCode.UPSTREAM_UNAVAILABLE, this.upstream, `${label}: client is closed`);
    req.signal?.throwIfAborted();

    const headersMs = req.timeouts?.headersMs ?? this.timeouts.headersMs;
    const bodyMs = req.timeouts?.bodyMs ?? this.timeouts.bodyMs;
    const totalMs = req.timeouts?.totalMs ?? this.timeouts.totalMs;
    const deadline = totalMs > 0 ? AbortSignal.timeout(totalMs) : undefined;
    const signals = [req.signal, deadline].filter((s): s is AbortSignal => s !== undefined);
    const signal = signals.length === 0 ? undefined : signals.length === 1 ? signals[0] : AbortSignal.any(signals);

    const headers: Record<string, string> = { accept: 'application/json', ...req.headers };
    let body: string | undefined;
    if (req.json !== undefined) {
      body = JSON.stringify(req.json);
      headers['content-type'] = 'application/json; charset=utf-8';
    } else if (req.form !== undefined) {
      body = new URLSearchParams(req.form).toString();
      headers['content-type'] = 'application/x-www-form-urlencoded; charset=utf-8';
    }

    const url = new URL(this.origin + this.basePath + req.path);
    for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    if (tracingEnabled()) return this.tracedAttempt(req, url, headers, body, { signal, deadline, headersMs, bodyMs, totalMs, label });
    return this.send(req, url, headers, body, { signal, deadline, headersMs, bodyMs, totalMs, label });
  }

  /** One attempt as a CLIENT span; its context goes upstream in `traceparent`. */
  private async tracedAttempt(req: UpstreamRequest, url: URL, headers: Record<string, string>, body: string | undefined, t: AttemptTimers): Promise<UpstreamResponse> {
    const { span, context } = startChildSpan('upstream', req.route ?? req.method, SpanKind.CLIENT, {
      'http.request.method': req.method,
      'server.address': this.origin,
      'url.path': req.path,
      'dataex.upstream': this.upstream,
    });
    injectTraceHeaders(context, headers);
    try {
      const res = await this.send(req, url, headers, body, t);
      span.setAttribute('http.response.status_code', res.status);
      return res;
    } catch (err) {
      failSpan(span, err);
      throw err;
    } finally {
      span.end();
    }
  }

  private async send(req: UpstreamRequest, url: URL, headers: Record<string, string>, body: string | undefined, t: AttemptTimers): Promise<UpstreamResponse> {
    const { signal, deadline, headersMs, bodyMs, totalMs, label } = t;

    let status: number;
    let resHeaders: Record<string, string>;
    let text: string;
    try {
      const res = await request(url, {
        dispatcher: this.dispatcher,
        method: req.method,
        headers,
        body,
        signal,
        headersTimeout: headersMs,
        bodyTimeout: bodyMs,
        idempotent: req.idempotent ?? req.method === 'GET',
      });
      status = res.statusCode;
      resHeaders = flattenHeaders(res.headers);
      text = await readText(res.body, this.maxResponseBytes, label, this.upstream);
    } catch (err) {
      // The caller gave up: propagate its reason unchanged, this is not the upstream's fault.
      if (req.signal?.aborted) throw req.signal.reason;
      if (err instanceof UpstreamError) throw err;
      if (deadline?.aborted) {
        throw new UpstreamError(ErrorCode.UPSTREAM_UNAVAILABLE, this.upstream, `${label}: no complete answer within ${totalMs} ms`, { cause: err });
      }
      throw new UpstreamError(
        ErrorCode.UPSTREAM_UNAVAILABLE,
        this.upstream,
        `${label}: ${describeTransportError(err, { timers: { headers: headersMs, body: bodyMs, connect: this.timeouts.connectMs }, withCode: true })}`,
        { cause: err },
      );
    }

    if (status === 429 || status >= 500) {
      const retryAfterSeconds = parseRetryAfter(resHeaders['retry-after']);
      const what = status === 429 ? 'rate limited (HTTP 429)' : `HTTP ${status}`;
      const wait = retryAfterSeconds === undefined ? '' : `, retry after ${retryAfterSeconds} s`;
      throw new UpstreamError(ErrorCode.UPSTREAM_UNAVAILABLE, this.upstream, `${label}: ${what}${wait}`, { retryAfterSeconds });
    }
    return { status, headers: resHeaders, text };
  }
}

interface AttemptTimers {
  signal: AbortSignal | undefined;
  deadline: AbortSignal | undefined;
  headersMs: number;
  bodyMs: number;
  totalMs: number;
  label: string;
}

/** The outcome label of a failed call (metrics). */
function callOutcome(err: unknown, signal: AbortSignal | undefined): string {
  if (signal?.aborted) return 'aborted';
  if (err instanceof Error && err.name === 'CircuitOpenError') return 'short_circuited';
  if (err instanceof Error && err.name === 'BulkheadFullError') return 'rejected';
  if (err instanceof UpstreamError) return err.code === ErrorCode.UPSTREAM_UNAVAILABLE ? 'unavailable' : 'error';
  return 'error';
}

function flattenHeaders(h: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

/** Reads the whole body as UTF-8, failing once it grows past `limit` bytes. */
async function readText(body: AsyncIterable<Buffer | Uint8Array> & { destroy?: () => unknown }, limit: number, label: string, upstream: string): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > limit) {
      body.destroy?.();
      throw new UpstreamError(ErrorCode.UPSTREAM_ERROR, upstream, `${label}: response larger than ${limit} bytes`);
    }
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Retry-After as seconds: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now: number = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v);
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil((at - now) / 1000));
}
