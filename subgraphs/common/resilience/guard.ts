// The resilience policy of one upstream: retries with backoff and a retry budget, a circuit
// breaker and a bulkhead, as an UpstreamPolicy any UpstreamClient can take.
//
// Layers, outermost first (for each logical call):
//   retry      idempotent calls only; on UPSTREAM_UNAVAILABLE; ≤ maxAttempts; backoff with jitter
//              or the upstream's Retry-After (≤ retryAfterMaxMs); only while the budget allows
//   bulkhead   ≤ bulkheadConcurrency attempts in flight, ≤ bulkheadQueue waiting, else fail fast
//   breaker    counts every attempt; open → fail fast; after the cool-down one probe; success closes
//   next       the raw HTTP call (UpstreamClient.rawCall)
// The caller's AbortSignal ends the call at once, whichever layer it is waiting in.
//
// What counts as a breaker failure: UPSTREAM_UNAVAILABLE only (refused/reset connection,
// timeout, HTTP 5xx, 429). UPSTREAM_ERROR does not: it means the upstream answered, and a bad
// payload or an error envelope is found by the adapter's mapping, above this policy, anyway.
// An upstream that answers quickly with junk does not tie up our sockets or time, and letting
// one malformed listing (or a rejected signature, a configuration error) cut off every healthy
// call would do more harm than good. HTTP answers the client returns (2xx, 4xx) are successes.
// A probe call that the caller aborts re-opens the breaker: nothing was learned.
//
// Library: cockatiel (circuit breaker state machine, bulkhead). The retry loop is our own:
// cockatiel's retry neither has a budget nor stops its backoff sleep when the signal aborts.

import { CircuitState, bulkhead, circuitBreaker, handleWhen, isBrokenCircuitError, isBulkheadRejectedError, type BulkheadPolicy, type CircuitBreakerPolicy, type IBreaker } from 'cockatiel';
import { UpstreamError } from '../errors.ts';
import type { UpstreamCall, UpstreamPolicy, UpstreamRequest, UpstreamResponse } from '../upstream.ts';
import { RetryBudget, abortableSleep, backoffDelay, raceAbort } from './budget.ts';
import { resolveResilienceSettings, type ResilienceHooks, type ResilienceSettings } from './settings.ts';
import { SlidingWindowCounter } from './window.ts';
import { ErrorCode } from '../../../lib/error-codes.ts';

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface GuardCounters {
  /** Logical calls through the policy. */
  calls: number;
  /** Requests actually sent upstream (first attempts and retries). */
  attempts: number;
  /** Attempts that got an HTTP answer the client returns (2xx-4xx except 429). */
  successes: number;
  /** Attempts that failed with UPSTREAM_UNAVAILABLE (what the breaker counts). */
  failures: number;
  /** Attempts that failed otherwise (UPSTREAM_ERROR, caller aborted). */
  errors: number;
  retries: number;
  /** Retries the budget refused. */
  retriesDenied: number;
  /** Calls failed fast by an open (or probing) breaker. */
  shortCircuited: number;
  /** Calls failed fast by a full bulkhead. */
  rejected: number;
  /** Times the breaker opened. */
  opened: number;
}

/** What readiness endpoints and the catalog read about an upstream. */
export interface UpstreamHealth {
  upstream: string;
  breaker: BreakerState;
  /** ISO-8601 (+08:00) when the breaker last opened; null while closed. */
  openedAt: string | null;
  /** ISO-8601 (+08:00) from when a probe call is let through; null while closed. */
  nextProbeAt: string | null;
  /** Why it opened, e.g. "12 of 14 calls failed in the last 10 s". */
  openReason: string | null;
  /** The breaker's sliding window. */
  window: { calls: number; failures: number; failureRate: number };
  /** The retry budget's sliding window. */
  budget: { calls: number; retries: number };
  inFlight: number;
  queued: number;
  counters: GuardCounters;
}

