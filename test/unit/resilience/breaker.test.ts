// Circuit breaker and bulkhead: opening on a failure rate, failing fast without touching the
// upstream, half-open probes, closing on recovery, and bounded concurrency.

import { afterEach, describe, expect, it } from 'vitest';
import { UpstreamError } from '../../../subgraphs/common/errors.ts';
import { BulkheadFullError, CircuitOpenError, UpstreamGuard } from '../../../subgraphs/common/resilience/index.ts';
import type { UpstreamClient, UpstreamRequest, UpstreamResponse } from '../../../subgraphs/common/upstream.ts';
import { startSimulator, type RunningSimulator } from '../../../simulators/index.ts';
import { stubServer, type Stub } from '../adapters/helpers.ts';
import { delay, guardedClient, recordedSleep, rejectionOf, sim, simHits } from './helpers.ts';

let stub: Stub | undefined;
let client: UpstreamClient | undefined;
let simulator: RunningSimulator | undefined;
afterEach(async () => {
  await client?.close();
  await stub?.close();
  await simulator?.close();
  client = stub = simulator = undefined;
});

const LIST: UpstreamRequest = { method: 'POST', path: '/product/api/productIndex/getProductList', json: { pageNo: 1, pageSize: 1 }, idempotent: true };
const OK: UpstreamResponse = { status: 200, headers: {}, text: '{}' };
const unavailable = () => Promise.reject(new UpstreamError('UPSTREAM_UNAVAILABLE', 'beijing', 'beijing GET /x: HTTP 503'));

/** Polls `ok` until true (every 2 ms), failing after 5 s: waits for a state, not for a clock. */
async function until(ok: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await delay(2);
  }
}

