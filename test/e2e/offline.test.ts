// One exchange offline: the query still answers with the others' data, an error names the
// exchange, and the catalog marks it stale; once back, it is fresh again.

import { afterAll, beforeAll, expect, it } from 'vitest';
import { simCall, startTestStack, type TestStack } from '../helpers/stack.ts';
import { EXCHANGES } from '../../subgraphs/exchanges.ts';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({ DATAEX_PROBE_INTERVAL_MS: '200', DATAEX_UPSTREAM_TIMEOUT_MS: '1500' }, { as: 'admin' });
}, 120_000);

afterAll(async () => {
  await stack?.close();
});

// Exchange status is cacheable for 10 s (`Exchange @cacheControl(maxAge: 10)`): polling through
// the response cache would watch a stored answer age, so each poll asks past it.
async function exchangeStates() {
  const res = await stack.gql('{ exchanges { id stale status datasetCount lastError } }', undefined, { 'cache-control': 'no-cache' });
  return Object.fromEntries(res.data.exchanges.map((e: any) => [e.id, e]));
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

it('answers with the other exchanges when one is offline, names it, and marks it stale', async () => {
  const before = await exchangeStates();
  expect(before.guiyang).toMatchObject({ stale: false, status: 'ONLINE' });
  await simCall(stack.simulators.guiyang!.url, 'POST', '/__sim/faults', { mode: 'offline' });

  const res = await stack.gql(`{
    search(first: 60, orderBy: TITLE_ASC) { totalCount edges { node { id exchange { id } pricing { model } } } }
  }`);
  expect(res.status).toBe(200);
  const nodes = res.data.search.edges.map((e: any) => e.node);
  const fromGuiyang = nodes.filter((n: any) => n.exchange.id === 'guiyang');
  const others = nodes.filter((n: any) => n.exchange.id !== 'guiyang');
  expect(fromGuiyang.length).toBeGreaterThan(0);
  expect(others.length).toBeGreaterThan(0);
  for (const n of others) expect(n.pricing).not.toBeNull();
  for (const n of fromGuiyang) expect(n.pricing).toBeNull();
  // The harvested catalog still answers for the offline exchange: the totals are unchanged.
  expect(res.data.search.totalCount).toBe(EXCHANGES.reduce((sum, e) => sum + before[e.id].datasetCount, 0));
  expect(res.errors?.length).toBeGreaterThan(0);
  for (const e of res.errors!) {
    expect(e.extensions?.exchange).toBe('guiyang');
    expect(e.extensions?.code).toMatch(/^UPSTREAM_(UNAVAILABLE|ERROR)$/);
    expect(e.message).not.toMatch(/https?:\/\//);
  }

  const stale = await until('guiyang stale', async () => {
    const s = await exchangeStates();
    return s.guiyang.stale ? s : undefined;
  });
  expect(stale.guiyang.status).toBe('DEGRADED');
  expect(stale.guiyang.datasetCount).toBe(before.guiyang.datasetCount);
  expect(stale.beijing.stale).toBe(false);

  await simCall(stack.simulators.guiyang!.url, 'POST', '/__sim/faults', { mode: 'none' });
  const back = await until('guiyang fresh', async () => {
    const s = await exchangeStates();
    return s.guiyang.stale ? undefined : s;
  });
  expect(back.guiyang.status).toBe('ONLINE');
  const again = await stack.gql('{ search(first: 5, filter: { exchanges: ["guiyang"] }) { edges { node { pricing { model } } } } }');
  expect(again.errors).toBeUndefined();
  expect(again.data.search.edges).toHaveLength(5);
  for (const e of again.data.search.edges) expect(e.node.pricing).not.toBeNull();
});
