// The signed principal header across processes and replicas (security issue 16, item 5):
// - the gateway and a subgraph refuse to start beyond loopback without a secret of their own;
// - a header is bound to the subgraph it was signed for;
// - nonces are shared through Redis, so a header captured from one call is refused by another
//   replica of the same subgraph.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { Redis } from 'ioredis';
import { createCacheSetup, type CacheSetup } from '../../lib/cache/setup.ts';
import { encodeClaims, signRequest } from '../../lib/principal-token.ts';
import { Header } from '../../lib/headers.ts';
import { startDataSubgraph } from '../../subgraphs/launch.ts';
import type { RunningServer } from '../../subgraphs/common/server.ts';
import { startTestStack, type TestStack } from '../helpers/stack.ts';
import { runEntry, type Child } from '../helpers/process.ts';
import { REDIS_URL, deletePrefix, skipWithoutRedis, uniquePrefix } from '../helpers/redis.ts';

const admin = { id: 'mallory', role: 'admin' as const, clearance: { maxLevel: 'CORE' as const, maxGrade: null }, personalInfo: true };
const body = JSON.stringify({ query: '{ __typename }' });

async function post(url: string, headers: Record<string, string>): Promise<{ status: number; body: any }> {
  const res = await request(url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
  return { status: res.statusCode, body: JSON.parse(await res.body.text()) };
}

/** The child's exit code, or undefined if it is still running after `ms` (then it is killed). */
async function exitCodeWithin(child: Child, ms: number): Promise<number | null | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  const code = await Promise.race([child.exited, timeout]);
  clearTimeout(timer);
  if (code === undefined) {
    child.proc.kill('SIGKILL');
    await child.exited;
  }
  return code;
}

describe('start-up without a signing secret', () => {
  // Whatever the test runner's environment holds: no secret, default ports replaced by free ones.
  const base = { DATAEX_SIGNING_SECRET: '', DATAEX_PORT: '0', DATAEX_BEIJING_PORT: '0', DATAEX_REDIS_URL: '', DATAEX_REDIS_CLUSTER: '', DATAEX_OTLP_ENDPOINT: '' };

  it('is refused beyond loopback, for a subgraph and for the gateway, naming the variable and how to make one', async () => {
    for (const [entry, args] of [
      ['subgraphs/main.ts', ['beijing']],
      ['gateway/main.ts', []],
    ] as const) {
      const child = runEntry(entry, { ...base, DATAEX_HOST: '0.0.0.0' }, [...args]);
      const code = await exitCodeWithin(child, 60_000);
      expect(code, `${entry} still running:\n${child.output()}`).toBe(1);
      expect(child.output()).toMatch(/DATAEX_SIGNING_SECRET/);
      expect(child.output()).toMatch(/openssl rand -base64 32/);
    }
  }, 150_000);

  it('is refused beyond loopback with the public development default', async () => {
    const child = runEntry('subgraphs/main.ts', { ...base, DATAEX_HOST: '0.0.0.0', DATAEX_SIGNING_SECRET: 'dataex-development-signing-secret-change-me' }, ['beijing']);
    expect(await exitCodeWithin(child, 60_000)).toBe(1);
    expect(child.output()).toMatch(/DATAEX_SIGNING_SECRET/);
  }, 90_000);

  it('still works on loopback (the development default, with a warning)', async () => {
    const child = runEntry('subgraphs/main.ts', { ...base, DATAEX_HOST: '127.0.0.1' }, ['beijing']);
    try {
      await child.waitFor(/dataex subgraph beijing on http:\/\/127\.0\.0\.1:\d+\/graphql/, 60_000);
    } finally {
      child.proc.kill('SIGTERM');
      await child.exited;
    }
  }, 90_000);
});

const skip = await skipWithoutRedis();

describe.skipIf(skip)('signed principal headers across subgraphs and replicas sharing Redis', () => {
  const prefix = uniquePrefix();
  let stack: TestStack;
  const replicas: RunningServer[] = [];
  const caches: CacheSetup[] = [];

  beforeAll(async () => {
    stack = await startTestStack({ DATAEX_REDIS_URL: REDIS_URL, DATAEX_REDIS_PREFIX: prefix });
    // Two more replicas of the beijing subgraph, each with its own Redis connection (as
    // separate processes would have), on the same Redis and prefix.
    for (let i = 0; i < 2; i++) {
      const cache = createCacheSetup({ redisUrl: REDIS_URL, redisPrefix: prefix, memoryBytes: 16 * 1024 * 1024 });
      caches.push(cache);
      replicas.push(await startDataSubgraph('beijing', { config: stack.config, upstreamUrls: stack.upstreamUrls, cache, port: 0, signingSecret: stack.signingSecret }));
    }
    // Wait for the replicas' Redis connections (a verifier that finds Redis down falls back to memory).
    const deadline = Date.now() + 10_000;
    while (!caches.every((c) => c.redis?.status === 'ready')) {
      if (Date.now() > deadline) throw new Error('replica Redis connections not ready');
      await new Promise((r) => setTimeout(r, 20));
    }
  }, 120_000);

  afterAll(async () => {
    for (const r of replicas) await r.close();
    for (const c of caches) await c.close();
    await stack?.close();
    await deletePrefix(prefix);
  });

  it('the gateway signs each subgraph call for that subgraph; its nonces land in Redis', async () => {
    const res = await stack.gql('{ search(first: 5) { edges { node { id sample(rows: 1) { masked } } } } }');
    expect(res.errors).toBeUndefined();
    expect(res.data.search.edges.length).toBeGreaterThan(0);
    const redis = new Redis(REDIS_URL);
    try {
      const [, keys] = await redis.scan('0', 'MATCH', `${prefix}nonce:*`, 'COUNT', 10_000);
      expect(keys.length).toBeGreaterThan(0);
    } finally {
      redis.disconnect();
    }
  });

  it('a header captured from a call to one replica is refused by another (401)', async () => {
    const claims = encodeClaims(admin);
    const captured = { [Header.PRINCIPAL]: claims, [Header.SIGNATURE]: signRequest(stack.signingSecret, claims, body, Date.now(), 'beijing') };
    const first = await post(replicas[0].url, captured);
    expect(first.status).toBe(200);
    expect(first.body.data.__typename).toBe('Query');
    const replayed = await post(replicas[1].url, captured);
    expect(replayed.status).toBe(401);
    expect(replayed.body.errors[0].message).toMatch(/replayed/);
    expect((await post(stack.subgraphs.beijing.url, captured)).status).toBe(401);
  });

  it('a header signed for beijing is refused by shanghai (401), and by the catalog', async () => {
    const claims = encodeClaims(admin);
    for (const target of ['shanghai', 'catalog']) {
      const forBeijing = { [Header.PRINCIPAL]: claims, [Header.SIGNATURE]: signRequest(stack.signingSecret, claims, body, Date.now(), 'beijing') };
      const res = await post(stack.subgraphs[target].url, forBeijing);
      expect(res.status, target).toBe(401);
      expect(res.body.errors[0].message).toMatch(/another subgraph/);
    }
    // The same header, signed for shanghai, is accepted there.
    const forShanghai = { [Header.PRINCIPAL]: claims, [Header.SIGNATURE]: signRequest(stack.signingSecret, claims, body, Date.now(), 'shanghai') };
    expect((await post(stack.subgraphs.shanghai.url, forShanghai)).status).toBe(200);
  });
});
