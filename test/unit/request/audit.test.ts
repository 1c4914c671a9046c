// gateway/request/audit.ts: one writer of audit lines for every route that runs operations.
// Refusals name the caller of the key sent (looked up when not yet known), count unknown keys
// against their address, and are bounded per address; a key store outage is not a bad key.

import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { createRequestAudit } from '../../../gateway/request/audit.ts';
import { Admission, REFUSAL_AUDIT_LIMIT } from '../../../gateway/request/admission.ts';
import type { AuditEntry, AuditLog } from '../../../gateway/audit/log.ts';
import { HttpError } from '../../../lib/http.ts';
import { MemoryRateLimiter } from '../../../lib/rate-limit.ts';
import { ANONYMOUS, DEFAULT_CLEARANCE, type Principal } from '../../../lib/principal.ts';

const ana: Principal = { id: 'ana', role: 'analyst', ...DEFAULT_CLEARANCE.analyst };
const from = (address: string, headers: Record<string, string> = {}) => ({ headers, socket: { remoteAddress: address } }) as unknown as IncomingMessage;

function setup(lookUp: (req: IncomingMessage) => Promise<Principal>) {
  const entries: AuditEntry[] = [];
  const log = { record: (e: AuditEntry) => entries.push(e), recordLine: (l: string) => entries.push(JSON.parse(l)) } as unknown as AuditLog;
  const admission = new Admission({
    rateLimiter: new MemoryRateLimiter(),
    rateLimits: { public: { ratePerS: 10, burst: 10 }, analyst: null, admin: null },
    clientKeyOf: (req) => req.socket.remoteAddress ?? '?',
  });
  const bad: string[] = [];
  const noteBadKey = admission.noteBadKey.bind(admission);
  admission.noteBadKey = (req) => {
    bad.push(req.socket.remoteAddress!);
    noteBadKey(req);
  };
  return { entries, bad, audit: createRequestAudit({ log, admission, principalOf: lookUp }) };
}

const settled = () => new Promise((r) => setImmediate(r));

describe('the request audit', () => {
  it('writes an answered request as one entry in AuditEntry order, with the duration', () => {
    const { entries, audit } = setup(async () => ANONYMOUS);
    audit.answered(
      from('1.1.1.1'),
      ana,
      performance.now() - 5,
      { time: 't', operationName: 'Q', queryHash: 'h', variables: { a: 1 }, datasets: ['beijing:1'], outcome: 'ok', errorCodes: [], status: 200, cache: 'MISS', savedQuery: 'weekly' },
      true,
    );
    expect(Object.keys(entries[0])).toEqual([
      'time',
      'principal',
      'role',
      'operationName',
      'queryHash',
      'variables',
      'datasets',
      'outcome',
      'errorCodes',
      'status',
      'durationMs',
      'cache',
      'savedQuery',
    ]);
    expect(entries[0]).toMatchObject({ principal: 'ana', role: 'analyst', savedQuery: 'weekly' });
    expect(entries[0].durationMs).toBeGreaterThanOrEqual(4);
  });

  it('names the caller of a valid key sent with a refused request, looking it up', async () => {
    const { entries, bad, audit } = setup(async () => ana);
    audit.refused(from('1.1.1.1', { 'x-api-key': 'k' }), undefined, performance.now(), 't', { status: 404, code: 'NOT_FOUND', savedQuery: 'gone' });
    await settled();
    expect(entries).toEqual([expect.objectContaining({ principal: 'ana', outcome: 'refused', errorCodes: ['NOT_FOUND'], status: 404, savedQuery: 'gone' })]);
    expect(bad).toEqual([]);
  });

  it('names an unknown key `unknown` and counts it against its address, once', async () => {
    const { entries, bad, audit } = setup(() => Promise.reject(new HttpError(401, 'UNAUTHENTICATED', 'unknown')));
    audit.refused(from('2.2.2.2', { 'x-api-key': 'guess' }), undefined, performance.now(), 't', { status: 401, code: 'UNAUTHENTICATED' });
    audit.refused(from('2.2.2.3', { 'x-api-key': 'guess' }), undefined, performance.now(), 't', { status: 404, code: 'NOT_FOUND' });
    await settled();
    expect(entries.map((e) => e.principal)).toEqual(['unknown', 'unknown']);
    expect(bad).toEqual(['2.2.2.2', '2.2.2.3']);
  });

  it('does not count a key as bad when the key store could not answer', async () => {
    const { entries, bad, audit } = setup(() => Promise.reject(new HttpError(503, 'SERVICE_UNAVAILABLE', 'down')));
    audit.refused(from('3.3.3.3', { 'x-api-key': 'k' }), undefined, performance.now(), 't', { status: 413, code: 'PAYLOAD_TOO_LARGE' });
    await settled();
    expect(entries[0].principal).toBe('unknown');
    expect(bad).toEqual([]);
  });

  it(`writes at most ${REFUSAL_AUDIT_LIMIT.burst} refusal lines at once per address, and other addresses keep theirs`, () => {
    const { entries, audit } = setup(async () => ANONYMOUS);
    for (let i = 0; i < REFUSAL_AUDIT_LIMIT.burst + 30; i++) audit.refused(from('4.4.4.4'), undefined, performance.now(), 't', { status: 429, code: 'RATE_LIMITED' });
    audit.refused(from('5.5.5.5'), undefined, performance.now(), 't', { status: 429, code: 'RATE_LIMITED' });
    expect(entries).toHaveLength(REFUSAL_AUDIT_LIMIT.burst + 1);
    expect(entries.every((e) => e.principal === 'anonymous' && e.outcome === 'refused')).toBe(true);
  });
});
