// The Redis tier on a real Redis: shared by gateway instances, TTLs, scopes, purge across
// instances; and, on a redis-server of the test's own, Redis killed in the middle of a burst
// and Redis hung (SIGSTOP) without a single failed response, with rate limits and API keys in
// Redis and every request after the failure a document the memory tier cannot answer.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { apiKey, callsBetween, nextInvalidation, simStats, startExtraGateway, startTestStack, until, type TestStack } from '../helpers/stack.ts';
import { REDIS_URL, deletePrefix, skipWithoutRedis, startPrivateRedis, uniquePrefix, type PrivateRedis } from '../helpers/redis.ts';
import { UPSTREAMS } from '../../subgraphs/exchanges.ts';

const skip = await skipWithoutRedis();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(skip)('Redis tier shared by two gateway instances', () => {
  const prefix = uniquePrefix();
  const env = { DATAEX_REDIS_URL: REDIS_URL, DATAEX_REDIS_PREFIX: prefix, DATAEX_CACHE_MAX_TTL_S: '2', DATAEX_RESPONSE_CACHE_STALE_S: '1' };
  let stack: TestStack;
  let second: Awaited<ReturnType<typeof startExtraGateway>>;

  beforeAll(async () => {
    stack = await startTestStack(env);
    second = await startExtraGateway(stack, env);
  }, 120_000);

  afterAll(async () => {
    await second?.close();
    await stack?.close();
    await deletePrefix(prefix);
  });

  it('a query cached by one instance is a hit on the other, and the upstreams see one call', async () => {
    const query = '{ search(first: 10, filter: { sectors: ["N"] }) { edges { node { id sample(rows: 1) { columns } provider { registration { name } } } } } }';
    const before = await simStats(stack);
    const first = await stack.gql(query);
    expect(first.headers['x-dataex-cache']).toBe('MISS');
    const afterFirst = await simStats(stack);
    const other = await second.gql(query);
    expect(other.headers['x-dataex-cache']).toBe('HIT');
    expect(other.data).toEqual(first.data);
    const afterSecond = await simStats(stack);
    expect(callsBetween(before, afterFirst, 'registry', /enterprises/)).toBe(1);
    for (const { name } of UPSTREAMS) expect(callsBetween(afterFirst, afterSecond, name, /./), name).toBe(0);

    // The entry really is in Redis, under the run's prefix.
    const client = new Redis(REDIS_URL);
    const keys = await client.keys(`${prefix}rc:*`);
    client.disconnect();
    expect(keys.length).toBeGreaterThan(0);
  });

  it('entries are kept for their max-age plus the stale window, and expire when nobody asks for them', async () => {
    const query = '{ search(first: 2, filter: { sectors: ["G"] }) { totalCount } }';
    expect((await stack.gql(query)).headers['x-dataex-cache']).toBe('MISS');
    expect((await second.gql(query)).headers['x-dataex-cache']).toBe('HIT');
    const client = new Redis(REDIS_URL);
    try {
      // The entry just stored is the one with the most time left.
      const keys = await client.keys(`${prefix}rc:{*`);
      const ttls = await Promise.all(keys.map((k) => client.pttl(k)));
      const ttlMs = Math.max(...ttls);
      const key = keys[ttls.indexOf(ttlMs)];
      // Stored for max-age (2 s) plus the stale window (1 s).
      expect(ttlMs).toBeGreaterThan(2_000);
      expect(ttlMs).toBeLessThanOrEqual(3_000);
      // Nobody asks for it (a request in the stale window would refresh it): once Redis has
      // expired it, the other instance's memory copy (kept for the time it had left) is gone too.
      await until('the entry to expire in Redis', async () => ((await client.exists(key)) === 0 ? true : undefined), 10_000, 100);
      expect((await second.gql(query)).headers['x-dataex-cache']).toBe('MISS');
    } finally {
      client.disconnect();
    }
  });

  it('PRIVATE entries stay with their principal across instances; PUBLIC ones are shared by the access class', async () => {
    const carol = await apiKey(stack, 'analyst', 'carol');
    const dave = await apiKey(stack, 'analyst', 'dave');
    const privateQuery = '{ search(first: 2, filter: { sectors: ["D"] }) { edges { node { id sample(rows: 1) { rows } } } } }';
    expect((await stack.gql(privateQuery, undefined, carol)).headers['x-dataex-cache']).toBe('MISS');
    expect((await second.gql(privateQuery, carol)).headers['x-dataex-cache']).toBe('HIT');
    expect((await second.gql(privateQuery, dave)).headers['x-dataex-cache']).toBe('MISS');
    const publicQuery = '{ search(first: 2, filter: { sectors: ["D"] }) { edges { node { id title } } } }';
    expect((await stack.gql(publicQuery, undefined, carol)).headers['x-dataex-cache']).toBe('MISS');
    expect((await second.gql(publicQuery, dave)).headers['x-dataex-cache']).toBe('HIT');
  });

  it('a purge on one instance reaches the other', async () => {
    const admin = await apiKey(stack, 'admin');
    const page = await stack.gql('{ search(first: 1, filter: { sectors: ["S"], exchanges: ["shanghai"] }) { edges { node { id } } } }');
    const id = page.data.search.edges[0].node.id;
    const query = `{ dataset(id: "${id}") { id title } }`;
    await stack.gql(query);
    expect((await second.gql(query)).headers['x-dataex-cache']).toBe('HIT');
    // Wait for the purge to reach the other instance (pub/sub), not for a clock.
    const delivered = nextInvalidation(second.cache.bus, (m) => m.kind === 'datasets' && m.ids.includes(id));
    const res = await stack.http('/admin/cache/purge', {
      method: 'POST',
      body: JSON.stringify({ datasetId: id }),
      headers: { 'content-type': 'application/json', ...admin },
    });
    expect(res.status).toBe(200);
    await delivered;
    expect((await second.gql(query)).headers['x-dataex-cache']).toBe('MISS');
  });
});