/** Failed fast by this process (open breaker, full bulkhead): never retried, never counted by the breaker. */
export class LocalRejection extends UpstreamError {}

export class CircuitOpenError extends LocalRejection {
  /** Epoch ms from when a probe is let through; null while a probe is in flight. */
  readonly nextProbeAt: number | null;
  constructor(upstream: string, message: string, nextProbeAt: number | null, retryAfterSeconds: number | undefined) {
    super(ErrorCode.UPSTREAM_UNAVAILABLE, upstream, message, { retryAfterSeconds });
    this.nextProbeAt = nextProbeAt;
    this.name = 'CircuitOpenError';
  }
}

export class BulkheadFullError extends LocalRejection {
  constructor(upstream: string, message: string) {
    super(ErrorCode.UPSTREAM_UNAVAILABLE, upstream, message);
    this.name = 'BulkheadFullError';
  }
}

/** Carries the error of a probe the caller aborted through the breaker as a failure. */
class AbortedProbe extends Error {
  readonly original: unknown;
  constructor(original: unknown) {
    super('probe aborted by the caller');
    this.original = original;
  }
}

/** Breaker failure predicate: only "could not get an answer" counts. */
export function isBreakerFailure(e: unknown): boolean {
  return e instanceof AbortedProbe || (e instanceof UpstreamError && e.code === ErrorCode.UPSTREAM_UNAVAILABLE && !(e instanceof LocalRejection));
}

/** Failure rate over a time window, with a minimum number of calls (a cockatiel IBreaker). */
class FailureRateBreaker implements IBreaker {
  private readonly threshold: number;
  private readonly minimumCalls: number;

  readonly window: SlidingWindowCounter<'successes' | 'failures'>;

  constructor(threshold: number, minimumCalls: number, windowMs: number, now: () => number) {
    this.threshold = threshold;
    this.minimumCalls = minimumCalls;
    this.window = new SlidingWindowCounter(['successes', 'failures'], windowMs, now);
  }

  // Serialisation (CircuitBreakerPolicy.toJSON) is not used: state lives in this process.
  get state(): unknown {
    return this.window.totals();
  }

  set state(_value: unknown) {}

  success(state: CircuitState): void {
    // A successful probe closes the circuit with a clean slate.
    if (state === CircuitState.HalfOpen) this.window.reset();
    this.window.add('successes');
  }

  failure(state: CircuitState): boolean {
    this.window.add('failures');
    if (state !== CircuitState.Closed) return true; // a failed probe re-opens
    const { successes, failures } = this.window.totals();
    const calls = successes + failures;
    return calls >= this.minimumCalls && failures >= this.threshold * calls;
  }

  totals(): { calls: number; failures: number } {
    const { successes, failures } = this.window.totals();
    return { calls: successes + failures, failures };
  }
}

const CHINA_OFFSET_MS = 8 * 3600 * 1000;
function chinaIso(ms: number): string {
  return `${new Date(ms + CHINA_OFFSET_MS).toISOString().slice(0, 19)}+08:00`;
}

export class UpstreamGuard {
  readonly upstream: string;
  readonly settings: Readonly<ResilienceSettings>;
  /** The UpstreamPolicy to give an UpstreamClient (its `upstream` argument is ignored: the guard is per upstream). */
  readonly policy: UpstreamPolicy;

  private readonly breaker: CircuitBreakerPolicy;
  private readonly failureRate: FailureRateBreaker;
  private readonly bulkhead: BulkheadPolicy;
  private readonly budget: RetryBudget;
  private readonly random: () => number;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private openedAt: number | null = null;
  private openReason: string | null = null;
  private inFlight = 0;
  private queued = 0;
  private readonly counters: GuardCounters = {
    calls: 0,
    attempts: 0,
    successes: 0,
    failures: 0,
    errors: 0,
    retries: 0,
    retriesDenied: 0,
    shortCircuited: 0,
    rejected: 0,
    opened: 0,
  };

