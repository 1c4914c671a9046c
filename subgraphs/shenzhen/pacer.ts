// Pacing of Shenzhen's signed detail calls: the exchange answers 429 above 5 calls per second
// per app key (counted in fixed one-second windows), so the adapter never sends faster.
//
// A token bucket of `limit` tokens in which each spent token comes back one window after it
// was taken (not dripping back continuously): at most `limit` calls start in any window of
// `windowMs`, so no fixed one-second window of the exchange can see more than its limit. A
// classic bucket with a burst of 5 refilled at 5/s lets 9 calls into one second (5 at once,
// then one every 200 ms) and meets the 429 it is meant to avoid; one of burst 1 is safe but
// makes every fifth call of a burst wait a whole second for nothing. `marginMs` widens the
// window against network jitter (a call sent last in one window must not arrive in the next).
//
// One pacer per app key per process (`PacerRegistry`), shared by every adapter instance using
// that key, like the resilience guard of an upstream; a 429 that still arrives (another process
// on the same key) holds the pacer off for its Retry-After, for every caller.

export interface PacerClock {
  now(): number;
  /** Resolves after `ms` (on this clock). */
  sleep(ms: number): Promise<void>;
}

/** Real time; the timer does not keep the process alive. */
export const SYSTEM_CLOCK: PacerClock = {
  now: () => Date.now(),
  sleep: (ms) =>
    new Promise<void>((resolve) => {
      setTimeout(resolve, ms).unref?.();
    }),
};

export interface PacerOptions {
  /** Calls per second; 0 or Infinity = not paced. A fraction is fine (0.5 = one call per 2 s). */
  callsPerSecond: number;
  /** Added to the window (default 50 ms). */
  marginMs?: number;
  clock?: PacerClock;
}

interface Waiter {
  resolve: () => void;
  reject: (reason: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

export class RatePacer {
  private limit = 1;
  private windowMs = 0;
  private paced = false;
  private readonly marginMs: number;
  readonly clock: PacerClock;
  /** Start times of the last `limit` calls, oldest first. */
  private readonly starts: number[] = [];
  private readonly queue: Waiter[] = [];
  private holdUntil = Number.NEGATIVE_INFINITY;
  private pumping = false;

  constructor(options: PacerOptions) {
    this.marginMs = options.marginMs ?? 50;
    if (!(this.marginMs >= 0)) throw new RangeError(`pacer marginMs must be ≥ 0, got ${options.marginMs}`);
    this.clock = options.clock ?? SYSTEM_CLOCK;
    this.setRate(options.callsPerSecond);
  }

  /** Calls per second (validated: a number ≥ 0; 0 and Infinity switch pacing off). */
  setRate(callsPerSecond: number): void {
    checkRate(callsPerSecond);
    this.paced = callsPerSecond > 0 && Number.isFinite(callsPerSecond);
    // Whole calls per window: 5/s → 5 per 1000 ms; 2.5/s → 2 per 800 ms; 0.5/s → 1 per 2000 ms.
    this.limit = this.paced ? Math.max(1, Math.floor(callsPerSecond)) : 1;
    this.windowMs = this.paced ? (1000 * this.limit) / callsPerSecond : 0;
    this.starts.splice(0, Math.max(0, this.starts.length - this.limit));
    void this.pump();
  }

  /** Resolves when a call may start (and counts it as started); rejects when `signal` aborts first. */
  acquire(signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, signal, onAbort: undefined };
      if (signal) {
        waiter.onAbort = () => {
          const i = this.queue.indexOf(waiter);
          if (i >= 0) this.queue.splice(i, 1);
          reject(signal.reason);
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.queue.push(waiter);
      void this.pump();
    });
  }

  /** No call starts before `ms` from now (the upstream's Retry-After). */
  holdOff(ms: number): void {
    this.holdUntil = Math.max(this.holdUntil, this.clock.now() + Math.max(0, ms));
  }

  /** Calls waiting for their turn. */
  get waiting(): number {
    return this.queue.length;
  }

  /** Milliseconds until the next call may start (0: now). */
  private waitMs(now: number): number {
    const held = this.holdUntil - now;
    let windowWait = 0;
    if (this.paced) {
      while (this.starts.length > 0 && this.starts[0] + this.windowMs + this.marginMs <= now) this.starts.shift();
      if (this.starts.length >= this.limit) windowWait = this.starts[0] + this.windowMs + this.marginMs - now;
    }
    return Math.max(0, held, windowWait);
  }

  /** Lets waiters through in arrival order, sleeping while none may start. One pump at a time. */
  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.queue.length > 0) {
        const now = this.clock.now();
        const wait = this.waitMs(now);
        if (wait > 0) {
          await this.clock.sleep(wait);
          continue;
        }
        const waiter = this.queue.shift()!;
        if (this.paced) this.starts.push(now);
        if (waiter.onAbort) waiter.signal?.removeEventListener('abort', waiter.onAbort);
        waiter.resolve();
      }
    } finally {
      this.pumping = false;
    }
  }
}

interface Shared {
  pacer: RatePacer;
  /** Rate asked for by each live lease; the pacer runs at the slowest. */
  rates: number[];
}

/** Pacers by app key, shared by the adapters of one process; a lease is given back on close. */
export class PacerRegistry {
  private readonly byKey = new Map<string, Shared>();

  /** The pacer of `key`; a new one with `options`, else the existing one (its clock and margin) slowed to the slowest rate asked for. */
  lease(key: string, options: PacerOptions): { pacer: RatePacer; release: () => void } {
    checkRate(options.callsPerSecond);
    let shared = this.byKey.get(key);
    if (!shared) {
      shared = { pacer: new RatePacer(options), rates: [] };
      this.byKey.set(key, shared);
    }
    const s = shared;
    s.rates.push(options.callsPerSecond);
    s.pacer.setRate(slowest(s.rates));
    let released = false;
    return {
      pacer: s.pacer,
      release: () => {
        if (released) return;
        released = true;
        s.rates.splice(s.rates.indexOf(options.callsPerSecond), 1);
        if (s.rates.length === 0) this.byKey.delete(key);
        else s.pacer.setRate(slowest(s.rates));
      },
    };
  }

  /** Keys with live leases (tests). */
  get size(): number {
    return this.byKey.size;
  }
}

function checkRate(callsPerSecond: number): void {
  if (typeof callsPerSecond !== 'number' || Number.isNaN(callsPerSecond) || callsPerSecond < 0) {
    throw new RangeError(`calls per second must be a number ≥ 0, got ${callsPerSecond}`);
  }
}

/** The slowest positive finite rate; 0/Infinity (unpaced) only when every lease asked for it. */
function slowest(rates: readonly number[]): number {
  const paced = rates.filter((r) => r > 0 && Number.isFinite(r));
  return paced.length > 0 ? Math.min(...paced) : rates[0];
}

/** The process-wide pacers of Shenzhen app keys. */
export const shenzhenPacers = new PacerRegistry();