describe.skipIf(skip)('Redis failure is not an outage', () => {
  // Limits on, in Redis, generous enough that this run never reaches them: every request asks
  // the Redis rate limiter first.
  const LIMITS = 'public=1000/2000,analyst=1000/2000,admin=off';
  /** The documented per-command timeout of the Redis tier (docs/caching.md). */
  const COMMAND_TIMEOUT_MS = 250;
  let redis: PrivateRedis;
  let stack: TestStack;
  const prefix = uniquePrefix();
  let docs = 0;
  /** A document no request has sent before (the response cache cannot know it). */
  const newDocument = () => {
    const n = docs++;
    return `{ n${n}: search(first: 3, orderBy: TITLE_ASC, filter: { sectors: ["${'SILMNQJRDG'[n % 10]}"] }) { totalCount edges { node { id pricing { model } } } } }`;
  };
  const redisKeys = async (pattern: string) => {
    const client = new Redis(redis.url, { maxRetriesPerRequest: 0 });
    client.on('error', () => undefined);
    try {
      return await client.keys(`${prefix}${pattern}`);
    } finally {
      client.disconnect();
    }
  };
  interface Outcome {
    /** A new document (else a repeated one). */
    fresh: boolean;
    ok: boolean;
    status: number;
    cache: unknown;
    start: number;
    ms: number;
    detail: string;
  }
  const send = async (query: string, caller: Record<string, string>, fresh = true): Promise<Outcome> => {
    const start = performance.now();
    const res = await stack.gql(query, undefined, caller).catch((e: Error) => e);
    const ms = performance.now() - start;
    if (res instanceof Error) return { fresh, ok: false, status: 0, cache: undefined, start, ms, detail: res.message };
    const ok = res.status === 200 && !res.errors && !!res.data && Object.values(res.data).every((v: any) => v?.edges?.length > 0);
    return { fresh, ok, status: res.status, cache: res.headers['x-dataex-cache'], start, ms, detail: JSON.stringify(res.errors ?? res.data).slice(0, 200) };
  };
  /** `workers` concurrent loops of `next()` until it returns undefined. */
  const burst = async (workers: number, next: () => (() => Promise<Outcome>) | undefined): Promise<Outcome[]> => {
    const out: Outcome[] = [];
    await Promise.all(
      Array.from({ length: workers }, async () => {
        for (let job = next(); job; job = next()) out.push(await job());
      }),
    );
    return out;
  };
  const analysts = async (n: number, tag: string) => Promise.all(Array.from({ length: n }, (_, i) => apiKey(stack, 'analyst', `${tag}-${i}`)));

  beforeAll(async () => {
    redis = await startPrivateRedis();
    stack = await startTestStack({ DATAEX_REDIS_URL: redis.url, DATAEX_REDIS_PREFIX: prefix, DATAEX_RATE_LIMITS: LIMITS });
  }, 120_000);

  afterAll(async () => {
    await stack?.close();
    redis?.resume();
    await redis?.kill();
  });

  it('keeps answering new documents of key-holding callers while Redis dies mid-burst, and uses Redis again once it is back', async () => {
    // Callers whose keys live in Redis (the key store), each looked up once now and not again
    // before the kill: the gateway remembers a key for 5 s, then must ask Redis again (and,
    // Redis being dead, fall back to the last known answer). Other callers keep the burst going
    // until then.
    const callers = await analysts(4, 'dies');
    const others = await analysts(4, 'dies-warm');
    const firstUse = performance.now();
    for (const c of callers) expect((await send(newDocument(), c)).ok).toBe(true);
    // The rate limiter really works in Redis, and answers are stored there.
    expect((await redisKeys('rl:*')).length).toBeGreaterThan(0);
    expect((await redisKeys('rc:*')).length).toBeGreaterThan(0);

    // Cheap repeated documents until the key memo has run out, then Redis is killed; from then
    // on every request is a new document (answered by executing it: the memory tier cannot know
    // it) from a key-holding caller, until 250 requests have started after Redis was gone.
    const warm = Array.from({ length: 8 }, () => newDocument());
    let i = 0;
    let killing: Promise<void> | undefined;
    let killedAt = Infinity;
    let afterKill = 0;
    const results = await burst(16, () => {
      if (afterKill >= 250) return undefined;
      const n = i++;
      if (!killing && performance.now() - firstUse > 5_200) killing = redis.kill().then(() => void (killedAt = performance.now()));
      // (Paced: these only keep the burst going until the kill.)
      if (killedAt === Infinity) return () => sleep(100).then(() => send(warm[n % warm.length], others[n % others.length], false));
      afterKill++;
      const query = newDocument();
      return () => send(query, callers[n % callers.length]);
    });
    await killing;
    const failed = results.filter((r) => !r.ok);
    expect(failed.map((r) => `${r.status} ${r.detail}`)).toEqual([]);
    const outage = results.filter((r) => r.fresh);
    expect(outage.length).toBe(250);
    expect(outage.filter((r) => r.start < killedAt)).toEqual([]);
    // Every one of them was executed (not served from any cache tier)...
    expect(outage.filter((r) => r.cache !== 'MISS')).toEqual([]);
    // ...while Redis really was gone.
    expect(stack.cache.redis!.status).not.toBe('ready');

    // Back: new entries land in Redis again (it restarts empty, so its keys are gone: anonymous).
    // Each document is sent twice: after 250 new documents (no hit), the cache stores an answer
    // only on its key's second sighting (admission, docs/caching.md).
    await redis.start();
    await until(
      'an answer stored in the restarted Redis',
      async () => {
        const query = newDocument();
        await stack.gql(query, undefined, { authorization: '' });
        await stack.gql(query, undefined, { authorization: '' });
        return (await redisKeys('rc:*')).length > 0 ? true : undefined;
      },
      15_000,
      200,
    );
  }, 90_000);

  it('answers every request within the command timeout plus a margin while Redis hangs (SIGSTOP), and nothing queues', async () => {
    if (redis.pid() === undefined) await redis.start();
    await until('Redis ready again', () => (stack.cache.redis!.status === 'ready' ? true : undefined), 15_000);
    const callers = await analysts(4, 'hangs');
    const WORKERS = 16;
    // Baseline: the same kind of burst (new documents, key-holding callers) with Redis healthy.
    let n = 0;
    const baseline = await burst(WORKERS, () => {
      if (n >= 96) return undefined;
      const query = newDocument();
      const caller = callers[n++ % callers.length];
      return () => send(query, caller);
    });
    expect(baseline.filter((r) => !r.ok).map((r) => r.detail)).toEqual([]);
    const baselineMax = Math.max(...baseline.map((r) => r.ms));

    // Hung: connections stay open, nothing is answered. At most these Redis waits lie on one
    // request's path one after the other, each giving up after the command timeout: at the
    // gateway the key look-up (a key not looked up for 5 s), the rate limiter and the response
    // cache; then the catalog subgraph's shared-nonce check, and the exchange subgraphs' nonce
    // check and upstream cache (the exchanges are asked in parallel, after the catalog).
    const SERIAL_REDIS_WAITS = 6;
    const bound = baselineMax + SERIAL_REDIS_WAITS * COMMAND_TIMEOUT_MS + 1_000;
    redis.pause();
    const pausedAt = performance.now();
    let hung: Outcome[];
    try {
      // 3 s of requests: past the 1 s for which a failing Redis tier is skipped, twice.
      let sent = 0;
      const answered = burst(WORKERS, () => {
        if (performance.now() - pausedAt > 3_000 && sent >= 150) return undefined;
        const query = newDocument();
        const caller = callers[sent++ % callers.length];
        return () => send(query, caller);
      });
      // Nothing waits for Redis to come back: the whole burst is answered while it still hangs.
      hung = (await Promise.race([answered, sleep(30_000).then(() => undefined)])) ?? [];
      expect(hung.length, 'the burst was not answered while Redis hung').toBeGreaterThanOrEqual(150);
    } finally {
      redis.resume();
    }
    const slowest = [...hung]
      .sort((a, b) => b.ms - a.ms)
      .slice(0, 5)
      .map((r) => Math.round(r.ms));
    console.log(`[caching-redis] hung Redis: ${hung.length} requests, baseline max ${Math.round(baselineMax)} ms, slowest ${slowest.join(', ')} ms, bound ${Math.round(bound)} ms`);
    expect(hung.filter((r) => !r.ok).map((r) => `${r.status} ${r.detail}`)).toEqual([]);
    expect(hung.filter((r) => r.cache !== 'MISS')).toEqual([]);
    // Nothing queues: a queue in front of a hung Redis makes each request wait for the ones
    // before it, so waits grow with every request sent while it hangs and soon pass any fixed
    // bound; here every one of them, first to last, stays within it.
    expect(slowest[0]).toBeLessThan(bound);
    const byStart = [...hung].sort((a, b) => a.start - b.start);
    const third = Math.floor(byStart.length / 3);
    const median = (xs: Outcome[]) => xs.map((r) => r.ms).sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    console.log(`[caching-redis] hung Redis: median latency of the first third ${Math.round(median(byStart.slice(0, third)))} ms, of the last third ${Math.round(median(byStart.slice(-third)))} ms`);

    // And Redis is used again after SIGCONT. Each document is sent twice: after the bursts of
    // new documents above (hardly a hit), the cache stores an answer only on its key's second
    // sighting (admission, docs/caching.md).
    const before = (await redisKeys('rc:*')).length;
    await until(
      'an answer stored after SIGCONT',
      async () => {
        const query = newDocument();
        await stack.gql(query, undefined, callers[0]);
        await stack.gql(query, undefined, callers[0]);
        return (await redisKeys('rc:*')).length > before ? true : undefined;
      },
      15_000,
      200,
    );
  }, 90_000);
});
