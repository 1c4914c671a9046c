// The operation a request carries and the static limits it must keep before it executes
// (size, tokens, depth, aliases, root fields: limits/document-limits.ts), read from the
// POST body or the GET query string: only what the gateway needs itself; Apollo reads the rest.

import type { IncomingMessage } from 'node:http';
import { HttpError } from '../../lib/http.ts';
import { ErrorCode } from '../../lib/error-codes.ts';
import type { DocumentChecker } from '../limits/document-limits.ts';

export interface OperationSent {
  query?: string;
  operationName?: string;
  variables?: unknown;
}

/** The operation in a GET query string (`search`, "?" included) or a parsed POST body. */
export function operationOf(req: IncomingMessage, body: unknown, search: string): OperationSent {
  if (req.method === 'POST') {
    const b = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
    return { query: typeof b.query === 'string' ? b.query : undefined, operationName: typeof b.operationName === 'string' ? b.operationName : undefined, variables: b.variables };
  }
  const params = new URLSearchParams(search);
  let variables: unknown;
  try {
    variables = params.has('variables') ? JSON.parse(params.get('variables')!) : undefined;
  } catch {
    variables = params.get('variables');
  }
  return { query: params.get('query') ?? undefined, operationName: params.get('operationName') ?? undefined, variables };
}

/** Refuses (HttpError 400 QUERY_TOO_COMPLEX) a document over the static limits; no document (an APQ hash) passes. */
export function checkDocument(documents: DocumentChecker, query: string | undefined): void {
  if (query === undefined) return;
  const violation = documents.check(query);
  if (violation) throw new HttpError(400, ErrorCode.QUERY_TOO_COMPLEX, violation.message);
}
