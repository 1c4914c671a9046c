// GraphQL over HTTP, audited by graphql-http's own `auditServer` (issue 17, item 5): no error
// and no warning. GETs still need a CSRF-prevention header (the audit's GET checks without one
// are the spec's MAYs, reported as notices), and a request without one is still refused.

import { afterAll, beforeAll, expect, it } from 'vitest';
import { auditServer } from 'graphql-http';
import { startTestStack, type TestStack } from '../helpers/stack.ts';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack();
}, 120_000);

afterAll(async () => {
  await stack?.close();
});

it('passes the graphql-http audit with 0 errors and 0 warnings', async () => {
  const results = await auditServer({ url: stack.gateway.url });
  expect(results.length).toBeGreaterThan(50);
  const problems = results.filter((r) => r.status === 'error' || r.status === 'warn').map((r) => `${r.status} ${r.id} ${r.name}: ${'reason' in r ? r.reason : ''}`);
  expect(problems).toEqual([]);
  expect(results.filter((r) => r.status === 'ok').length).toBeGreaterThan(50);
});

it('answers request errors 200 for application/json and 400 for application/graphql-response+json, without weakening CSRF prevention', async () => {
  const post = (accept: string | undefined, query: string) =>
    stack.http('/graphql', { method: 'POST', headers: { 'content-type': 'application/json', ...(accept ? { accept } : {}) }, body: JSON.stringify({ query }) });
  for (const query of ['{ exchanges { id ', '{ nope }']) {
    const json = await post('application/json', query);
    expect(json.status, query).toBe(200);
    expect(JSON.parse(json.text).errors[0].extensions.code).toMatch(/^GRAPHQL_(PARSE|VALIDATION)_FAILED$/);
    expect((await post('application/graphql-response+json', query)).status, query).toBe(400);
  }
  // A limit's refusal is not a request error: still 400.
  const wide = `{ ${Array.from({ length: 40 }, (_, i) => `a${i}: exchanges { id }`).join(' ')} }`;
  expect((await post('application/json', wide)).status).toBe(400);
  // GET without a CSRF-prevention header: refused; with one: answered.
  const get = (headers: Record<string, string>) => stack.http(`/graphql?query=${encodeURIComponent('{ exchanges { id } }')}`, { headers });
  expect((await get({ accept: 'application/json' })).status).toBe(400);
  const allowed = await get({ accept: 'application/json', 'apollo-require-preflight': 'true' });
  expect(allowed.status).toBe(200);
  expect(JSON.parse(allowed.text).data.exchanges.length).toBeGreaterThan(0);
});
