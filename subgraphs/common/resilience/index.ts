// Upstream resilience: retry with backoff and budget, circuit breaker, bulkhead (see guard.ts),
// and the in-process registry of breaker states (see registry.ts).

export { DEFAULT_RESILIENCE_SETTINGS, resolveResilienceSettings, type ResilienceHooks, type ResilienceSettings } from './settings.ts';
export { RetryBudget, abortableSleep, backoffDelay, raceAbort } from './budget.ts';
export {
  BulkheadFullError,
  CircuitOpenError,
  LocalRejection,
  UpstreamGuard,
  isBreakerFailure,
  type BreakerState,
  type GuardCounters,
  type UpstreamHealth,
} from './guard.ts';
export { ResilienceRegistry, breakerState, upstreamHealth, type GuardLease } from './registry.ts';
export { SlidingWindowCounter } from './window.ts';
