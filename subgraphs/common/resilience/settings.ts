// Settings of the upstream resilience policy, with the defaults every adapter gets.

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
  bulkheadConcurrency: 16,
  bulkheadQueue: 64,
});

/** Injected time and randomness (tests); production uses the real ones. */
export interface ResilienceHooks {
  /** Clock of the retry budget and the breaker's failure window (the cool-down uses Date.now). */
  now?: () => number;
  /** Uniform [0, 1) for backoff jitter. */
  random?: () => number;
  /** Waits `ms`; must reject with `signal.reason` as soon as `signal` aborts. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Told about every breaker transition (logging). */
  onStateChange?: (upstream: string, state: 'closed' | 'open' | 'half-open', detail: string) => void;
}

const INTEGER_MIN: Partial<Record<keyof ResilienceSettings, number>> = {
  maxAttempts: 1,
  backoffBaseMs: 0,
  backoffMaxMs: 0,
  retryAfterMaxMs: 0,
  retryBudgetMinPerWindow: 0,
  retryBudgetWindowMs: 1,
  breakerMinimumCalls: 1,
  breakerWindowMs: 1,
  breakerHalfOpenAfterMs: 0,
  bulkheadConcurrency: 1,
  bulkheadQueue: 0,
};

/** Defaults overlaid with `overrides`; throws RangeError naming the first invalid setting. */
export function resolveResilienceSettings(overrides: Partial<ResilienceSettings> = {}): ResilienceSettings {
  const s: ResilienceSettings = { ...DEFAULT_RESILIENCE_SETTINGS };
  for (const [k, v] of Object.entries(overrides) as Array<[keyof ResilienceSettings, number | undefined]>) if (v !== undefined) s[k] = v;
  for (const [key, min] of Object.entries(INTEGER_MIN) as Array<[keyof ResilienceSettings, number]>) {
    const v = s[key];
    // Infinity is allowed where it means "no limit" (e.g. breakerMinimumCalls to disable the breaker).
    if (!(v >= min) || (Number.isFinite(v) && !Number.isInteger(v))) throw new RangeError(`resilience setting ${key} must be an integer ≥ ${min}, got ${v}`);
  }
  if (!(s.retryBudgetRatio >= 0)) throw new RangeError(`resilience setting retryBudgetRatio must be ≥ 0, got ${s.retryBudgetRatio}`);
  if (!(s.breakerFailureRate > 0 && s.breakerFailureRate < 1)) {
    throw new RangeError(`resilience setting breakerFailureRate must be between 0 and 1 (exclusive), got ${s.breakerFailureRate}`);
  }
  if (s.backoffMaxMs < s.backoffBaseMs) throw new RangeError(`resilience setting backoffMaxMs (${s.backoffMaxMs}) must be ≥ backoffBaseMs (${s.backoffBaseMs})`);
  return s;
}
