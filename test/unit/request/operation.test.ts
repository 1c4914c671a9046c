// gateway/request/operation.ts: the operation sent (POST body or GET query string) and the
// static document limits.

import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { checkDocument, operationOf } from '../../../gateway/request/operation.ts';
import { DocumentChecker } from '../../../gateway/limits/document-limits.ts';

const post = { method: 'POST' } as IncomingMessage;
const get = { method: 'GET' } as IncomingMessage;

describe('the operation sent', () => {
  it('is read from a POST body, ignoring fields of the wrong type', () => {
    expect(operationOf(post, { query: '{ a }', operationName: 'A', variables: { x: 1 } }, '')).toEqual({ query: '{ a }', operationName: 'A', variables: { x: 1 } });
    expect(operationOf(post, { query: 5, operationName: ['A'] }, '')).toEqual({ query: undefined, operationName: undefined, variables: undefined });
    expect(operationOf(post, null, '')).toEqual({ query: undefined, operationName: undefined, variables: undefined });
  });

  it('is read from a GET query string; variables that are not JSON are kept as sent (for the audit line)', () => {
    const search = `?query=${encodeURIComponent('{ a }')}&operationName=A&variables=${encodeURIComponent('{"x":1}')}`;
    expect(operationOf(get, undefined, search)).toEqual({ query: '{ a }', operationName: 'A', variables: { x: 1 } });
    expect(operationOf(get, undefined, '?query=x&variables=%7Bnot').variables).toBe('{not');
  });

  it('is held to the static limits: over them is a 400 QUERY_TOO_COMPLEX naming the limit; no document passes', () => {
    const documents = new DocumentChecker({ maxDepth: 2, maxAliases: 1, maxRootFields: 2, maxTokens: 100, maxBytes: 1000, maxDirectives: 5 });
    expect(() => checkDocument(documents, '{ a { b } }')).not.toThrow();
    expect(() => checkDocument(documents, undefined)).not.toThrow();
    expect(() => checkDocument(documents, '{ a { b { c } } }')).not.toThrow();
    expect(() => checkDocument(documents, '{ a { b { c { d } } } }')).toThrow(expect.objectContaining({ status: 400, code: 'QUERY_TOO_COMPLEX', message: expect.stringMatching(/depth/i) }));
    expect(() => checkDocument(documents, '{ x: a y: a }')).toThrow(expect.objectContaining({ code: 'QUERY_TOO_COMPLEX', message: expect.stringMatching(/alias/i) }));
  });
});
