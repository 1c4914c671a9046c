// Token-bucket rate limiting per caller. In memory per process, or in Redis (one atomic Lua
// script per request) so that a limit holds across every gateway instance. If Redis fails,
// the limiter falls back to its in-memory buckets: limits then hold per instance.

import { RedisGuard, type RedisClient } from './redis.ts';

export interface BucketSpec {
  ratePerS: number;
  burst: number;
}

export interface TakeResult {
  allowed: boolean;
  /** Tokens left after this request (rounded down). */
  remaining: number;
  /** When refused: seconds until a token is available. */
  retryAfterS: number;
}

export interface RateLimiter {
  take(key: string, spec: BucketSpec): Promise<TakeResult>;
  /** Limiters that decide in process memory answer at once (no promise on the hot path). */
  takeSync?(key: string, spec: BucketSpec): TakeResult;
}

interface Bucket {
  tokens: number;
  at: number;
}

function refill(bucket: Bucket, spec: BucketSpec, now: number): void {
  bucket.tokens = Math.min(spec.burst, bucket.tokens + ((now - bucket.at) / 1000) * spec.ratePerS);
  bucket.at = now;
}

export class MemoryRateLimiter implements RateLimiter {
  private readonly now: () => number;

  private readonly buckets = new Map<string, Bucket>();

  constructor(now: () => number = Date.now) {
    this.now = now;
  }

  takeSync(key: string, spec: BucketSpec): TakeResult {
    const bucket = this.refilled(key, spec);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true, remaining: Math.floor(bucket.tokens), retryAfterS: 0 };
    }
    return { allowed: false, remaining: 0, retryAfterS: Math.max(1, Math.ceil((1 - bucket.tokens) / spec.ratePerS)) };
  }

  async take(key: string, spec: BucketSpec): Promise<TakeResult> {
    return this.takeSync(key, spec);
  }

  /**
   * Takes a token whether or not there is one: the bucket goes into debt (down to `maxDebtS`
   * seconds of refill), and `retryAfterS` says when it is out of it. For counting what has
   * already happened (an unknown key already looked up): a burst of N at once then costs as long
   * a wait as N one after the other, where a refusing bucket would count only its burst.
   */
  debitSync(key: string, spec: BucketSpec, maxDebtS = 600): TakeResult {
    const bucket = this.refilled(key, spec);
    const allowed = bucket.tokens >= 1;
    bucket.tokens = Math.max(-maxDebtS * spec.ratePerS, bucket.tokens - 1);
    if (allowed) return { allowed, remaining: Math.floor(bucket.tokens), retryAfterS: 0 };
    return { allowed, remaining: 0, retryAfterS: Math.max(1, Math.ceil((1 - bucket.tokens) / spec.ratePerS)) };
  }

  /** The key's bucket (a full one when new), refilled up to now. */
  private refilled(key: string, spec: BucketSpec): Bucket {
    const now = this.now();
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = { tokens: spec.burst, at: now };
      this.buckets.set(key, bucket);
      if (this.buckets.size > 100_000) this.sweep(spec, now);
    }
    refill(bucket, spec, now);
    return bucket;
  }

  /** Full buckets carry no information: drop them so many one-off callers cannot grow the map. */
  private sweep(spec: BucketSpec, now: number): void {
    for (const [key, bucket] of this.buckets) {
      refill(bucket, spec, now);
      if (bucket.tokens >= spec.burst) this.buckets.delete(key);
    }
  }
}

// KEYS[1] bucket (one key, so one slot on a Redis Cluster); ARGV rate, burst. Returns {allowed, tokens*1000, retryAfterMs}. Time is
// Redis' own, so gateway instances with skewed clocks still agree on refills.
const TAKE_SCRIPT = `
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 't', 'at')
local tokens = tonumber(state[1]) or burst
local at = tonumber(state[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) / 1000 * rate)
local allowed = 0
local retry = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
  retry = math.ceil((1 - tokens) / rate * 1000)
end
redis.call('HSET', KEYS[1], 't', tokens, 'at', now)
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
return {allowed, math.floor(tokens * 1000), retry}
`;

/** The script `defineCommand` adds to the client: [allowed 0|1, tokens left ×1000, ms until a token]. */
interface TakeTokenCommand {
  dataexTakeToken(key: string, ratePerS: number, burst: number): Promise<[number, number, number]>;
}

export class RedisRateLimiter implements RateLimiter {
  private readonly redis: RedisClient;
  private readonly namespace: string;

  private readonly fallback = new MemoryRateLimiter();
  private readonly guard: RedisGuard;

  constructor(
    redis: RedisClient,
    namespace = 'rl:',
    /** A bucket not answered within this long (e.g. its cluster master failing over) falls back. */
    deadlineMs = 500,
  ) {
    this.redis = redis;
    this.namespace = namespace;
    redis.defineCommand('dataexTakeToken', { numberOfKeys: 1, lua: TAKE_SCRIPT });
    // A Redis that keeps failing is skipped for a second: a hung Redis costs a few requests
    // the deadline, not every request.
    this.guard = new RedisGuard(redis, { deadlineMs });
  }

  async take(key: string, spec: BucketSpec): Promise<TakeResult> {
    if (!this.guard.available) return this.fallback.take(key, spec);
    try {
      const [allowed, tokensMilli, retryMs] = (await this.guard.run(() => (this.redis as unknown as TakeTokenCommand).dataexTakeToken(this.namespace + key, spec.ratePerS, spec.burst))) as [
        number,
        number,
        number,
      ];
      return { allowed: allowed === 1, remaining: Math.floor(tokensMilli / 1000), retryAfterS: allowed === 1 ? 0 : Math.max(1, Math.ceil(retryMs / 1000)) };
    } catch {
      return this.fallback.take(key, spec);
    }
  }
}
