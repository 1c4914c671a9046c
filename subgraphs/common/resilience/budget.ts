// Retry budget and backoff: what keeps retries from multiplying load on an upstream that is
// already struggling. A retry is allowed only while retries in the sliding window stay within
// ratio × calls (+ a small floor), so a sustained outage costs at most ~(1 + ratio) × the calls
// instead of maxAttempts × the calls.

import { SlidingWindowCounter } from './window.ts';

export class RetryBudget {
  private readonly ratio: number;
  private readonly minPerWindow: number;

  private readonly window: SlidingWindowCounter<'calls' | 'retries'>;

  constructor(ratio: number, minPerWindow: number, windowMs: number, now: () => number = Date.now) {
    this.ratio = ratio;
    this.minPerWindow = minPerWindow;
    this.window = new SlidingWindowCounter(['calls', 'retries'], windowMs, now);
  }

  /** A new logical call (its first attempt). */
  recordCall(): void {
    this.window.add('calls');
  }

  /** Takes one retry from the budget; false when it is spent. */
  tryAcquire(): boolean {
    const t = this.window.totals();
    if (t.retries + 1 > this.minPerWindow + this.ratio * t.calls) return false;
    this.window.add('retries');
    return true;
  }

  totals(): { calls: number; retries: number } {
    return this.window.totals();
  }
}

/**
 * Delay before retry `retry` (1 = the first retry): exponential, capped, with "equal jitter"
 * (half fixed, half random) so that callers failing together do not retry together, while the
 * wait still grows with every attempt.
 */
export function backoffDelay(retry: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, retry - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/** Waits `ms`, rejecting with the signal's reason the moment it aborts. */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Settles like `promise`, or rejects with the signal's reason as soon as it aborts. */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