describe('circuit breaker', () => {
  it('opens on the failure rate, fails fast without hitting the upstream, probes, and closes on recovery', async () => {
    simulator = await startSimulator('beijing', { port: 0 });
    let guard: UpstreamGuard;
    const breaker = { breakerMinimumCalls: 6, breakerFailureRate: 0.5, breakerWindowMs: 10_000, breakerHalfOpenAfterMs: 300, maxAttempts: 1 };
    ({ client, guard } = guardedClient(simulator.url, breaker));

    // Healthy traffic first: 4 successes.
    for (let i = 0; i < 4; i++) await client.request(LIST);
    await sim(simulator.url, 'POST', '/__sim/faults', { mode: 'offline' });
    // 3 failures of 7 calls: below 50 %, still closed.
    for (let i = 0; i < 3; i++) await rejectionOf(client.request(LIST));
    expect(guard!.breakerState).toBe('closed');
    // The 4th failure makes 4 of 8: open.
    await rejectionOf(client.request(LIST));
    expect(guard!.breakerState).toBe('open');
    const health = guard!.health();
    expect(health).toMatchObject({ breaker: 'open', counters: { opened: 1, failures: 4, successes: 4 } });
    expect(health.openReason).toMatch(/4 of 8 calls failed in the last 10 s/);
    expect(health.nextProbeAt).toMatch(/\+08:00$/);

    // Open: every call fails at once, naming the circuit and the next probe; no upstream hit.
    const hits = await simHits(simulator.url);
    for (let i = 0; i < 20; i++) {
      const e = await rejectionOf(client.request(LIST));
      expect(e).toBeInstanceOf(CircuitOpenError);
      expect(e).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', upstream: 'beijing' });
      expect(e.message).toMatch(/^beijing POST \/product\/api\/productIndex\/getProductList: circuit open \(.*\); failing fast, next probe at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00 \(in [\d.]+ s\)$/);
      expect(e.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    }
    expect(await simHits(simulator.url)).toBe(hits);
    expect(guard!.health().counters.shortCircuited).toBe(20);

    // After the cool-down, one probe goes through; it fails (still offline): open again.
    await delay(350);
    await rejectionOf(client.request(LIST));
    expect(await simHits(simulator.url)).toBe(hits + 1);
    expect(guard!.breakerState).toBe('open');
    expect(guard!.health().openReason).toMatch(/^probe failed: /);
    expect(await rejectionOf(client.request(LIST))).toBeInstanceOf(CircuitOpenError);

    // Recovery: the next probe succeeds and closes the circuit; traffic flows again.
    await sim(simulator.url, 'POST', '/__sim/faults', { mode: 'none' });
    await delay(350);
    expect((await client.request(LIST)).status).toBe(200);
    expect(guard!.breakerState).toBe('closed');
    for (let i = 0; i < 5; i++) await client.request(LIST);
    expect(await simHits(simulator.url)).toBe(hits + 2 + 5);
    expect(guard!.health()).toMatchObject({ openedAt: null, nextProbeAt: null, window: { failures: 0 } });
  });

  it('needs the minimum number of calls before it opens', async () => {
    const guard = new UpstreamGuard('beijing', { breakerMinimumCalls: 5, maxAttempts: 1 });
    for (let i = 0; i < 4; i++) await rejectionOf(guard.policy({ method: 'GET', path: '/x' }, unavailable, 'beijing'));
    expect(guard.breakerState).toBe('closed');
    await rejectionOf(guard.policy({ method: 'GET', path: '/x' }, unavailable, 'beijing'));
    expect(guard.breakerState).toBe('open');
  });

  it('forgets failures that left the window', async () => {
    let now = 0;
    const guard = new UpstreamGuard('beijing', { breakerMinimumCalls: 4, breakerWindowMs: 1_000, maxAttempts: 1 }, { now: () => now });
    for (let i = 0; i < 3; i++) await rejectionOf(guard.policy({ method: 'GET', path: '/x' }, unavailable, 'beijing'));
    now += 2_000;
    await rejectionOf(guard.policy({ method: 'GET', path: '/x' }, unavailable, 'beijing'));
    expect(guard.breakerState).toBe('closed');
    expect(guard.health().window).toEqual({ calls: 1, failures: 1, failureRate: 1 });
  });

  it('does not count UPSTREAM_ERROR, 4xx answers or aborts as failures', async () => {
    const guard = new UpstreamGuard('beijing', { breakerMinimumCalls: 3, maxAttempts: 1 });
    const garbage = () => Promise.reject(new UpstreamError('UPSTREAM_ERROR', 'beijing', 'beijing GET /x: response larger than 10 bytes'));
    const notFound = () => Promise.resolve({ ...OK, status: 404 });
    for (let i = 0; i < 10; i++) {
      await rejectionOf(guard.policy({ method: 'GET', path: '/x' }, garbage, 'beijing'));
      await guard.policy({ method: 'GET', path: '/x' }, notFound, 'beijing');
      const ac = new AbortController();
      const p = guard.policy({ method: 'GET', path: '/x', signal: ac.signal }, (r) => new Promise((_, rej) => r.signal!.addEventListener('abort', () => rej(r.signal!.reason))), 'beijing');
      ac.abort(new Error('bye'));
      await rejectionOf(p);
    }
    expect(guard.breakerState).toBe('closed');
    expect(guard.health().counters).toMatchObject({ failures: 0, errors: 20, successes: 10 });
  });

  it('fails other calls fast while a half-open probe is in flight', async () => {
    const guard = new UpstreamGuard('beijing', { breakerMinimumCalls: 1, breakerHalfOpenAfterMs: 50, maxAttempts: 1 });
    await rejectionOf(guard.policy({ method: 'GET', path: '/x' }, unavailable, 'beijing'));
    expect(guard.breakerState).toBe('open');
    await delay(70);
    let finish!: (r: UpstreamResponse) => void;
    const probe = guard.policy({ method: 'GET', path: '/x' }, () => new Promise((r) => (finish = r)), 'beijing');
    await until(() => guard.breakerState === 'half-open' && finish !== undefined);
    const e = await rejectionOf(guard.policy({ method: 'GET', path: '/x' }, () => Promise.resolve(OK), 'beijing'));
    expect(e).toBeInstanceOf(CircuitOpenError);
    expect(e.message).toMatch(/circuit half-open, a probe call is in flight/);
    finish(OK);
    await probe;
    expect(guard.breakerState).toBe('closed');
  });

  it('re-opens when the caller aborts the probe (nothing was learned)', async () => {
    const guard = new UpstreamGuard('beijing', { breakerMinimumCalls: 1, breakerHalfOpenAfterMs: 30, maxAttempts: 1 });
    await rejectionOf(guard.policy({ method: 'GET', path: '/x' }, unavailable, 'beijing'));
    await delay(50);
    const ac = new AbortController();
    const probe = guard.policy({ method: 'GET', path: '/x', signal: ac.signal }, (r) => new Promise((_, rej) => r.signal!.addEventListener('abort', () => rej(r.signal!.reason))), 'beijing');
    ac.abort(new Error('gone'));
    await expect(probe).rejects.toThrow('gone');
    await until(() => guard.breakerState === 'open');
  });
});

describe('bulkhead', () => {
  it('bounds calls in flight, queues a few, and fails the overflow fast', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const release: Array<() => void> = [];
    stub = await stubServer(async () => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise<void>((r) => release.push(r));
      inFlight--;
      return { body: '{}' };
    });
    let guard: UpstreamGuard;
    ({ client, guard } = guardedClient(stub.url, { bulkheadConcurrency: 2, bulkheadQueue: 2 }));
    const calls = Array.from({ length: 6 }, () =>
      client!.request({ method: 'GET', path: '/x' }).then(
        () => 'ok',
        (e: unknown) => e,
      ),
    );
    await until(() => stub!.requests.length >= 2 && guard!.health().queued === 2 && guard!.health().counters.rejected === 2);
    expect(stub.requests).toHaveLength(2);
    expect(guard!.health()).toMatchObject({ inFlight: 2, queued: 2, counters: { rejected: 2 } });
    // The two over the limit failed at once, as UPSTREAM_UNAVAILABLE, without reaching the upstream.
    const rejected = (await Promise.race([Promise.all(calls.slice(4)), delay(50).then(() => 'pending')])) as unknown[];
    expect(rejected).not.toBe('pending');
    for (const e of rejected) {
      expect(e).toBeInstanceOf(BulkheadFullError);
      expect(e).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', upstream: 'beijing' });
      expect((e as Error).message).toMatch(/too many concurrent calls \(2 in flight, 2 waiting\)/);
    }
    while ((await Promise.race([Promise.all(calls.slice(0, 4)), delay(20).then(() => null)])) === null) for (const r of release.splice(0)) r();
    expect(await Promise.all(calls.slice(0, 4))).toEqual(['ok', 'ok', 'ok', 'ok']);
    expect(maxInFlight).toBe(2);
    expect(guard!.health()).toMatchObject({ inFlight: 0, queued: 0 });
    // Overflow is local, not the upstream's fault: the breaker did not count it.
    expect(guard!.health().counters.failures).toBe(0);
  });

  it('lets a queued caller go at once when it aborts', async () => {
    const guard = new UpstreamGuard('beijing', { bulkheadConcurrency: 1, bulkheadQueue: 5, maxAttempts: 1 });
    let finish!: () => void;
    const first = guard.policy({ method: 'GET', path: '/x' }, () => new Promise((r) => (finish = () => r(OK))), 'beijing');
    const ac = new AbortController();
    let ran = false;
    const queued = guard.policy(
      { method: 'GET', path: '/x', signal: ac.signal },
      async () => {
        ran = true;
        return OK;
      },
      'beijing',
    );
    await until(() => guard.health().queued === 1);
    ac.abort(new Error('not waiting'));
    await expect(queued).rejects.toThrow('not waiting');
    finish();
    await first;
    await until(() => guard.health().inFlight === 0 && guard.health().queued === 0);
    expect(ran).toBe(false);
    expect(guard.health()).toMatchObject({ inFlight: 0, queued: 0 });
  });
});

describe('through a flaky simulator', () => {
  it('a harvest-sized run of calls succeeds despite 30 % dropped connections', async () => {
    simulator = await startSimulator('beijing', { port: 0 });
    await sim(simulator.url, 'POST', '/__sim/faults', { mode: 'offline', rate: 0.3 });
    const slept = recordedSleep();
    // The seeded fault sampling has a run of six drops: allow 8 attempts. Sleeps are recorded, not waited.
    ({ client } = guardedClient(simulator.url, { breakerMinimumCalls: 20, maxAttempts: 8, retryBudgetMinPerWindow: 10, retryBudgetRatio: 0.5 }, { sleep: slept.sleep }));
    let ok = 0;
    for (let pageNo = 1; pageNo <= 30; pageNo++) {
      const res = await client.request({ ...LIST, json: { pageNo, pageSize: 5 } });
      if (res.status === 200) ok++;
    }
    expect(ok).toBe(30);
    expect(slept.delays.length).toBeGreaterThan(0);
  });
});
