// gateway/request/respond.ts: an executed answer's headers and status.

import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { HeaderMap, type HTTPGraphQLResponse } from '@apollo/server';
import { answerHeaders, answerStatus, privateCacheControl } from '../../../gateway/request/respond.ts';
import { ANONYMOUS, DEFAULT_CLEARANCE, type Principal } from '../../../lib/principal.ts';
import type { OperationFacts } from '../../../gateway/contracts.ts';

const ana: Principal = { id: 'ana', role: 'analyst', ...DEFAULT_CLEARANCE.analyst };
const response = (status: number, type = 'application/json; charset=utf-8'): HTTPGraphQLResponse => ({
  status,
  headers: new HeaderMap([
    ['content-type', type],
    ['cache-control', 'max-age=30, public'],
  ]),
  body: { kind: 'complete', string: '{}' },
});
const facts = (errorCodes: string[], hasData = false): OperationFacts => ({ operationName: null, queryHash: null, errorCodes, hasData, resolved: true });
const req = (accept?: string) => ({ headers: accept ? { accept } : {} }) as IncomingMessage;

describe("an answer's headers", () => {
  it('are never `public` for a caller with a key, and always vary on credentials, Accept and Origin', () => {
    expect(privateCacheControl('max-age=30, public')).toBe('max-age=30, private');
    expect(privateCacheControl('no-store')).toBe('no-store');
    expect(privateCacheControl('max-age=30')).toBe('max-age=30, private');
    const keyed = new Map(answerHeaders(response(200), ana, 'MISS'));
    expect(keyed.get('cache-control')).toBe('max-age=30, private');
    expect(keyed.get('vary')).toBe('Origin, Authorization, X-Api-Key, Accept');
    expect(keyed.get('x-dataex-cache')).toBe('MISS');
    const open = new Map(answerHeaders(response(200), ANONYMOUS, null));
    expect(open.get('cache-control')).toBe('max-age=30, public');
    expect(open.has('x-dataex-cache')).toBe(false);
  });
});

describe("an answer's status (GraphQL over HTTP)", () => {
  it("is 200 for an application/json request error when the client sent Accept, else Apollo's", () => {
    expect(answerStatus(req('application/json'), response(400), facts(['GRAPHQL_VALIDATION_FAILED']))).toBe(200);
    expect(answerStatus(req(), response(400), facts(['GRAPHQL_VALIDATION_FAILED']))).toBe(400);
    expect(answerStatus(req('application/graphql-response+json'), response(400, 'application/graphql-response+json'), facts(['GRAPHQL_PARSE_FAILED']))).toBe(400);
  });

  it('keeps refusals and requests refused before GraphQL ran (no facts) as they are', () => {
    expect(answerStatus(req('application/json'), response(400), facts(['QUERY_TOO_COMPLEX']))).toBe(400);
    expect(answerStatus(req('application/json'), response(400), undefined)).toBe(400);
    expect(answerStatus(req('application/json'), response(403), facts(['FORBIDDEN']))).toBe(403);
  });
});
