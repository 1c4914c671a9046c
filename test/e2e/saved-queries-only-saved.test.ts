// Allow-list mode (DATAEX_ONLY_SAVED=true): ad-hoc operations are refused with FORBIDDEN (403)
// except from admins; saved queries run for everyone.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../helpers/stack.ts';
import { bearer, createKeys, jsonHeaders, type Keys } from '../unit/saved-queries/lifecycle.ts';
import { EXCHANGES } from '../../subgraphs/exchanges.ts';

let stack: TestStack;
let keys: Keys;

beforeAll(async () => {
  stack = await startTestStack({ DATAEX_PLAYGROUND: 'false', DATAEX_ONLY_SAVED: 'true' });
  keys = await createKeys(stack);
});

afterAll(async () => {
  await stack?.close();
});

describe('allow-list mode', () => {
  it('refuses ad-hoc operations from anonymous, public and analyst callers', async () => {
    for (const headers of [{}, bearer(keys.public), bearer(keys.analyst)]) {
      const res = await stack.gql('{ exchanges { id } }', undefined, headers);
      expect(res.status).toBe(403);
      expect(res.data).toBeUndefined();
      expect(res.errors?.[0].extensions?.code).toBe('FORBIDDEN');
      expect(res.errors?.[0].message).toMatch(/saved queries only/);
    }
    const get = await stack.http(`/graphql?query=${encodeURIComponent('{ exchanges { id } }')}`, { headers: { 'apollo-require-preflight': 'true' } });
    expect(get.status).toBe(403);
  });

  it('lets admins run ad-hoc operations', async () => {
    const res = await stack.gql('{ exchanges { id } }', undefined, bearer(keys.admin));
    expect(res.status).toBe(200);
    expect(res.errors).toBeUndefined();
    expect(res.data.exchanges).toHaveLength(EXCHANGES.length);
  });

  it('runs saved queries for everyone, shipped and newly saved', async () => {
    const shipped = await stack.http('/saved-queries/exchange-status/run');
    expect(shipped.status).toBe(200);
    expect(JSON.parse(shipped.text).data.exchanges).toHaveLength(EXCHANGES.length);
    const put = await stack.http('/saved-queries/ids', { method: 'PUT', headers: jsonHeaders(keys.analyst), body: JSON.stringify({ document: '{ search(first: 2) { edges { node { id } } } }' }) });
    expect(put.status).toBe(201);
    const run = await stack.http('/saved-queries/ids/run?format=ndjson', { headers: bearer(keys.public) });
    expect(run.status).toBe(200);
    expect(run.text.trim().split('\n')).toHaveLength(2);
  });
});
