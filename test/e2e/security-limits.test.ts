// Limits that must not be bypassed and an audit trail that must stay whole (issue 16, items 6
// and 10, "Audit completeness"): saved-query runs and their pages count against the caller,
// unknown keys are limited per address, one address cannot flood the audit log, every refused
// request leaves one line with the right outcome and caller, saved queries change only by their
// owner or an admin.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from 'node:net';
import { apiKey, startTestStack, type TestStack } from '../helpers/stack.ts';

let stack: TestStack;
let admin: Record<string, string>;

beforeAll(async () => {
  stack = await startTestStack({ DATAEX_RATE_LIMITS: 'public=2/6,analyst=200/400,admin=off', DATAEX_REQUEST_TIMEOUT_MS: '2000' });
  admin = await apiKey(stack, 'admin', 'lim-admin');
}, 120_000);

afterAll(async () => {
  await stack?.close();
});

/** The audit lines of one principal, once at least `atLeast` have been written. */
async function auditOf(principal: string, atLeast: number): Promise<any[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const res = await stack.http(`/admin/audit?principal=${principal}&limit=1000`, { headers: admin });
    expect(res.status).toBe(200);
    const entries = JSON.parse(res.text).entries as any[];
    if (entries.length >= atLeast || Date.now() > deadline) return entries;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('saved-query runs count against the caller', () => {
  it('anonymous runs are rate limited like /graphql', async () => {
    const started = Date.now();
    const results = await Promise.all(Array.from({ length: 30 }, () => stack.http('/saved-queries/exchange-status/run')));
    const elapsedS = (Date.now() - started) / 1000;
    const ok = results.filter((r) => r.status === 200);
    const limited = results.filter((r) => r.status === 429);
    expect(ok.length + limited.length).toBe(30);
    expect(ok.length).toBeGreaterThan(0);
    // The bucket's burst plus what it refilled while the burst was answered, no more.
    expect(ok.length).toBeLessThanOrEqual(6 + Math.ceil(2 * elapsedS) + 1);
    expect(limited[0].headers['retry-after']).toMatch(/^\d+$/);
    expect(JSON.parse(limited[0].text).errors[0].extensions.code).toBe('RATE_LIMITED');
  });

  it('each page of an all=true run takes a token: a run longer than the bucket stops with RATE_LIMITED', async () => {
    const key = await apiKey(stack, 'public', 'lim-pages');
    const res = await stack.http('/saved-queries/personal-info-datasets/run', {
      method: 'POST',
      headers: { ...key, 'content-type': 'application/json' },
      body: JSON.stringify({ all: true, format: 'ndjson', variables: { first: 2 } }),
    });
    expect(res.status).toBe(200);
    const lines = res.text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const rows = lines.filter((l) => !l.errors);
    const errors = lines.filter((l) => l.errors).flatMap((l) => l.errors);
    // At most the bucket's burst of pages (plus refill), two rows each; then the stop is said.
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.length).toBeLessThan(2 * 12);
    expect(errors.map((e: any) => e.extensions.code)).toContain('RATE_LIMITED');
    expect(errors.find((e: any) => e.extensions.code === 'RATE_LIMITED').message).toMatch(/export incomplete: stopped before page \d+ after \d+ rows/);
  });
});

describe('every refused request leaves one audit line with the right outcome and caller', () => {
  it('CSRF-blocked GET, a refused batch, a body over the limit and a refused saved-query run', async () => {
    const who = await apiKey(stack, 'analyst', 'lim-audit');
    // A GET without a preflight header: Apollo's CSRF prevention refuses it.
    const csrf = await stack.http('/graphql?query=%7Bexchanges%7Bid%7D%7D', { headers: who });
    expect(csrf.status).toBe(400);
    const batch = await stack.http('/graphql', {
      method: 'POST',
      headers: { ...who, 'content-type': 'application/json' },
      body: JSON.stringify([{ query: '{ exchanges { id } }' }, { query: '{ exchanges { id } }' }]),
    });
    expect(batch.status).toBe(400);
    const big = await stack.http('/graphql', {
      method: 'POST',
      headers: { ...who, 'content-type': 'application/json' },
      body: JSON.stringify({ query: `{ exchanges { id } } #${'x'.repeat(stack.config.bodyLimitBytes)}` }),
    });
    expect(big.status).toBe(413);
    const missing = await stack.http('/saved-queries/no-such-query/run', { headers: who });
    expect(missing.status).toBe(404);

    const lines = await auditOf('lim-audit', 4);
    expect(lines).toHaveLength(4);
    const byStatus = Object.fromEntries(lines.map((l) => [l.status, l]));
    expect(lines.map((l) => l.status).sort()).toEqual([400, 400, 404, 413]);
    for (const line of lines) expect(line).toMatchObject({ principal: 'lim-audit', role: 'analyst', outcome: 'refused' });
    for (const line of lines.filter((l) => l.status === 400)) expect(line.errorCodes).toEqual(['BAD_REQUEST']);
    expect(byStatus[413].errorCodes).toEqual(['BAD_USER_INPUT']);
    expect(byStatus[404]).toMatchObject({ savedQuery: 'no-such-query', errorCodes: ['NOT_FOUND'] });
  });
});

