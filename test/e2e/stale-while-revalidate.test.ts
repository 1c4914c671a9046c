// Stale-while-revalidate at the gateway: past an answer's max-age (capped to 1 s here), the
// next request gets the stored answer at once, marked STALE, and one background request
// refreshes it; the request after that is a fresh HIT. A purge still drops it outright.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiKey, startTestStack, type TestStack } from '../helpers/stack.ts';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({ DATAEX_CACHE_MAX_TTL_S: '1', DATAEX_RESPONSE_CACHE_STALE_S: '30' });
}, 120_000);

afterAll(async () => {
  await stack?.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('stale-while-revalidate', () => {
  it('serves an expired answer as STALE, refreshes it once in the background, then serves it fresh', async () => {
    const query = '{ search(first: 3, filter: { sectors: ["C"] }) { totalCount edges { node { id title } } } }';
    const first = await stack.gql(query);
    expect(first.errors).toBeUndefined();
    expect(first.headers['x-dataex-cache']).toBe('MISS');
    expect((await stack.gql(query)).headers['x-dataex-cache']).toBe('HIT');
    await sleep(1100);

    // Many callers at once past the max-age: none waits for an execution. They get the stored
    // answer, or the refreshed one if it landed while the burst was on its way.
    const burst = await Promise.all(Array.from({ length: 8 }, () => stack.gql(query)));
    const states = burst.map((r) => r.headers['x-dataex-cache']);
    expect(states).toContain('STALE');
    for (const r of burst) {
      expect(['STALE', 'HIT']).toContain(r.headers['x-dataex-cache']);
      expect(r.data).toEqual(first.data);
      if (r.headers['x-dataex-cache'] !== 'STALE') continue;
      expect(r.headers['cache-control']).toBe('max-age=0, public');
      expect(Number(r.headers.age)).toBeGreaterThanOrEqual(1);
    }
    const metrics = (await stack.http('/metrics')).text;
    const staleServed = Number(/^dataex_response_cache_stale_total (\d+)/m.exec(metrics)?.[1]);
    expect(staleServed).toBe(states.filter((x) => x === 'STALE').length);

    // The refresh lands: the next answer is fresh again (Age 0, a max-age left).
    let refreshed: Awaited<ReturnType<TestStack['gql']>> | undefined;
    for (let i = 0; i < 40 && refreshed?.headers['x-dataex-cache'] !== 'HIT'; i++) {
      await sleep(50);
      refreshed = await stack.gql(query);
    }
    expect(refreshed?.headers['x-dataex-cache']).toBe('HIT');
    expect(refreshed?.headers.age).toBe('0');
    expect(refreshed?.headers['cache-control']).toBe('max-age=1, public');
    expect(refreshed?.data).toEqual(first.data);
  });

  it('never serves a purged answer stale', async () => {
    const admin = await apiKey(stack, 'admin');
    const query = '{ exchanges { id datasetCount } }';
    await stack.gql(query);
    await sleep(1100);
    await stack.http('/admin/cache/purge', { method: 'POST', body: JSON.stringify({ all: true }), headers: { 'content-type': 'application/json', ...admin } });
    expect((await stack.gql(query)).headers['x-dataex-cache']).toBe('MISS');
  });

  it('audits stale hits as STALE', async () => {
    const admin = await apiKey(stack, 'admin');
    const query = '{ exchanges { id name } }';
    await stack.gql(query);
    await sleep(1100);
    expect((await stack.gql(query)).headers['x-dataex-cache']).toBe('STALE');
    const res = await stack.http('/admin/audit?limit=50', { headers: admin });
    expect(res.status).toBe(200);
    const { entries } = JSON.parse(res.text) as { entries: Array<{ cache: string | null; outcome: string }> };
    expect(entries.some((e) => e.cache === 'STALE' && e.outcome === 'ok')).toBe(true);
  });
});