  constructor(upstream: string, settings: Partial<ResilienceSettings> = {}, hooks: ResilienceHooks = {}) {
    this.upstream = upstream;
    const s = resolveResilienceSettings(settings);
    this.settings = Object.freeze(s);
    const now = hooks.now ?? Date.now;
    this.random = hooks.random ?? Math.random;
    this.sleep = hooks.sleep ?? abortableSleep;
    this.budget = new RetryBudget(s.retryBudgetRatio, s.retryBudgetMinPerWindow, s.retryBudgetWindowMs, now);
    this.failureRate = new FailureRateBreaker(s.breakerFailureRate, s.breakerMinimumCalls, s.breakerWindowMs, now);
    this.breaker = circuitBreaker(handleWhen(isBreakerFailure), { halfOpenAfter: s.breakerHalfOpenAfterMs, breaker: this.failureRate });
    this.bulkhead = bulkhead(s.bulkheadConcurrency, s.bulkheadQueue);

    const tell = (state: BreakerState, detail: string) => hooks.onStateChange?.(upstream, state, detail);
    this.breaker.onBreak((reason) => {
      const wasProbe = this.openedAt !== null;
      // The cool-down runs on cockatiel's clock, Date.now.
      this.openedAt = Date.now();
      this.counters.opened++;
      const cause = 'error' in reason ? describe(reason.error) : 'isolated';
      if (wasProbe) {
        this.openReason = `probe failed: ${cause}`;
      } else {
        const { calls, failures } = this.failureRate.totals();
        this.openReason = `${failures} of ${calls} calls failed in the last ${seconds(s.breakerWindowMs)} s; last: ${cause}`;
      }
      tell('open', `${this.openReason}; next probe at ${chinaIso(this.openedAt + s.breakerHalfOpenAfterMs)}`);
    });
    this.breaker.onHalfOpen(() => tell('half-open', 'probing'));
    this.breaker.onReset(() => {
      this.openedAt = null;
      this.openReason = null;
      tell('closed', 'probe succeeded');
    });

    this.policy = (req, next) => this.execute(req, next);
  }

  get breakerState(): BreakerState {
    switch (this.breaker.state) {
      case CircuitState.Closed:
        return 'closed';
      case CircuitState.HalfOpen:
        return 'half-open';
      default:
        return 'open';
    }
  }

  health(): UpstreamHealth {
    const window = this.failureRate.totals();
    const nextProbe = this.openedAt === null ? null : this.openedAt + this.settings.breakerHalfOpenAfterMs;
    return {
      upstream: this.upstream,
      breaker: this.breakerState,
      openedAt: this.openedAt === null ? null : chinaIso(this.openedAt),
      nextProbeAt: nextProbe === null ? null : chinaIso(nextProbe),
      openReason: this.openReason,
      window: { ...window, failureRate: window.calls === 0 ? 0 : Math.round((window.failures / window.calls) * 1000) / 1000 },
      budget: this.budget.totals(),
      inFlight: this.inFlight,
      queued: this.queued,
      counters: { ...this.counters },
    };
  }

