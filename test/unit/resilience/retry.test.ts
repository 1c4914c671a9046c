// Retries: which failures, which calls, how long between attempts, the budget, and aborts.

import { afterEach, describe, expect, it } from 'vitest';
import { UpstreamError } from '../../../subgraphs/common/errors.ts';
import { backoffDelay, CircuitOpenError, RetryBudget, UpstreamGuard } from '../../../subgraphs/common/resilience/index.ts';
import type { UpstreamClient, UpstreamRequest } from '../../../subgraphs/common/upstream.ts';
import { startSimulator, type RunningSimulator } from '../../../simulators/index.ts';
import { stubServer, type Stub } from '../adapters/helpers.ts';
import { guardedClient, recordedSleep, rejectionOf, sim, simHits } from './helpers.ts';

let stub: Stub | undefined;
let client: UpstreamClient | undefined;
let simulator: RunningSimulator | undefined;
afterEach(async () => {
  await client?.close();
  await stub?.close();
  await simulator?.close();
  client = stub = simulator = undefined;
});

const GET: UpstreamRequest = { method: 'GET', path: '/x' };

describe('retries', () => {
  it('retries 5xx on an idempotent call with growing, jittered backoff', async () => {
    let n = 0;
    stub = await stubServer(() => (++n < 3 ? { status: 503, body: 'busy' } : { body: '{"ok":1}' }));
    const slept = recordedSleep();
    ({ client } = guardedClient(stub.url, { backoffBaseMs: 100, backoffMaxMs: 1_000 }, { sleep: slept.sleep }));
    const res = await client.request(GET);
    expect(res.text).toBe('{"ok":1}');
    expect(stub.requests).toHaveLength(3);
    // random() = 0.5: half fixed + a quarter → 75 then 150 ms.
    expect(slept.delays).toEqual([75, 150]);
  });

  it('draws backoff within [d/2, d], capped', () => {
    expect(backoffDelay(1, 100, 1000, () => 0)).toBe(50);
    expect(backoffDelay(1, 100, 1000, () => 0.999999)).toBe(100);
    expect(backoffDelay(3, 100, 1000, () => 0)).toBe(200);
    expect(backoffDelay(10, 100, 1000, () => 0.999999)).toBe(1000);
  });

  it('retries a reset connection', async () => {
    let n = 0;
    stub = await stubServer(() => (++n === 1 ? 'destroy' : { body: '{}' }));
    ({ client } = guardedClient(stub.url, {}, { sleep: recordedSleep().sleep }));
    expect((await client.request(GET)).status).toBe(200);
    expect(stub.requests).toHaveLength(2);
  });

  it("honours a 429's Retry-After, and gives up when it is longer than the cap", async () => {
    let n = 0;
    stub = await stubServer(() => (++n === 1 ? { status: 429, headers: { 'retry-after': '2' }, body: '' } : { body: '{}' }));
    const slept = recordedSleep();
    ({ client } = guardedClient(stub.url, { retryAfterMaxMs: 5_000 }, { sleep: slept.sleep }));
    await client.request(GET);
    expect(slept.delays).toEqual([2000]);
    await client.close();

    stub.requests.length = 0;
    n = 0;
    const slept2 = recordedSleep();
    ({ client } = guardedClient(stub.url, { retryAfterMaxMs: 1_000 }, { sleep: slept2.sleep }));
    const e = await rejectionOf(client.request(GET));
    expect(e).toBeInstanceOf(UpstreamError);
    expect(e).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', retryAfterSeconds: 2 });
    expect(slept2.delays).toEqual([]);
    expect(stub.requests).toHaveLength(1);
  });

  it('honours Retry-After in real time against the simulator', async () => {
    simulator = await startSimulator('registry', { port: 0 });
    await sim(simulator.url, 'POST', '/__sim/faults', { mode: 'ratelimit', rate: 0.5 });
    ({ client } = guardedClient(simulator.url, { maxAttempts: 4 }, {}, 'registry'));
    const started = Date.now();
    let retried = 0;
    for (let i = 0; i < 8 && retried === 0; i++) {
      const before = await simHits(simulator.url);
      const res = await client.request({ method: 'GET', path: '/api/v1/enterprises', query: { codes: '91350100M000100Y43' }, headers: { 'X-Api-Key': 'x' } });
      expect(res.status).toBeLessThan(500);
      retried += (await simHits(simulator.url)) - before - 1;
    }
    // The simulator asks for 1 s; every retry waited at least that long.
    expect(retried).toBeGreaterThan(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(retried * 1000 - 50);
  });

  it('never retries a non-idempotent call', async () => {
    stub = await stubServer(() => ({ status: 503, body: '' }));
    ({ client } = guardedClient(stub.url, {}, { sleep: recordedSleep().sleep }));
    expect((await rejectionOf(client.request({ method: 'POST', path: '/oauth/token', json: {} }))).code).toBe('UPSTREAM_UNAVAILABLE');
    expect(stub.requests).toHaveLength(1);
    await rejectionOf(client.request({ method: 'POST', path: '/pay', json: {}, idempotent: false }));
    expect(stub.requests).toHaveLength(2);
    // …while a POST marked idempotent (a search, a detail read) is retried.
    await rejectionOf(client.request({ method: 'POST', path: '/search', json: {}, idempotent: true }));
    expect(stub.requests).toHaveLength(5);
  });

  it('never retries UPSTREAM_ERROR or a returned 4xx', async () => {
    const guard = new UpstreamGuard('beijing', {}, { sleep: recordedSleep().sleep });
    let calls = 0;
    const bad = async () => {
      calls++;
      throw new UpstreamError('UPSTREAM_ERROR', 'beijing', 'beijing GET /x: response larger than 1 bytes');
    };
    expect((await rejectionOf(guard.policy(GET, bad, 'beijing'))).code).toBe('UPSTREAM_ERROR');
    expect(calls).toBe(1);

    stub = await stubServer(() => ({ status: 404, body: '{}' }));
    ({ client } = guardedClient(stub.url));
    expect((await client.request(GET)).status).toBe(404);
    expect(stub.requests).toHaveLength(1);
  });

  it('stops at maxAttempts', async () => {
    stub = await stubServer(() => ({ status: 502, body: '' }));
    ({ client } = guardedClient(stub.url, { maxAttempts: 4 }, { sleep: recordedSleep().sleep }));
    await rejectionOf(client.request(GET));
    expect(stub.requests).toHaveLength(4);
  });
});

describe('retry budget', () => {
  it('allows retries up to ratio × calls + the floor, over a sliding window', () => {
    let now = 0;
    const budget = new RetryBudget(0.2, 2, 10_000, () => now);
    for (let i = 0; i < 10; i++) budget.recordCall();
    const granted = Array.from({ length: 10 }, () => budget.tryAcquire()).filter(Boolean).length;
    expect(granted).toBe(4); // 2 + 0.2 × 10
    now += 11_000; // the window moved on: spent retries no longer count
    budget.recordCall();
    expect(budget.tryAcquire()).toBe(true);
    expect(budget.totals()).toEqual({ calls: 1, retries: 1 });
  });

  it('caps upstream load under a sustained outage (simulator hit count)', async () => {
    simulator = await startSimulator('beijing', { port: 0 });
    await sim(simulator.url, 'POST', '/__sim/faults', { mode: 'offline' });
    const slept = recordedSleep();
    let guard: UpstreamGuard;
    ({ client, guard } = guardedClient(simulator.url, { maxAttempts: 5, retryBudgetRatio: 0.2, retryBudgetMinPerWindow: 3 }, { sleep: slept.sleep }));
    const calls = 60;
    for (let i = 0; i < calls; i++) {
      const e = await rejectionOf(client.request({ method: 'POST', path: '/product/api/productIndex/getProductList', json: { pageNo: 1, pageSize: 1 }, idempotent: true }));
      expect(e.code).toBe('UPSTREAM_UNAVAILABLE');
    }
    const hits = await simHits(simulator.url);
    // Without a budget: 5 × 60 = 300 hits. With it: at most 60 + 0.2 × 60 + 3.
    expect(hits).toBeGreaterThanOrEqual(calls);
    expect(hits).toBeLessThanOrEqual(calls + 0.2 * calls + 3);
    expect(guard!.health().counters.retriesDenied).toBeGreaterThan(0);
  });
});

describe('abort', () => {
  it('stops retrying the moment the caller aborts, mid-backoff', async () => {
    stub = await stubServer(() => ({ status: 503, body: '' }));
    // Real sleeps, long backoff: the abort must cut the wait short.
    ({ client } = guardedClient(stub.url, { backoffBaseMs: 5_000, backoffMaxMs: 5_000, maxAttempts: 5 }));
    const ac = new AbortController();
    const started = Date.now();
    const p = client.request({ ...GET, signal: ac.signal });
    setTimeout(() => ac.abort(new Error('caller gave up')), 100);
    await expect(p).rejects.toThrow('caller gave up');
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(stub.requests).toHaveLength(1);
  });

  it('does not start when already aborted', async () => {
    stub = await stubServer(() => ({ body: '{}' }));
    ({ client } = guardedClient(stub.url));
    await expect(client.request({ ...GET, signal: AbortSignal.abort(new Error('no')) })).rejects.toThrow('no');
    expect(stub.requests).toHaveLength(0);
  });

  it('does not retry into an open breaker', async () => {
    stub = await stubServer(() => ({ status: 500, body: '' }));
    const slept = recordedSleep();
    ({ client } = guardedClient(stub.url, { breakerMinimumCalls: 2, breakerHalfOpenAfterMs: 60_000, maxAttempts: 5 }, { sleep: slept.sleep }));
    await rejectionOf(client.request(GET)); // attempt 1 fails, attempt 2 fails → opens; no attempt 3
    expect(stub.requests).toHaveLength(2);
    expect(await rejectionOf(client.request(GET))).toBeInstanceOf(CircuitOpenError);
    expect(stub.requests).toHaveLength(2);
  });
});
