// How a request ended, for its audit line and metrics: one rule for every route that runs
// operations (/graphql, saved-query runs, the console's examples).
//
//   ok        answered without errors
//   partial   data and errors (an exchange down, a field refused)
//   refused   the caller may not, or asked too much: auth, rate, limits, allow-list mode
//   error     the request could not be run (malformed, invalid) or the gateway failed

import type { AuditEntry } from '../audit/log.ts';
import { ErrorCode } from '../../lib/error-codes.ts';

export type Outcome = AuditEntry['outcome'];

/** Codes a refusal is answered with (the caller may not, or asked too much). */
const REFUSAL_CODES = new Set<string>([ErrorCode.QUERY_TOO_COMPLEX, ErrorCode.FORBIDDEN, ErrorCode.UNAUTHENTICATED, ErrorCode.RATE_LIMITED, ErrorCode.PERSISTED_QUERY_NOT_SUPPORTED]);

/** An executed operation's outcome, from its error codes. */
export function outcomeOf(errorCodes: readonly string[], hasData: boolean): Outcome {
  if (errorCodes.length === 0) return 'ok';
  if (hasData) return 'partial';
  return errorCodes.some((c) => REFUSAL_CODES.has(c)) ? 'refused' : 'error';
}

/**
 * The outcome of a request answered with an error before anything executed: 5xx is the
 * gateway's failure; a refusal code, or any 4xx but 400 (not found, too large, too slow to
 * arrive), is a refusal; a 400 is a request that could not be run.
 */
export function refusalOutcome(status: number, code: string): Outcome {
  if (status >= 500) return 'error';
  if (REFUSAL_CODES.has(code)) return 'refused';
  return status === 400 ? 'error' : 'refused';
}

/** The error codes in an answer's body, for answers no plugin saw (Apollo refused them before GraphQL ran). */
export function errorCodesOf(text: string, status: number): string[] {
  try {
    const body = JSON.parse(text) as { errors?: Array<{ extensions?: { code?: unknown } }> };
    const codes = [...new Set((body.errors ?? []).map((e) => String(e.extensions?.code ?? ErrorCode.BAD_REQUEST)))];
    if (codes.length > 0) return codes;
  } catch {
    /* not JSON */
  }
  return status >= 400 ? [ErrorCode.BAD_REQUEST] : [];
}
