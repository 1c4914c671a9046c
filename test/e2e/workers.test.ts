// Two gateway workers (DATAEX_WORKERS=2: the real `npm run start:gateway` in a child process,
// node:cluster sharing one port) in front of an in-process stack's subgraphs, sharing the
// response cache and rate limits through Redis. Each worker names itself in x-dataex-worker.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { Redis } from 'ioredis';
import { apiKey, startTestStack, type TestStack } from '../helpers/stack.ts';
import { runEntry, type Child } from '../helpers/process.ts';
import { REDIS_URL, deletePrefix, skipWithoutRedis, uniquePrefix } from '../helpers/redis.ts';

const skip = await skipWithoutRedis();

describe.skipIf(skip)('two gateway workers share cache and rate limits through Redis', () => {
  const prefix = uniquePrefix();
  const env = { DATAEX_REDIS_URL: REDIS_URL, DATAEX_REDIS_PREFIX: prefix, DATAEX_RATE_LIMITS: 'public=0.5/3,analyst=off,admin=off' };
  let stack: TestStack;
  let child: Child;
  let base: string;

  /** One request on a fresh connection (the primary hands connections to workers in turn). */
  const call = async (body: string, headers: Record<string, string> = {}) => {
    const res = await request(`${base}/graphql`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers }, reset: true });
    const text = await res.body.text();
    return { status: res.statusCode, worker: String(res.headers['x-dataex-worker']), cache: res.headers['x-dataex-cache'], body: JSON.parse(text) };
  };

  beforeAll(async () => {
    stack = await startTestStack(env);
    // Port 0: under node:cluster every worker that listens on port 0 gets the same port, chosen
    // by the primary; each worker prints the URL it serves, which names it.
    child = runEntry('gateway/main.ts', {
      ...env,
      DATAEX_WORKERS: '2',
      DATAEX_PORT: '0',
      DATAEX_HOST: '127.0.0.1',
      DATAEX_DATA_DIR: stack.config.dataDir,
      DATAEX_SIGNING_SECRET: stack.signingSecret,
      DATAEX_SUBGRAPH_URLS: Object.entries(stack.subgraphs)
        .map(([name, s]) => `${name}=${s.url}`)
        .join(','),
    });
    await child.waitFor(/dataex gateway: 2 workers on port/, 90_000);
    await child.waitFor(/gateway worker \d+ on http\S+[\s\S]*gateway worker \d+ on http\S+/, 10_000);
    const ports = new Set([...child.output().matchAll(/dataex gateway worker \d+ on http:\/\/127\.0\.0\.1:(\d+)\/graphql/g)].map((m) => Number(m[1])));
    expect(ports.size, child.output()).toBe(1);
    const [port] = ports;
    expect(port).toBeGreaterThan(0);
    base = `http://127.0.0.1:${port}`;
  }, 120_000);

  afterAll(async () => {
    if (child && child.proc.exitCode === null) {
      child.proc.kill('SIGTERM');
      await child.exited;
    }
    await stack?.close();
    await deletePrefix(prefix);
  });

  it('spreads connections over both workers', async () => {
    const workers = new Set<string>();
    for (let i = 0; i < 6; i++) {
      const res = await request(`${base}/healthz`, { reset: true });
      await res.body.dump();
      expect(res.statusCode).toBe(200);
      workers.add(String(res.headers['x-dataex-worker']));
    }
    expect(workers.size).toBe(2);
    expect([...workers].every((w) => /^\d+$/.test(w))).toBe(true);
  });

  it('an answer cached through one worker is a HIT through the other', async () => {
    const analyst = await apiKey(stack, 'analyst', 'workers-analyst');
    const body = JSON.stringify({ query: '{ search(first: 5, filter: { sectors: ["L"] }) { totalCount edges { node { id title } } } }' });
    const first = await call(body, analyst);
    expect(first.status).toBe(200);
    expect(first.cache).toBe('MISS');
    // The answer is stored after it is sent: wait until it is in Redis.
    const redis = new Redis(REDIS_URL);
    try {
      for (let i = 0; i < 40 && (await redis.keys(`${prefix}rc:*`)).length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    } finally {
      redis.disconnect();
    }
    let other: Awaited<ReturnType<typeof call>> | undefined;
    for (let i = 0; i < 10 && !other; i++) {
      const res = await call(body, analyst);
      if (res.worker !== first.worker) other = res;
    }
    expect(other, 'no response from the other worker').toBeDefined();
    expect(other!.cache).toBe('HIT');
    expect(other!.body).toEqual(first.body);
  });

  it("refuses a public key's burst spent across both workers", async () => {
    const pub = await apiKey(stack, 'public', 'workers-public');
    const body = JSON.stringify({ query: '{ exchanges { id } }' });
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await call(body, pub));
    // Burst 3: per worker that would allow 6; shared, the fourth request is refused.
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 429]);
    expect(new Set(answers.slice(0, 3).map((a) => a.worker)).size).toBe(2);
    expect(answers[3].body.errors[0].extensions.code).toBe('RATE_LIMITED');
  });
});
