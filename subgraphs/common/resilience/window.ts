// A sliding-window counter in time buckets: the last `windowMs` of events, aged out bucket by
// bucket. Shared by the retry budget (calls vs retries) and the circuit breaker (successes vs
// failures). The clock is injected so tests can move time without waiting.

export class SlidingWindowCounter<K extends string> {
  private readonly kinds: readonly K[];
  readonly windowMs: number;
  private readonly now: () => number;

  private readonly bucketMs: number;
  private readonly slots: Array<{ epoch: number; counts: Record<K, number> }>;

  constructor(kinds: readonly K[], windowMs: number, now: () => number = Date.now, buckets = 10) {
    this.kinds = kinds;
    this.windowMs = windowMs;
    this.now = now;
    if (!(windowMs > 0)) throw new RangeError(`window must be > 0 ms, got ${windowMs}`);
    this.bucketMs = Math.max(1, Math.ceil(windowMs / buckets));
    this.slots = Array.from({ length: buckets }, () => ({ epoch: -1, counts: this.zero() }));
  }

  add(kind: K, n = 1): void {
    const epoch = Math.floor(this.now() / this.bucketMs);
    const slot = this.slots[epoch % this.slots.length];
    if (slot.epoch !== epoch) {
      slot.epoch = epoch;
      slot.counts = this.zero();
    }
    slot.counts[kind] += n;
  }

  /** Counts over the window (the current, partly filled bucket included). */
  totals(): Record<K, number> {
    const current = Math.floor(this.now() / this.bucketMs);
    const out = this.zero();
    for (const slot of this.slots) {
      if (slot.epoch < 0 || current - slot.epoch >= this.slots.length) continue;
      for (const k of this.kinds) out[k] += slot.counts[k];
    }
    return out;
  }

  reset(): void {
    for (const slot of this.slots) {
      slot.epoch = -1;
      slot.counts = this.zero();
    }
  }

  private zero(): Record<K, number> {
    return Object.fromEntries(this.kinds.map((k) => [k, 0])) as Record<K, number>;
  }
}