  /** One logical call: the retry loop around attempts. */
  async execute(req: UpstreamRequest, next: UpstreamCall): Promise<UpstreamResponse> {
    const signal = req.signal;
    signal?.throwIfAborted();
    this.counters.calls++;
    this.budget.recordCall();
    const retryable = (req.idempotent ?? req.method === 'GET') && this.settings.maxAttempts > 1;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.attempt(req, next);
      } catch (err) {
        // The caller gave up: no further attempt, its reason unchanged.
        if (signal?.aborted) throw signal.reason;
        if (!retryable) throw err;
        const wait = this.retryWait(err, attempt);
        if (wait === null) throw err;
        this.counters.retries++;
        await this.sleep(wait, signal);
      }
    }
  }

  /** Milliseconds to wait before the next attempt, or null when the error must not be retried. */
  private retryWait(err: unknown, attempt: number): number | null {
    if (!(err instanceof UpstreamError) || err.code !== ErrorCode.UPSTREAM_UNAVAILABLE || err instanceof LocalRejection) return null;
    if (attempt >= this.settings.maxAttempts) return null;
    let wait = backoffDelay(attempt, this.settings.backoffBaseMs, this.settings.backoffMaxMs, this.random);
    if (err.retryAfterSeconds !== undefined) {
      const asked = err.retryAfterSeconds * 1000;
      if (asked > this.settings.retryAfterMaxMs) return null;
      wait = Math.max(wait, asked);
    }
    // The breaker is open (this failure may have opened it) and will not probe before the
    // retry would run: retrying could only end in a fast failure.
    if (this.openedAt !== null && this.breaker.state === CircuitState.Open && Date.now() + wait < this.openedAt + this.settings.breakerHalfOpenAfterMs) return null;
    if (!this.budget.tryAcquire()) {
      this.counters.retriesDenied++;
      return null;
    }
    return wait;
  }

  /** One attempt through the bulkhead and the breaker. */
  private attempt(req: UpstreamRequest, next: UpstreamCall): Promise<UpstreamResponse> {
    let started = false;
    this.queued++;
    const run = this.bulkhead
      .execute(() => {
        started = true;
        this.queued--;
        this.inFlight++;
        return this.throughBreaker(req, next).finally(() => this.inFlight--);
      }, req.signal)
      .catch((e: unknown) => {
        if (!started) this.queued--;
        if (isBulkheadRejectedError(e)) {
          this.counters.rejected++;
          const s = this.settings;
          throw new BulkheadFullError(this.upstream, `${this.label(req)}: too many concurrent calls (${s.bulkheadConcurrency} in flight, ${s.bulkheadQueue} waiting); failing fast`);
        }
        throw e;
      });
    // A queued attempt does not notice an abort until a slot frees up; the caller must not wait.
    return raceAbort(run, req.signal);
  }

  private async throughBreaker(req: UpstreamRequest, next: UpstreamCall): Promise<UpstreamResponse> {
    // cockatiel queues callers behind a half-open probe; we fail them fast instead.
    if (this.breaker.state === CircuitState.HalfOpen) throw this.circuitOpen(req);
    try {
      return await this.breaker.execute(async () => {
        this.counters.attempts++;
        try {
          const res = await next(req);
          this.counters.successes++;
          return res;
        } catch (e) {
          if (isBreakerFailure(e)) this.counters.failures++;
          else this.counters.errors++;
          if (req.signal?.aborted && this.breaker.state === CircuitState.HalfOpen) throw new AbortedProbe(e);
          throw e;
        }
      });
    } catch (e) {
      if (isBrokenCircuitError(e)) throw this.circuitOpen(req);
      if (e instanceof AbortedProbe) throw e.original;
      throw e;
    }
  }

  private circuitOpen(req: UpstreamRequest): CircuitOpenError {
    this.counters.shortCircuited++;
    const label = this.label(req);
    if (this.breaker.state === CircuitState.HalfOpen || this.openedAt === null) {
      return new CircuitOpenError(this.upstream, `${label}: circuit half-open, a probe call is in flight; failing fast until it succeeds`, null, 1);
    }
    const at = this.openedAt + this.settings.breakerHalfOpenAfterMs;
    const inMs = Math.max(0, at - Date.now());
    const why = this.openReason ? ` (${this.openReason})` : '';
    return new CircuitOpenError(this.upstream, `${label}: circuit open${why}; failing fast, next probe at ${chinaIso(at)} (in ${seconds(inMs)} s)`, at, Math.max(1, Math.ceil(inMs / 1000)));
  }

  private label(req: UpstreamRequest): string {
    return `${this.upstream} ${req.method} ${req.path}`;
  }
}

function seconds(ms: number): string {
  return String(Math.round(ms / 100) / 10);
}

function describe(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.length > 160 ? `${msg.slice(0, 160)}…` : msg;
}
