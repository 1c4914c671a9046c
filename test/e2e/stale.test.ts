// Stale-if-error: when an exchange fails, the last good upstream answer is served, flagged
// stale, until the stale limit; fresh again once the exchange is back.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simCall, startTestStack, type TestStack } from '../helpers/stack.ts';

let stack: TestStack;

beforeAll(async () => {
  // Upstream answers are fresh for 1 s here, so the test can outlive them quickly.
  // The gateway's entity cache would answer before the upstream cache is asked: this suite is about the latter.
  stack = await startTestStack({ DATAEX_UPSTREAM_TTL_S: '1', DATAEX_ENTITY_CACHE: 'false' }, { as: 'admin' });
}, 120_000);

afterAll(async () => {
  await stack?.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('stale-if-error', () => {
  it('keeps answering from the last good upstream data, flagged stale, and is fresh again once back', async () => {
    const query = (n: number) => `{ search(first: 5, filter: { exchanges: ["guiyang"], sectors: ["Q"] }) { edges { node { id pricing { model text } } } } n${n}: exchanges { id } }`;
    const warm = await stack.gql(query(1));
    expect(warm.errors).toBeUndefined();
    expect(warm.extensions?.stale).toBeUndefined();
    const prices = warm.data.search.edges.map((e: any) => e.node.pricing);
    await simCall(stack.simulators.guiyang!.url, 'POST', '/__sim/faults', { mode: 'offline' });
    try {
      await sleep(1100); // past the 1 s freshness of the upstream cache
      const stale = await stack.gql(query(2));
      expect(stale.errors).toBeUndefined();
      expect(stale.data.search.edges.map((e: any) => e.node.pricing)).toEqual(prices);
      expect(stale.extensions?.stale).toEqual([expect.objectContaining({ exchange: 'guiyang' })]);
      expect(stale.headers['cache-control']).toBe('no-store');
      expect(stale.headers['x-dataex-cache']).toBe('BYPASS');
    } finally {
      await simCall(stack.simulators.guiyang!.url, 'POST', '/__sim/faults', { mode: 'none' });
    }
    // Fresh again once the exchange is back (after the circuit breaker's probe, if it opened).
    let fresh = await stack.gql(query(3));
    for (let n = 4; fresh.extensions?.stale && n < 60; n++) {
      await sleep(250);
      fresh = await stack.gql(query(n));
    }
    expect(fresh.errors).toBeUndefined();
    expect(fresh.extensions?.stale).toBeUndefined();
    expect(fresh.data.search.edges.map((e: any) => e.node.pricing)).toEqual(prices);
  });

  it('without any earlier good answer, an offline exchange is an error naming it, not stale data', async () => {
    await simCall(stack.simulators.guiyang!.url, 'POST', '/__sim/faults', { mode: 'offline' });
    try {
      const res = await stack.gql('{ search(first: 3, orderBy: TITLE_ASC, filter: { exchanges: ["guiyang"], sectors: ["D"] }) { edges { node { id pricing { model } } } } }');
      expect(res.data.search.edges).toHaveLength(3);
      for (const e of res.data.search.edges) expect(e.node.pricing).toBeNull();
      expect(res.errors?.[0].extensions).toMatchObject({ exchange: 'guiyang' });
      expect(res.extensions?.stale).toBeUndefined();
    } finally {
      await simCall(stack.simulators.guiyang!.url, 'POST', '/__sim/faults', { mode: 'none' });
    }
  });
});
