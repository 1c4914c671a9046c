// Who may go on before anything is executed, on every route that executes operations
// (/graphql, saved-query runs and each page of an `all=true` run):
//
// - the caller's rate limit: a token bucket per principal, anonymous callers per client address
//   (the address behind trusted proxies, IPv6 by /64; `clientKeyOf`);
// - an address that keeps sending unknown or revoked keys is refused (429) before its next key
//   is looked up, so guessing keys costs the guesser, not the key store;
// - refusals write audit lines at a bounded rate per address, so one client cannot drown or
//   evict (the Redis stream is capped) the audit history of others. Refusals past the
//   allowance are still answered, and counted in `suppressedAuditLines`.
//
// All three are off when the whole of DATAEX_RATE_LIMITS is `off`.

import type { IncomingMessage } from 'node:http';
import { HttpError } from '../../lib/http.ts';
import { MemoryRateLimiter, type BucketSpec, type RateLimiter, type TakeResult } from '../../lib/rate-limit.ts';
import type { DataexConfig } from '../../lib/config.ts';
import { ANONYMOUS, type Principal } from '../../lib/principal.ts';
import { ErrorCode } from '../../lib/error-codes.ts';
import { Header } from '../../lib/headers.ts';

/** Unknown keys an address may send: 5 a second, 20 at once. */
export const BAD_KEY_LIMIT: BucketSpec = { ratePerS: 5, burst: 20 };
/** Audit lines of refused requests per address: 10 a second, 50 at once. */
export const REFUSAL_AUDIT_LIMIT: BucketSpec = { ratePerS: 10, burst: 50 };

export interface AdmissionDeps {
  rateLimiter: RateLimiter | undefined;
  rateLimits: DataexConfig['rateLimits'];
  /** The client's address as a rate-limit key (after trusted proxies; IPv6 by /64). */
  clientKeyOf(req: IncomingMessage): string;
}

export class Admission {
  private readonly deps: AdmissionDeps;

  /** Refusal audit lines not written because their address was over its allowance. */
  suppressedAuditLines = 0;
  private readonly enabled: boolean;
  private readonly local = new MemoryRateLimiter();
  /** Addresses refused before their key is looked up, until (epoch ms). */
  private readonly blocked = new Map<string, number>();
  /** Rate-limit keys, made once per signed-in principal. */
  private readonly principalKeys = new WeakMap<Principal, string>();

  constructor(deps: AdmissionDeps) {
    this.deps = deps;
    this.enabled = Object.values(deps.rateLimits).some((l) => l !== null);
  }

  /** The bucket a caller's requests are counted in. */
  rateKey(req: IncomingMessage, principal: Principal): string {
    if (principal === ANONYMOUS) return `anon:${this.deps.clientKeyOf(req)}`;
    let key = this.principalKeys.get(principal);
    if (key === undefined) this.principalKeys.set(principal, (key = `p:${principal.id}`));
    return key;
  }

  /**
   * Takes one token of the caller's bucket: returns at once when the limiter decides in memory
   * (no promise on the hot path), else a promise; refuses with 429 RATE_LIMITED.
   */
  take(req: IncomingMessage, principal: Principal): void | Promise<void> {
    const limit = this.deps.rateLimits[principal.role];
    const limiter = this.deps.rateLimiter;
    if (!limit || !limiter) return;
    const key = this.rateKey(req, principal);
    if (limiter.takeSync) return refuseIfLimited(limit, principal.role, limiter.takeSync(key, limit));
    return limiter.take(key, limit).then((taken) => refuseIfLimited(limit, principal.role, taken));
  }

  /** Refuses (429) a request with a key from an address that sent too many unknown keys. */
  checkNotBlocked(req: IncomingMessage): void {
    if (!this.enabled || this.blocked.size === 0) return;
    const address = this.deps.clientKeyOf(req);
    const until = this.blocked.get(address);
    if (until === undefined) return;
    const waitMs = until - Date.now();
    if (waitMs <= 0) {
      this.blocked.delete(address);
      return;
    }
    throw tooManyBadKeys(Math.ceil(waitMs / 1000));
  }

  /**
   * Counts an unknown or revoked key from this request's address. Every one counts, also past
   * the allowance (the bucket goes into debt): keys sent concurrently are all looked up before the
   * first is known to be bad, so a refusing bucket would let each block's expiry through a whole
   * burst of guesses, as many as the guesser sends at once; in debt, the block lasts as long as
   * that burst was over the allowance, and guesses average 5 a second however they are sent.
   */
  noteBadKey(req: IncomingMessage): void {
    if (!this.enabled) return;
    const address = this.deps.clientKeyOf(req);
    const taken = this.local.debitSync(`badkey:${address}`, BAD_KEY_LIMIT);
    if (taken.allowed) return;
    if (this.blocked.size > 100_000) this.sweep();
    this.blocked.set(address, Date.now() + taken.retryAfterS * 1000);
  }

  /** Whether a refused request's audit line may be written (its address is within its allowance). */
  mayAuditRefusal(req: IncomingMessage): boolean {
    if (!this.enabled) return true;
    if (this.local.takeSync(`audit:${this.deps.clientKeyOf(req)}`, REFUSAL_AUDIT_LIMIT).allowed) return true;
    this.suppressedAuditLines++;
    return false;
  }

  private sweep(): void {
    const now = Date.now();
    for (const [address, until] of this.blocked) if (until <= now) this.blocked.delete(address);
  }
}

function refuseIfLimited(limit: BucketSpec, role: string, taken: TakeResult): void {
  if (taken.allowed) return;
  throw new HttpError(429, ErrorCode.RATE_LIMITED, `rate limit of ${limit.ratePerS}/s (burst ${limit.burst}) for ${role} callers exceeded; retry in ${taken.retryAfterS} s`, {
    [Header.RETRY_AFTER]: String(taken.retryAfterS),
  });
}

function tooManyBadKeys(retryAfterS: number): HttpError {
  return new HttpError(429, ErrorCode.RATE_LIMITED, `too many unknown or revoked API keys from this address; retry in ${retryAfterS} s`, { [Header.RETRY_AFTER]: String(retryAfterS) });
}
