// The gateway's entity cache: a page that shares listings with an earlier one asks the
// exchange subgraph only for the listings it has not seen, answers stay per access class, and
// any invalidation drops them.

import { afterAll, beforeAll, expect, it } from 'vitest';
import { apiKey, callsBetween, simStats, startTestStack, type TestStack } from '../helpers/stack.ts';

let stack: TestStack;

beforeAll(async () => {
  // Upstream answers are never fresh here, so every subgraph entity fetch reaches the simulator:
  // calls the simulator does not see were answered by the gateway's entity cache.
  stack = await startTestStack({ DATAEX_UPSTREAM_TTL_S: '0' }, { as: 'analyst' });
}, 120_000);

afterAll(async () => {
  await stack?.close();
});

const page = (first: number) => `{ search(first: ${first}, orderBy: TITLE_ASC, filter: { exchanges: ["beijing"], sectors: ["S"] }) { edges { node { id pricing { model text } } } } }`;

it('answers shared listings from the entity cache, per access class, until invalidated', async () => {
  const before = await simStats(stack);
  const ten = await stack.gql(page(10));
  expect(ten.errors).toBeUndefined();
  const afterTen = await simStats(stack);
  expect(callsBetween(before, afterTen, 'beijing', /detail/)).toBe(10);

  // Another document (no response-cache hit), five of the same listings: no detail call.
  const five = await stack.gql(page(5));
  expect(five.errors).toBeUndefined();
  expect(five.headers['x-dataex-cache']).toBe('MISS');
  const afterFive = await simStats(stack);
  expect(callsBetween(afterTen, afterFive, 'beijing', /detail/)).toBe(0);
  expect(five.data.search.edges).toEqual(ten.data.search.edges.slice(0, 5));

  // A public caller is another access class: its own fetch, and its own answer (no prices).
  const pub = await stack.gql(page(5), undefined, await apiKey(stack, 'public'));
  expect(pub.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  for (const e of pub.data.search.edges) expect(e.node.pricing).toBeNull();

  // A purge drops the cached entities: the next page fetches again.
  const admin = await apiKey(stack, 'admin');
  const purge = await stack.http('/admin/cache/purge', { method: 'POST', body: JSON.stringify({ all: true }), headers: { 'content-type': 'application/json', ...admin } });
  expect(purge.status).toBe(200);
  const beforeAgain = await simStats(stack);
  const again = await stack.gql(page(5), undefined, { 'cache-control': 'no-cache' });
  expect(again.errors).toBeUndefined();
  expect(callsBetween(beforeAgain, await simStats(stack), 'beijing', /detail/)).toBe(5);
});