describe('slow clients', () => {
  it('a body that trickles in is cut off with 408 at the request timeout, not held for minutes', async () => {
    const { port } = new URL(stack.gateway.url);
    const socket = connect(Number(port), '127.0.0.1');
    let received = '';
    socket.on('data', (chunk) => (received += chunk.toString()));
    socket.write(`POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{`);
    // One byte every 200 ms, for at most 15 s: the server must end it well before.
    const drip = setInterval(() => socket.write(' '), 200);
    const closed = await new Promise<boolean>((resolve) => {
      const give = setTimeout(() => resolve(false), 15_000);
      socket.on('close', () => {
        clearTimeout(give);
        resolve(true);
      });
    });
    clearInterval(drip);
    socket.destroy();
    expect(closed).toBe(true);
    expect(received).toMatch(/^HTTP\/1\.1 408 /);
  }, 30_000);
});

describe('saved queries change only by their owner or an admin', () => {
  it('another analyst can neither replace nor delete a query; its owner and an admin can', async () => {
    const owner = await apiKey(stack, 'analyst', 'lim-owner');
    const other = await apiKey(stack, 'analyst', 'lim-other');
    const put = (headers: Record<string, string>, description: string) =>
      stack.http('/saved-queries/lim-owned', { method: 'PUT', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ document: '{ exchanges { id } }', description }) });
    expect((await put(owner, 'mine')).status).toBe(201);
    const hijack = await put(other, 'theirs');
    expect(hijack.status).toBe(403);
    expect(JSON.parse(hijack.text).errors[0].extensions.code).toBe('FORBIDDEN');
    expect((await stack.http('/saved-queries/lim-owned', { method: 'DELETE', headers: other })).status).toBe(403);
    const kept = JSON.parse((await stack.http('/saved-queries/lim-owned')).text);
    expect(kept).toMatchObject({ description: 'mine', owner: 'lim-owner', updatedBy: 'lim-owner' });
    expect((await put(owner, 'mine, again')).status).toBe(200);
    expect((await stack.http('/saved-queries/lim-owned', { method: 'DELETE', headers: admin })).status).toBe(204);
  });
});

// Last: the address is refused for a while after it (every request of this file comes from it).
describe('refusals', () => {
  it('unknown keys are limited per address, and their audit lines are bounded', async () => {
    const started = Date.now();
    const statuses: number[] = [];
    for (let batch = 0; batch < 30; batch++) {
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => stack.gql('{ exchanges { id } }', undefined, { authorization: `Bearer dx_guess${batch}x${i}` })));
      statuses.push(...results.map((r) => r.status));
    }
    const elapsedS = (Date.now() - started) / 1000;
    const unauthenticated = statuses.filter((s) => s === 401).length;
    const limited = statuses.filter((s) => s === 429).length;
    expect(unauthenticated + limited).toBe(300);
    // 20 guesses at once, 5 a second after that (plus one batch already looking its keys up).
    expect(unauthenticated).toBeGreaterThanOrEqual(20);
    expect(unauthenticated).toBeLessThanOrEqual(20 + 10 + Math.ceil(5 * elapsedS));
    expect(limited).toBeGreaterThan(0);
    // 300 refusals from one address: at most the address's allowance of audit lines.
    const lines = await auditOf('unknown', 1);
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.length).toBeLessThanOrEqual(50 + Math.ceil(10 * ((Date.now() - started) / 1000)) + 1);
    for (const line of lines) expect(line).toMatchObject({ principal: 'unknown', outcome: 'refused' });
  });
});
