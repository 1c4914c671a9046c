// gateway/request/outcome.ts: one rule for how a request ended, on every route.

import { describe, expect, it } from 'vitest';
import { errorCodesOf, outcomeOf, refusalOutcome } from '../../../gateway/request/outcome.ts';

describe('outcomes', () => {
  it('an executed operation: ok, partial with data, refused for refusal codes, error otherwise', () => {
    expect(outcomeOf([], true)).toBe('ok');
    expect(outcomeOf(['UPSTREAM_UNAVAILABLE'], true)).toBe('partial');
    expect(outcomeOf(['FORBIDDEN'], false)).toBe('refused');
    expect(outcomeOf(['QUERY_TOO_COMPLEX'], false)).toBe('refused');
    expect(outcomeOf(['GRAPHQL_VALIDATION_FAILED'], false)).toBe('error');
    expect(outcomeOf(['BAD_USER_INPUT', 'RATE_LIMITED'], false)).toBe('refused');
  });

  it('a request refused before it executed: 5xx error, refusal codes and other 4xx refused, 400 error', () => {
    expect(refusalOutcome(503, 'SERVICE_UNAVAILABLE')).toBe('error');
    expect(refusalOutcome(400, 'QUERY_TOO_COMPLEX')).toBe('refused');
    expect(refusalOutcome(429, 'RATE_LIMITED')).toBe('refused');
    expect(refusalOutcome(404, 'NOT_FOUND')).toBe('refused');
    expect(refusalOutcome(413, 'PAYLOAD_TOO_LARGE')).toBe('refused');
    expect(refusalOutcome(400, 'BAD_REQUEST')).toBe('error');
    expect(refusalOutcome(400, 'BAD_USER_INPUT')).toBe('error');
  });

  it('reads the codes of an answer no plugin saw from its body', () => {
    expect(errorCodesOf('{"errors":[{"message":"x","extensions":{"code":"BAD_REQUEST"}},{"message":"y"}]}', 400)).toEqual(['BAD_REQUEST']);
    expect(errorCodesOf('{"errors":[{"message":"y","extensions":{"code":"A"}},{"message":"z","extensions":{"code":"A"}}]}', 400)).toEqual(['A']);
    expect(errorCodesOf('not json', 400)).toEqual(['BAD_REQUEST']);
    expect(errorCodesOf('{"data":{}}', 200)).toEqual([]);
  });
});
