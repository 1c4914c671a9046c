// The headers and status of an executed answer, as the endpoint writes them.

import type { IncomingMessage } from 'node:http';
import type { HTTPGraphQLResponse } from '@apollo/server';
import { ErrorCode } from '../../lib/error-codes.ts';
import { Header } from '../../lib/headers.ts';
import { ANONYMOUS, type Principal } from '../../lib/principal.ts';
import type { OperationFacts } from '../contracts.ts';

/**
 * What a shared cache (a CDN, a proxy) may do with an answer: one to a caller with a key is
 * `private` whatever its hints say (a key's answers may hold what the public may not see);
 * every answer varies on the credential headers, on Accept (its Content-Type) and on Origin
 * (its CORS headers: a superset of what cors.ts sets, which this replaces).
 */
export const VARY = 'Origin, Authorization, X-Api-Key, Accept';

/** The Cache-Control of an answer to a caller with a key: never `public`. */
export function privateCacheControl(value: string): string {
  return /\bpublic\b/i.test(value) ? value.replace(/\bpublic\b/i, 'private') : /\bprivate\b|no-store/i.test(value) ? value : `${value}, private`;
}

/** An executed answer's headers: Apollo's, made private for a caller with a key, with Vary and the cache's verdict. */
export function answerHeaders(response: HTTPGraphQLResponse, principal: Principal, cacheHeader: string | null): Array<[string, string]> {
  const headers: Array<[string, string]> = [...response.headers];
  // A caller with a key: never `public` (a shared cache would hand the answer to anyone).
  if (principal !== ANONYMOUS) for (const h of headers) if (h[0] === 'cache-control') h[1] = privateCacheControl(h[1]);
  headers.push(['vary', VARY]);
  if (cacheHeader) headers.push([Header.CACHE, cacheHeader]);
  return headers;
}

/** Codes of a request GraphQL could not run: not parsed, not valid, variables not coerced. */
const REQUEST_ERROR_CODES = new Set<string>([ErrorCode.GRAPHQL_PARSE_FAILED, ErrorCode.GRAPHQL_VALIDATION_FAILED, ErrorCode.BAD_USER_INPUT]);

/**
 * GraphQL over HTTP: a well-formed request whose document does not parse or validate, or whose
 * variables do not coerce, is answered 200 when the answer is `application/json` and the client
 * asked for it (an Accept header), 4xx for `application/graphql-response+json`. A request
 * without an Accept header keeps Apollo's 400 (as before: such clients read the status). Requests
 * refused before GraphQL ran (CSRF prevention, no facts) and refusals by limits keep theirs.
 */
export function answerStatus(req: IncomingMessage, response: HTTPGraphQLResponse, facts: OperationFacts | undefined): number {
  const status = response.status ?? 200;
  if (status !== 400 || !facts || facts.hasData || req.headers.accept === undefined) return status;
  if (!response.headers.get('content-type')?.startsWith('application/json')) return status;
  return facts.errorCodes.length > 0 && facts.errorCodes.every((c) => REQUEST_ERROR_CODES.has(c)) ? 200 : status;
}
