// gateway/request/admission.ts alone, on a controlled clock: rate limits per caller, the unknown-key
// allowance per address (a concurrent burst of guesses included), the bound on refusal audit lines.

import type { IncomingMessage } from 'node:http';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Admission, BAD_KEY_LIMIT, REFUSAL_AUDIT_LIMIT } from '../../../gateway/request/admission.ts';
import { HttpError } from '../../../lib/http.ts';
import { MemoryRateLimiter } from '../../../lib/rate-limit.ts';
import { ANONYMOUS, DEFAULT_CLEARANCE, type Principal } from '../../../lib/principal.ts';

const from = (address: string) => ({ headers: {}, socket: { remoteAddress: address } }) as unknown as IncomingMessage;
const analyst: Principal = { id: 'ana', role: 'analyst', ...DEFAULT_CLEARANCE.analyst };

function admission(): Admission {
  return new Admission({
    rateLimiter: new MemoryRateLimiter(),
    rateLimits: { public: { ratePerS: 1, burst: 3 }, analyst: { ratePerS: 10, burst: 5 }, admin: null },
    clientKeyOf: (req) => req.socket.remoteAddress ?? '?',
  });
}

/** The 429 a call throws, or undefined when it lets the request on. */
function refusal(call: () => unknown): HttpError | undefined {
  try {
    call();
    return undefined;
  } catch (e) {
    if (e instanceof HttpError) return e;
    throw e;
  }
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date('2026-12-03T00:00:00Z'));
});
afterEach(() => vi.useRealTimers());

describe('Admission', () => {
  it('limits anonymous callers per address and signed-in callers per principal', () => {
    const a = admission();
    for (let i = 0; i < 3; i++) expect(refusal(() => a.take(from('10.0.0.1'), ANONYMOUS))).toBeUndefined();
    const refused = refusal(() => a.take(from('10.0.0.1'), ANONYMOUS));
    expect(refused).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
    expect(refused!.headers['retry-after']).toBe('1');
    // Another address has its own bucket; the same principal from two addresses shares one.
    expect(refusal(() => a.take(from('10.0.0.2'), ANONYMOUS))).toBeUndefined();
    for (let i = 0; i < 5; i++) expect(refusal(() => a.take(from(i % 2 ? '10.0.0.3' : '10.0.0.4'), analyst))).toBeUndefined();
    expect(refusal(() => a.take(from('10.0.0.5'), analyst))).toMatchObject({ status: 429 });
    vi.advanceTimersByTime(1000);
    expect(refusal(() => a.take(from('10.0.0.1'), ANONYMOUS))).toBeUndefined();
  });

  it(`refuses an address after ${BAD_KEY_LIMIT.burst} unknown keys, then lets ${BAD_KEY_LIMIT.ratePerS} a second through`, () => {
    const a = admission();
    const guesser = from('10.1.1.1');
    for (let i = 0; i < BAD_KEY_LIMIT.burst; i++) {
      expect(refusal(() => a.checkNotBlocked(guesser))).toBeUndefined();
      a.noteBadKey(guesser);
    }
    expect(refusal(() => a.checkNotBlocked(guesser))).toBeUndefined();
    a.noteBadKey(guesser); // one over: blocked
    expect(refusal(() => a.checkNotBlocked(guesser))).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
    expect(refusal(() => a.checkNotBlocked(from('10.1.1.2')))).toBeUndefined();
    vi.advanceTimersByTime(1000);
    expect(refusal(() => a.checkNotBlocked(guesser))).toBeUndefined();
  });

  it('makes a burst of concurrent guesses cost as long as the same guesses one by one', () => {
    // 100 keys sent at once are all looked up before the first is known to be bad: all 100 pass
    // the check, and all 100 are noted afterwards.
    const a = admission();
    const guesser = from('10.2.2.2');
    for (let i = 0; i < 100; i++) expect(refusal(() => a.checkNotBlocked(guesser))).toBeUndefined();
    for (let i = 0; i < 100; i++) a.noteBadKey(guesser);
    // 80 over the burst of 20, at 5 a second: blocked for 16 s and more, not for one second.
    const blocked = refusal(() => a.checkNotBlocked(guesser));
    expect(blocked).toMatchObject({ status: 429 });
    expect(Number(blocked!.headers['retry-after'])).toBeGreaterThanOrEqual(16);
    vi.advanceTimersByTime(15_000);
    expect(refusal(() => a.checkNotBlocked(guesser))).toMatchObject({ status: 429 });
    vi.advanceTimersByTime(2_500);
    expect(refusal(() => a.checkNotBlocked(guesser))).toBeUndefined();
  });

  it(`writes at most ${REFUSAL_AUDIT_LIMIT.burst} refusal audit lines at once per address, and counts the rest`, () => {
    const a = admission();
    const noisy = from('10.3.3.3');
    const written = Array.from({ length: 80 }, () => a.mayAuditRefusal(noisy)).filter(Boolean).length;
    expect(written).toBe(REFUSAL_AUDIT_LIMIT.burst);
    expect(a.suppressedAuditLines).toBe(80 - REFUSAL_AUDIT_LIMIT.burst);
    expect(a.mayAuditRefusal(from('10.3.3.4'))).toBe(true);
    vi.advanceTimersByTime(1000);
    expect(Array.from({ length: 20 }, () => a.mayAuditRefusal(noisy)).filter(Boolean).length).toBe(REFUSAL_AUDIT_LIMIT.ratePerS);
  });

  it('does nothing when every rate limit is off', () => {
    const a = new Admission({ rateLimiter: undefined, rateLimits: { public: null, analyst: null, admin: null }, clientKeyOf: () => 'x' });
    for (let i = 0; i < 100; i++) a.noteBadKey(from('10.4.4.4'));
    expect(refusal(() => a.checkNotBlocked(from('10.4.4.4')))).toBeUndefined();
    expect(a.mayAuditRefusal(from('10.4.4.4'))).toBe(true);
  });
});
