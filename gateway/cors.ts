// CORS: off unless DATAEX_CORS_ORIGINS names origins (or `*`).
//
// A page on an allowed origin may send what dataex documents and what GraphQL clients send
// (credentials, CSRF-prevention headers, W3C trace context, `Cache-Control: no-cache` to skip
// the response cache), and read the headers dataex answers with (Retry-After on a 429, Age and
// x-dataex-cache on cached answers, Content-Disposition on exports).

import type { IncomingMessage } from 'node:http';
import { Header } from '../lib/headers.ts';

/** Request headers a browser page may send (besides the CORS-safelisted ones). */
export const CORS_ALLOWED_HEADERS = [
  'content-type',
  'accept',
  Header.AUTHORIZATION,
  Header.API_KEY,
  // Apollo's CSRF prevention: a GET must carry one of these (the CSRF error asks for them).
  Header.APOLLO_REQUIRE_PREFLIGHT,
  Header.APOLLO_OPERATION_NAME,
  'apollographql-client-name',
  'apollographql-client-version',
  // W3C trace context: an instrumented app's trace is continued (docs/observability.md).
  Header.TRACEPARENT,
  'tracestate',
  'baggage',
  // `no-cache` skips the response-cache look-up (docs/caching.md).
  'cache-control',
  'pragma',
].join(', ');

/** Response headers a browser page may read (besides the CORS-safelisted ones). */
export const CORS_EXPOSED_HEADERS = [
  Header.RETRY_AFTER,
  'age',
  Header.CACHE,
  Header.WORKER,
  Header.SAVED_QUERY,
  Header.RUN,
  Header.TOTAL_COUNT,
  'content-disposition',
  'content-length',
  'location',
  Header.WWW_AUTHENTICATE,
].join(', ');

/** The CORS headers of a request's answer; undefined when it gets none. */
export function corsHeaders(req: IncomingMessage, allowed: readonly string[]): Record<string, string> | undefined {
  if (allowed.length === 0) return undefined;
  const any = allowed.includes('*');
  const origin = req.headers.origin;
  // The answer depends on the Origin header whenever origins are listed: say so to caches,
  // also on answers to origins that are not allowed (and requests without one).
  const vary: Record<string, string> = any ? {} : { vary: 'Origin' };
  if (!origin || (!any && !allowed.includes(origin))) return any ? undefined : vary;
  return {
    'access-control-allow-origin': any ? '*' : origin,
    'access-control-allow-methods': 'GET, POST, PUT, DELETE, OPTIONS',
    'access-control-allow-headers': CORS_ALLOWED_HEADERS,
    'access-control-expose-headers': CORS_EXPOSED_HEADERS,
    'access-control-max-age': '600',
    ...vary,
  };
}
