// Subgraph fetches over undici pools (keep-alive, one pool per subgraph origin) instead of
// the gateway's default make-fetch-happen. Implements just the Fetcher surface that
// RemoteGraphQLDataSource reads.

import { Agent, type Dispatcher } from 'undici';
import type { Fetcher, FetcherHeaders, FetcherRequestInit, FetcherResponse } from '@apollo/utils.fetcher';
import { signRequest } from '../lib/principal-token.ts';
import { SpanKind, failSpan, injectTraceHeaders, startChildSpan, tracingEnabled, withContext } from '../lib/observability/tracing.ts';
import { Header } from '../lib/headers.ts';

// Two headers the data source sets for this fetcher alone: Header.DEADLINE, the absolute
// epoch-ms deadline of the client request the call belongs to; Header.AUDIENCE, the subgraph
// the call is for (not sent): the audience its signature is bound to, so a header captured on
// its way to one subgraph is refused by every other.

// Subgraph operations are printed by the query planner: a mutation starts with "mutation".
function isMutation(body: string): boolean {
  return body.startsWith('{"query":"mutation');
}

export interface UndiciFetcherOptions {
  /** Connections per subgraph origin. */
  connections?: number;
  /** Headers + body timeout of one subgraph call. */
  timeoutMs: number;
  /** Signs the principal header of each call (HMAC over audience, claims, expiry, nonce and body). */
  signingSecret: string;
  /** The subgraph a URL belongs to (names the call's span when tracing; the audience of a call that does not name one). */
  subgraphOf?: (url: string) => string | undefined;
}

/** Headers in a plain map, names lowercased, repeated values joined with ", " (as node-fetch's Headers). */
export class PlainHeaders implements FetcherHeaders {
  private readonly map = new Map<string, string>();
  constructor(raw: Record<string, string | string[] | undefined> = {}) {
    for (const [k, v] of Object.entries(raw)) if (v !== undefined) this.map.set(k.toLowerCase(), Array.isArray(v) ? v.join(', ') : v);
  }
  append(name: string, value: string): void {
    const k = name.toLowerCase();
    const prev = this.map.get(k);
    this.map.set(k, prev === undefined ? value : `${prev}, ${value}`);
  }
  delete(name: string): void {
    this.map.delete(name.toLowerCase());
  }
  get(name: string): string | null {
    return this.map.get(name.toLowerCase()) ?? null;
  }
  has(name: string): boolean {
    return this.map.has(name.toLowerCase());
  }
  set(name: string, value: string): void {
    this.map.set(name.toLowerCase(), value);
  }
  entries(): IterableIterator<[string, string]> {
    return this.map.entries();
  }
  keys(): IterableIterator<string> {
    return this.map.keys();
  }
  values(): IterableIterator<string> {
    return this.map.values();
  }
  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.map.entries();
  }
}

/** A fully read response: the body is read once, eagerly, so text()/json()/clone() are cheap. */
class BufferedResponse implements FetcherResponse {
  readonly url: string;
  readonly status: number;
  readonly headers: FetcherHeaders;
  private readonly body: string;

  bodyUsed = false;
  readonly redirected = false;
  constructor(url: string, status: number, headers: FetcherHeaders, body: string) {
    this.url = url;
    this.status = status;
    this.headers = headers;
    this.body = body;
  }
  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }
  get statusText(): string {
    return this.ok ? 'OK' : `HTTP ${this.status}`;
  }
  async text(): Promise<string> {
    this.bodyUsed = true;
    return this.body;
  }
  async json(): Promise<unknown> {
    this.bodyUsed = true;
    return JSON.parse(this.body);
  }
  async arrayBuffer(): Promise<ArrayBuffer> {
    this.bodyUsed = true;
    const buf = Buffer.from(this.body);
    return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
  }
  clone(): BufferedResponse {
    return new BufferedResponse(this.url, this.status, this.headers, this.body);
  }
}

