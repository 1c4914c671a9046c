// Settings of the upstream resilience policy: the defaults every adapter gets (in lib/, where
// lib/config.ts takes the defaults of its variables from them too), hooks, and validation.

import { DEFAULT_RESILIENCE_SETTINGS, type ResilienceSettings } from '../../../lib/resilience-settings.ts';

export { DEFAULT_RESILIENCE_SETTINGS, type ResilienceSettings };

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
