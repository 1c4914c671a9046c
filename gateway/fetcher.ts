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

/**
 * A copy of a value JSON.parse made: new objects and arrays, the same strings (immutable, and on
 * subgraph answers most of the bytes). A `__proto__` key, which JSON.parse makes an own property,
 * is defined, never assigned (assigning would set the copy's prototype). About a fifth of the
 * cost of parsing the text again on the public benchmark's answers. Hand-written: rfdc, the
 * usual deep clone, assigns every key (an own `__proto__` becomes the copy's prototype) and took
 * 1.8× as long. Recursive: a value nested thousands deep throws RangeError (see SharedBody).
 */
export function copyParsed(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    const n = value.length;
    const copy = new Array<unknown>(n);
    for (let i = 0; i < n; i++) copy[i] = copyParsed(value[i]);
    return copy;
  }
  const copy: Record<string, unknown> = {};
  for (const key in value) {
    // JSON.parse makes own properties only; anything inherited is not the answer's.
    if (!Object.hasOwn(value, key)) continue;
    const v = (value as Record<string, unknown>)[key];
    const c = typeof v === 'object' && v !== null ? copyParsed(v) : v;
    if (key === '__proto__') Object.defineProperty(copy, key, { value: c, enumerable: true, writable: true, configurable: true });
    else copy[key] = c;
  }
  return copy;
}

/**
 * The body of one call, shared by every reader of it (the callers that shared the call, each with
 * its own BufferedResponse). json() parses the text once for all of them, and each read gets an
 * object tree of its own (the plan executor merges later answers into it): the tree is copied
 * (copyParsed) for every read until the `readers`-th, which gets the tree itself. Every read
 * after that, and the only read of a text with a single reader, parses afresh: a tree once
 * handed out is never copied, as its reader may have written into it. So no two reads share an
 * object whatever the count; the count (the sharers, final before anyone reads: see the
 * fetcher) only decides who saves a copy. A tree too deep to copy is parsed afresh instead.
 */
class SharedBody {
  readonly text: string;
  readers = 1;
  private parsed: unknown;
  private state: 'unparsed' | 'kept' | 'given' = 'unparsed';
  constructor(text: string) {
    this.text = text;
  }
  json(): unknown {
    if (this.state === 'given') return JSON.parse(this.text);
    if (this.state === 'unparsed') {
      if (this.readers <= 1) {
        this.state = 'given';
        return JSON.parse(this.text);
      }
      this.parsed = JSON.parse(this.text);
      this.state = 'kept';
    }
    this.readers--;
    if (this.readers > 0) {
      try {
        return copyParsed(this.parsed);
      } catch (e) {
        if (!(e instanceof RangeError)) throw e;
        return JSON.parse(this.text);
      }
    }
    this.state = 'given';
    const tree = this.parsed;
    this.parsed = undefined;
    return tree;
  }
}

/** A fully read response: the body is read once, eagerly; text() and clone() cost nothing more, json() a parse or a copy (SharedBody). */
class BufferedResponse implements FetcherResponse {
  readonly url: string;
  readonly status: number;
  readonly headers: FetcherHeaders;
  readonly shared: SharedBody;

  bodyUsed = false;
  readonly redirected = false;
  constructor(url: string, status: number, headers: FetcherHeaders, body: string | SharedBody) {
    this.url = url;
    this.status = status;
    this.headers = headers;
    this.shared = typeof body === 'string' ? new SharedBody(body) : body;
  }
  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }
  get statusText(): string {
    return this.ok ? 'OK' : `HTTP ${this.status}`;
  }
  async text(): Promise<string> {
    this.bodyUsed = true;
    return this.shared.text;
  }
  async json(): Promise<unknown> {
    this.bodyUsed = true;
    return this.shared.json();
  }
  async arrayBuffer(): Promise<ArrayBuffer> {
    this.bodyUsed = true;
    const buf = Buffer.from(this.shared.text);
    return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
  }
  /** A response of its own over the same body (see SharedBody: a clone is one more reader of the text, not of the shared tree). */
  clone(): BufferedResponse {
    return new BufferedResponse(this.url, this.status, this.headers, this.shared.text);
  }
  /** One of `readers` responses that share this one's body, and its parse (see the fetcher). */
  share(): BufferedResponse {
    return new BufferedResponse(this.url, this.status, this.headers, this.shared);
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

  // Identical concurrent subgraph queries (same URL, same caller, same body) share one fetch,
  // and its parse: each sharer is one more reader of the body. The count is final before anyone
  // reads: a sharer joins only while the key is in the map, and the callback that takes the key
  // out and sets the count settles `pending`, so it runs before any sharer's callback on it.
  const inFlight = new Map<string, { pending: Promise<BufferedResponse>; sharers: number }>();
  const fetcher: Fetcher = (url: string, init?: FetcherRequestInit) => {
    const body = typeof init?.body === 'string' ? init.body : undefined;
    if (body === undefined || isMutation(body)) return send(url, init);
    const key = `${url}\n${init?.headers?.[Header.PRINCIPAL] ?? ''}\n${body}`;
    let flight = inFlight.get(key);
    if (flight) flight.sharers++;
    else {
      const started = { pending: undefined as unknown as Promise<BufferedResponse>, sharers: 1 };
      started.pending = send(url, init).then(
        (r) => {
          inFlight.delete(key);
          r.shared.readers = started.sharers;
          return r;
        },
        (e: unknown) => {
          inFlight.delete(key);
          throw e;
        },
      );
      inFlight.set(key, started);
      flight = started;
    }
    return flight.pending.then((r) => r.share());
  };
  return { fetcher, close: () => agent.close() };
}
