// The settings of the upstream resilience policy (subgraphs/common/resilience/) and their
// defaults: the one source of the defaults of DATAEX_UPSTREAM_MAX_ATTEMPTS,
// DATAEX_UPSTREAM_BREAKER_FAILURE_RATE, DATAEX_UPSTREAM_BREAKER_COOLDOWN_MS,
// DATAEX_UPSTREAM_CONCURRENCY and DATAEX_UPSTREAM_QUEUE (lib/config.ts), and of what an
// upstream guard built without configuration gets. Here, below both, so config can read it.

export interface ResilienceSettings {
  /** Attempts per call, the first one included (1 = never retry). */
  maxAttempts: number;
  /** Backoff before retry n is drawn from [d/2, d] with d = min(backoffMaxMs, backoffBaseMs · 2^(n-1)). */
  backoffBaseMs: number;
  backoffMaxMs: number;
  /**
   * Longest Retry-After (429/503) the policy waits for. A longer one is not shortened (that
   * would ignore the upstream's request) and not waited out (the caller would hang): the call
   * fails at once with the error, which carries retryAfterSeconds.
   */
  retryAfterMaxMs: number;
  /** Retry budget: retries in the window may not exceed ratio × calls + minPerWindow. */
  retryBudgetRatio: number;
  /** Retries always allowed per window, so a quiet upstream can still be retried. */
  retryBudgetMinPerWindow: number;
  retryBudgetWindowMs: number;
  /** The breaker opens when more than this share of the calls in the window failed… */
  breakerFailureRate: number;
  /** …and the window holds at least this many calls. */
  breakerMinimumCalls: number;
  breakerWindowMs: number;
  /** Open → one probe call allowed after this long; success closes, failure re-opens. */
  breakerHalfOpenAfterMs: number;
  /** Calls in flight to one upstream at once (per process). */
  bulkheadConcurrency: number;
  /** Calls waiting for a slot; beyond that calls fail fast with UPSTREAM_UNAVAILABLE. */
  bulkheadQueue: number;
}

/**
 * The defaults. The bulkhead's 64 in flight and 2000 waiting are what production has run with
 * (they were DATAEX_UPSTREAM_CONCURRENCY's and DATAEX_UPSTREAM_QUEUE's defaults, which overrode
 * an older 16 and 64 here in every adapter built from configuration).
 */
export const DEFAULT_RESILIENCE_SETTINGS: Readonly<ResilienceSettings> = Object.freeze({
  maxAttempts: 3,
  backoffBaseMs: 100,
  backoffMaxMs: 2_000,
  retryAfterMaxMs: 5_000,
  retryBudgetRatio: 0.2,
  retryBudgetMinPerWindow: 10,
  retryBudgetWindowMs: 10_000,
  breakerFailureRate: 0.5,
  breakerMinimumCalls: 10,
  breakerWindowMs: 10_000,
  breakerHalfOpenAfterMs: 5_000,
  bulkheadConcurrency: 64,
  bulkheadQueue: 2_000,
});
