// The last step of every request that runs an operation: its audit line (when the audit log is
// on), its request metrics and the fields of its request log line, written once it is answered.
// One writer for /graphql, saved-query runs and the console, so the lines say the same things
// the same way. Refusals are audited at a bounded rate per address (admission.ts).

import type { IncomingMessage } from 'node:http';
import { ANONYMOUS, type Principal } from '../../lib/principal.ts';
import { HttpError } from '../../lib/http.ts';
import { ErrorCode } from '../../lib/error-codes.ts';
import { observeOperation } from '../../lib/observability/http.ts';
import { hasCredentials } from '../auth/keys.ts';
import { answerPart, hitLine, type AuditEntry, type AuditLog } from '../audit/log.ts';
import type { CachedResponse } from '../response-cache/cache.ts';
import type { Admission } from './admission.ts';
import { UNKNOWN_CALLER } from './caller.ts';
import { refusalOutcome } from './outcome.ts';

/** What the audit line of a request says but who asked and how long it took. */
export type AuditDraft = Omit<AuditEntry, 'durationMs' | 'principal' | 'role'>;

/** What is known of a request refused before it executed. */
export interface Refusal {
  status: number;
  code: string;
  operationName?: string | null;
  variables?: unknown;
  savedQuery?: string;
}

/** Shared empty list for audit fields (frozen: never mutated). */
export const NO_STRINGS = Object.freeze([]) as unknown as string[];

// The time of a request as ISO-8601: one Date per millisecond, not one per request.
let isoMs = 0;
let isoText = '';
export function isoNow(): string {
  const ms = Date.now();
  if (ms !== isoMs) {
    isoMs = ms;
    isoText = new Date(ms).toISOString();
  }
  return isoText;
}

/** Each stored answer's part of its hits' audit lines, serialized on its first hit. */
const answerParts = new WeakMap<CachedResponse, string>();
function answerPartOf(hit: CachedResponse): string {
  let part = answerParts.get(hit);
  if (part === undefined) {
    part = answerPart({ operationName: hit.operationName, queryHash: hit.queryHash, datasets: hit.datasets, outcome: 'ok', errorCodes: NO_STRINGS, status: hit.status });
    answerParts.set(hit, part);
  }
  return part;
}

export interface RequestAudit {
  /**
   * An answered request. `validated`: the operation name was checked against a document (only
   * those name a metric label: made-up names of refused requests would fill the label slots).
   */
  answered(req: IncomingMessage, principal: Principal, started: number, draft: AuditDraft, validated: boolean): void;
  /** A response-cache hit; its line is built from pre-serialized parts (the hit path's budget). */
  hit(req: IncomingMessage, principal: Principal, started: number, time: string, hit: CachedResponse, state: 'HIT' | 'STALE'): void;
  /**
   * A request refused before it executed, at its address's allowance. The line names the caller
   * of the key sent, looked up when not yet known (`caller` undefined: the request failed before
   * that, e.g. a body over the limit); an unknown or revoked key is `unknown`, and counts
   * against its address like any other.
   */
  refused(req: IncomingMessage, caller: Principal | undefined, started: number, time: string, refusal: Refusal): void;
}

export function createRequestAudit(deps: { log: AuditLog | undefined; admission: Admission; principalOf(req: IncomingMessage): Promise<Principal> }): RequestAudit {
  const { log, admission } = deps;

  function answered(req: IncomingMessage, principal: Principal, started: number, a: AuditDraft, validated: boolean): void {
    observeOperation(req, principal.id, started, validated ? a : { ...a, validated: false });
    if (!log) return;
    // One literal with every field in a fixed order (no spreads).
    const entry: AuditEntry = {
      time: a.time,
      principal: principal.id,
      role: principal.role,
      operationName: a.operationName,
      queryHash: a.queryHash,
      variables: a.variables,
      datasets: a.datasets,
      outcome: a.outcome,
      errorCodes: a.errorCodes,
      status: a.status,
      durationMs: Math.round(performance.now() - started),
      cache: a.cache,
    };
    if (a.savedQuery) entry.savedQuery = a.savedQuery;
    log.record(entry);
  }

  return {
    answered,
    hit(req, principal, started, time, hit, state) {
      observeOperation(req, principal.id, started, { operationName: hit.operationName, outcome: 'ok', cache: state, status: hit.status, errorCodes: NO_STRINGS });
      log?.recordLine(hitLine(time, principal, answerPartOf(hit), Math.round(performance.now() - started), state), time);
    },
    refused(req, caller, started, time, refusal) {
      const draft: AuditDraft = {
        time,
        operationName: refusal.operationName ?? null,
        queryHash: null,
        variables: refusal.variables,
        datasets: NO_STRINGS,
        outcome: refusalOutcome(refusal.status, refusal.code),
        errorCodes: [refusal.code],
        status: refusal.status,
        cache: null,
        ...(refusal.savedQuery ? { savedQuery: refusal.savedQuery } : {}),
      };
      const write = (p: Principal) => {
        if (admission.mayAuditRefusal(req)) answered(req, p, started, draft, false);
      };
      if (caller !== undefined || !hasCredentials(req.headers)) return write(caller ?? ANONYMOUS);
      // The key itself was refused (counted against its address), or the address is blocked for
      // sending unknown keys: looking the key up again would only cost the key store.
      if (refusal.code === ErrorCode.UNAUTHENTICATED) admission.noteBadKey(req);
      if (refusal.code === ErrorCode.UNAUTHENTICATED || refusal.code === ErrorCode.RATE_LIMITED) return write(UNKNOWN_CALLER);
      deps.principalOf(req).then(write, (e: unknown) => {
        // Only a key found bad counts, not a key store that could not answer.
        if (e instanceof HttpError && e.code === ErrorCode.UNAUTHENTICATED) admission.noteBadKey(req);
        write(UNKNOWN_CALLER);
      });
    },
  };
}
