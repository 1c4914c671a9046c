// Draining (issue 17, item 7): from the moment the gateway starts to stop, /readyz answers 503
// "draining" while /graphql is still served for DATAEX_SHUTDOWN_DELAY_MS; then it stops
// accepting.

import { afterAll, beforeAll, expect, it } from 'vitest';
import { request } from 'undici';
import { startTestStack, type TestStack } from '../helpers/stack.ts';
import { EXCHANGES } from '../../subgraphs/exchanges.ts';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({ DATAEX_SHUTDOWN_DELAY_MS: '3000' });
}, 120_000);

afterAll(async () => {
  await stack?.close();
});

/** A fresh connection each time, as a kubelet's probe opens. */
async function get(path: string, init: { method?: string; body?: string; headers?: Record<string, string> } = {}) {
  const res = await request(stack.baseUrl + path, { method: (init.method ?? 'GET') as 'GET', body: init.body, headers: { connection: 'close', ...init.headers }, reset: true });
  return { status: res.statusCode, body: (await res.body.json()) as any };
}

it('answers /readyz 503 while draining, still serving queries, then stops accepting', async () => {
  const ready = await get('/readyz');
  expect(ready.status).toBe(200);

  const closing = stack.gateway.close();
  try {
    // Wait for the condition, not a clock: the first probe after close() began.
    const deadline = Date.now() + 2_500;
    let probe = await get('/readyz');
    while (probe.status !== 503 && Date.now() < deadline) probe = await get('/readyz');
    expect(probe).toEqual({ status: 503, body: { ready: false, status: 'draining' } });
    const query = await get('/graphql', { method: 'POST', body: JSON.stringify({ query: '{ exchanges { id } }' }), headers: { 'content-type': 'application/json' } });
    expect(query.status).toBe(200);
    expect(query.body.data.exchanges).toHaveLength(EXCHANGES.length);
  } finally {
    await closing;
  }
  await expect(get('/healthz')).rejects.toThrow(/ECONNREFUSED|other side closed|socket/i);
});
