// The one table of transport error codes (lib/transport-errors.ts), as the gateway's data
// source and the subgraphs' upstream client word them.

import { describe, expect, it } from 'vitest';
import { TRANSPORT_ERRORS, describeTransportError, transportErrorCode } from '../../lib/transport-errors.ts';

/** undici's shape: a TypeError('fetch failed') whose cause carries the errno code. */
const wrapped = (code: string) => Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error(`connect ${code} 10.1.2.3:4002`), { code }) });

describe('transport errors', () => {
  it('finds the code on the error or its causes, at most four deep', () => {
    expect(transportErrorCode(Object.assign(new Error('x'), { code: 'ECONNRESET' }))).toBe('ECONNRESET');
    expect(transportErrorCode(wrapped('ECONNREFUSED'))).toBe('ECONNREFUSED');
    const deep = (n: number): unknown => (n === 0 ? { code: 'EPIPE' } : { cause: deep(n - 1) });
    expect(transportErrorCode(deep(3))).toBe('EPIPE');
    expect(transportErrorCode(deep(4))).toBeUndefined();
    expect(transportErrorCode(new Error('no code'))).toBeUndefined();
    expect(transportErrorCode('ECONNRESET')).toBeUndefined();
    expect(transportErrorCode({ code: 42 })).toBeUndefined();
  });

  it('says the words alone by default (the gateway: `subgraph beijing: connection refused`)', () => {
    expect(describeTransportError(wrapped('ECONNREFUSED'))).toBe('connection refused');
    expect(describeTransportError({ code: 'UND_ERR_SOCKET' })).toBe('connection failed');
    expect(describeTransportError({ code: 'UND_ERR_HEADERS_TIMEOUT' })).toBe('timed out waiting for response headers');
  });

  it("adds the code, or the timer that ran out, when asked (the subgraphs' upstream calls)", () => {
    const upstream = { timers: { headers: 150, body: 200, connect: 5000 }, withCode: true };
    expect(describeTransportError(wrapped('ECONNREFUSED'), upstream)).toBe('connection refused (ECONNREFUSED)');
    expect(describeTransportError({ code: 'UND_ERR_HEADERS_TIMEOUT' }, upstream)).toBe('timed out waiting for response headers (150 ms)');
    expect(describeTransportError({ code: 'UND_ERR_BODY_TIMEOUT' }, upstream)).toBe('timed out reading the response body (200 ms)');
    expect(describeTransportError({ code: 'UND_ERR_CONNECT_TIMEOUT' }, upstream)).toBe('connect timed out (5000 ms)');
    // The gateway knows what set the timer, not its length.
    const gateway = { timers: { headers: 'subgraph timeout or request deadline' } };
    expect(describeTransportError({ code: 'UND_ERR_HEADERS_TIMEOUT' }, gateway)).toBe('timed out waiting for response headers (subgraph timeout or request deadline)');
    expect(describeTransportError({ code: 'UND_ERR_CONNECT_TIMEOUT' }, gateway)).toBe('connect timed out');
  });

  it('names an unknown code, and says only "request failed" without one', () => {
    expect(describeTransportError({ code: 'ERR_SOMETHING_NEW' })).toBe('request failed (ERR_SOMETHING_NEW)');
    expect(describeTransportError({ code: 'toString' })).toBe('request failed (toString)');
    expect(describeTransportError(new Error('connect to http://10.1.2.3:4002/graphql?secret=x'))).toBe('request failed');
  });

  it('words every code briefly, with no address, URL or placeholder', () => {
    for (const [code, spec] of Object.entries(TRANSPORT_ERRORS)) {
      expect(code).toMatch(/^(UND_ERR_|E)[A-Z_]+$/);
      expect(spec.message, code).toMatch(/^[a-zA-Z][a-zA-Z ]{3,40}$/);
    }
    expect(Object.isFrozen(TRANSPORT_ERRORS)).toBe(true);
  });
});
