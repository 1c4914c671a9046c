// CORS: off unless DATAEX_CORS_ORIGINS names origins (or `*`).

import type { IncomingMessage } from 'node:http';

/** The CORS headers of a request's answer; undefined when it gets none. */
export function corsHeaders(req: IncomingMessage, allowed: readonly string[]): Record<string, string> | undefined {
  const origin = req.headers.origin;
  if (!origin || allowed.length === 0) return undefined;
  const any = allowed.includes('*');
  if (!any && !allowed.includes(origin)) return undefined;
  return {
    'access-control-allow-origin': any ? '*' : origin,
    'access-control-allow-methods': 'GET, POST, PUT, DELETE, OPTIONS',
    'access-control-allow-headers': 'content-type, authorization, x-api-key, apollographql-client-name, apollo-require-preflight',
    'access-control-max-age': '600',
    ...(any ? {} : { vary: 'Origin' }),
  };
}