export interface UndiciFetcher {
  fetcher: Fetcher;
  close(): Promise<void>;
}

// Subgraph URLs are few and fixed: parse each once.
const parsedUrls = new Map<string, { origin: string; path: string }>();
function parsedUrl(url: string): { origin: string; path: string } {
  let parsed = parsedUrls.get(url);
  if (!parsed) {
    const u = new URL(url);
    parsed = { origin: u.origin, path: u.pathname + u.search };
    parsedUrls.set(url, parsed);
  }
  return parsed;
}

export function createUndiciFetcher(options: UndiciFetcherOptions): UndiciFetcher {
  const agent = new Agent({
    connections: options.connections ?? 128,
    keepAliveTimeout: 30_000,
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
  });
  const send = async (url: string, init?: FetcherRequestInit): Promise<BufferedResponse> => {
    const target = parsedUrl(url);
    const headers = { ...init?.headers };
    if (tracingEnabled()) return traced(url, target, headers, init);
    return sendWith(url, target, headers, init);
  };

  // The call as a CLIENT span whose context travels to the subgraph in `traceparent`.
  const traced = async (url: string, target: { origin: string; path: string }, headers: Record<string, string>, init?: FetcherRequestInit): Promise<BufferedResponse> => {
    const subgraph = options.subgraphOf?.(url);
    const { span, context } = startChildSpan('gateway', `subgraph ${subgraph ?? target.path}`, SpanKind.CLIENT, {
      'http.request.method': init?.method ?? 'GET',
      'server.address': target.origin,
      'url.path': target.path,
      ...(subgraph ? { 'dataex.subgraph': subgraph } : {}),
    });
    injectTraceHeaders(context, headers);
    try {
      const response = await withContext(context, () => sendWith(url, target, headers, init));
      span.setAttribute('http.response.status_code', response.status);
      return response;
    } catch (e) {
      failSpan(span, e);
      throw e;
    } finally {
      span.end();
    }
  };

  const sendWith = async (url: string, target: { origin: string; path: string }, headers: Record<string, string>, init?: FetcherRequestInit): Promise<BufferedResponse> => {
    // The call may take what is left of the request's deadline, at most the subgraph timeout.
    const deadline = Number(headers[Header.DEADLINE]);
    const timeout = Number.isFinite(deadline) ? Math.max(1, Math.min(options.timeoutMs, deadline - Date.now())) : options.timeoutMs;
    const claims = headers[Header.PRINCIPAL];
    const audience = headers[Header.AUDIENCE] ?? options.subgraphOf?.(url) ?? '';
    delete headers[Header.AUDIENCE];
    if (claims) headers[Header.SIGNATURE] = signRequest(options.signingSecret, claims, init?.body ?? '', Date.now(), audience);
    const response = await agent.request({
      origin: target.origin,
      path: target.path,
      method: (init?.method ?? 'GET') as Dispatcher.HttpMethod,
      headers,
      body: init?.body,
      signal: init?.signal,
      headersTimeout: timeout,
      bodyTimeout: timeout,
    });
    const body = await response.body.text();
    return new BufferedResponse(url, response.statusCode, new PlainHeaders(response.headers), body);
  };

  // Identical concurrent subgraph queries (same URL, same caller, same body) share one fetch.
  const inFlight = new Map<string, Promise<BufferedResponse>>();
  const fetcher: Fetcher = (url: string, init?: FetcherRequestInit) => {
    const body = typeof init?.body === 'string' ? init.body : undefined;
    if (body === undefined || isMutation(body)) return send(url, init);
    const key = `${url}\n${init?.headers?.[Header.PRINCIPAL] ?? ''}\n${body}`;
    let pending = inFlight.get(key);
    if (!pending) {
      pending = send(url, init).finally(() => inFlight.delete(key));
      inFlight.set(key, pending);
    }
    return pending.then((r) => r.clone());
  };
  return { fetcher, close: () => agent.close() };
}
