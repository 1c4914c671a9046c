// Behind a proxy (issue 16, item 7): anonymous callers are counted by the address a trusted
// proxy forwarded (X-Forwarded-For through DATAEX_TRUST_PROXY hops only), IPv6 callers by /64;
// a client that forges X-Forwarded-For to a gateway that trusts no proxy gains nothing.

import { afterAll, beforeAll, expect, it } from 'vitest';
import { request } from 'undici';
import { startExtraGateway, startTestStack, type TestStack } from '../helpers/stack.ts';

let stack: TestStack;
let untrusting: Awaited<ReturnType<typeof startExtraGateway>>;

beforeAll(async () => {
  // The test client is the "proxy": it connects from loopback, which is trusted here.
  stack = await startTestStack({ DATAEX_RATE_LIMITS: 'public=1/3,analyst=off,admin=off', DATAEX_TRUST_PROXY: '1' });
  untrusting = await startExtraGateway(stack, { DATAEX_RATE_LIMITS: 'public=1/3,analyst=off,admin=off' });
}, 120_000);

afterAll(async () => {
  await untrusting?.close();
  await stack?.close();
});

/** Statuses of `n` anonymous requests sent one after another as if from `forwardedFor`. */
async function burst(url: string, forwardedFor: string, n: number): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < n; i++) {
    const res = await request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': forwardedFor },
      body: JSON.stringify({ query: `{ exchanges { id } x${i}: exchanges { name } }` }),
    });
    await res.body.text();
    statuses.push(res.statusCode);
  }
  return statuses;
}

const allowed = (statuses: number[]) => statuses.filter((s) => s === 200).length;

it('gives each forwarded client its own bucket behind a trusted proxy', async () => {
  const a = await burst(stack.gateway.url, '203.0.113.10', 8);
  expect(allowed(a)).toBeGreaterThanOrEqual(3);
  expect(a).toContain(429);
  // Another client behind the same proxy is not refused for the first one's burst.
  const b = await burst(stack.gateway.url, '203.0.113.11', 3);
  expect(allowed(b)).toBe(3);
  // Entries a client wrote itself, left of the proxy's, are not believed: still client a.
  const forged = await burst(stack.gateway.url, '198.51.100.7, 203.0.113.10', 2);
  expect(forged).toContain(429);
});

it('counts IPv6 callers by /64', async () => {
  const first = await burst(stack.gateway.url, '2001:db8:aa:1::1', 8);
  expect(first).toContain(429);
  // Same /64, another address: same bucket.
  expect(await burst(stack.gateway.url, '2001:db8:aa:1:ffff::2', 2)).toContain(429);
  // Another /64: its own bucket.
  expect(allowed(await burst(stack.gateway.url, '2001:db8:aa:2::1', 3))).toBe(3);
});

it('ignores X-Forwarded-For when no proxy is trusted', async () => {
  const url = untrusting.gateway.url;
  const statuses = [...(await burst(url, '192.0.2.1', 4)), ...(await burst(url, '192.0.2.2', 4)), ...(await burst(url, '192.0.2.3', 4))];
  // One bucket for all of them (the socket's address): its burst plus refill, not 3 bursts.
  expect(allowed(statuses)).toBeLessThan(9);
  expect(statuses).toContain(429);
});
