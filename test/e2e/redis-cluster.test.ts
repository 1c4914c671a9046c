// Every Redis use on a real Redis Cluster (three masters, three replicas, started here from
// Debian's redis-server on free ports): two gateway instances share the response cache, APQ,
// saved queries, API keys, rate limits, the audit stream and purges; then a master is killed
// in the middle of a burst and every request is still answered, and the cache works again
// once its replica has taken over.

import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { apiKey, nextInvalidation, startExtraGateway, startTestStack, until, type TestStack } from '../helpers/stack.ts';
import { uniquePrefix } from '../helpers/redis.ts';
import { clusterKeys, skipWithoutRedisCluster, startRedisCluster, type TestRedisCluster } from '../helpers/redis-cluster.ts';
import { RedisKeyStore } from '../../gateway/auth/keys.ts';
import { isCluster } from '../../lib/redis.ts';
import { keySlot } from '../../lib/cache/slots.ts';
import { EXCHANGES } from '../../subgraphs/exchanges.ts';

const skip = skipWithoutRedisCluster();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(skip)('Redis Cluster: every Redis use, two gateway instances, a master failing over', () => {
  const prefix = uniquePrefix();
  let cluster: TestRedisCluster;
  let env: Record<string, string>;
  let stack: TestStack;
  let second: Awaited<ReturnType<typeof startExtraGateway>>;
  let secondBase: string;
  let admin: Record<string, string>;

  /** A raw call to the second instance (any path, any body). */
  const onSecond = async (path: string, init: { method?: string; body?: string; headers?: Record<string, string> } = {}) => {
    const res = await request(secondBase + path, { method: (init.method ?? 'GET') as any, body: init.body, headers: init.headers });
    return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
  };

  beforeAll(async () => {
    cluster = await startRedisCluster();
    env = {
      DATAEX_REDIS_CLUSTER: cluster.seeds.join(','),
      DATAEX_REDIS_PREFIX: prefix,
      DATAEX_RATE_LIMITS: 'public=0.5/3,analyst=off,admin=off',
    };
    // Analyst by default: anonymous callers share one public bucket per address.
    stack = await startTestStack(env, { as: 'analyst' });
    second = await startExtraGateway(stack, env);
    secondBase = second.gateway.url.replace(/\/graphql$/, '');
    admin = await apiKey(stack, 'admin', 'cluster-admin');
  }, 90_000);

  afterAll(async () => {
    await second?.close();
    await stack?.close();
    await cluster?.stop();
  });

  it('runs on the cluster: one cluster connection, keys in the cluster store', async () => {
    expect(stack.cache.redis && isCluster(stack.cache.redis)).toBe(true);
    expect(stack.keys).toBeInstanceOf(RedisKeyStore);
    expect((await stack.http('/readyz')).status).toBe(200);
  });

  it('shares the response cache: an answer cached by one instance is a HIT on the other', async () => {
    const query = '{ search(first: 10, filter: { sectors: ["N"] }) { edges { node { id title headlinePrice { text } } } } }';
    const first = await stack.gql(query);
    expect(first.status).toBe(200);
    expect(first.headers['x-dataex-cache']).toBe('MISS');
    const other = await second.gql(query, { authorization: (await apiKey(stack, 'analyst', 'cluster-analyst-2')).authorization });
    expect(other.headers['x-dataex-cache']).toBe('HIT');
    expect(other.data).toEqual(first.data);
    // The entries are in the cluster, hash-tagged by request digest, on more than one master
    // once a few answers are stored.
    for (let i = 0; i < 12; i++) await stack.gql(`{ spread${i}: exchanges { id } }`);
    const keys = await clusterKeys(cluster, `${prefix}rc:{*`);
    expect(keys.length).toBeGreaterThan(10);
    const masters = new Set(await Promise.all(keys.map((k) => cluster.masterOf(keySlot(k)))));
    expect(masters.size).toBeGreaterThan(1);
  });

  it('shares APQ: a document registered on one instance runs by hash on the other', async () => {
    const query = '{ exchanges { id name status } }';
    const sha256Hash = createHash('sha256').update(query).digest('hex');
    const byHash = JSON.stringify({ extensions: { persistedQuery: { version: 1, sha256Hash } } });
    const json = { 'content-type': 'application/json', ...admin };
    const unknown = JSON.parse((await onSecond('/graphql', { method: 'POST', headers: json, body: byHash })).text);
    expect(unknown.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    const register = await stack.http('/graphql', { method: 'POST', headers: json, body: JSON.stringify({ query, extensions: { persistedQuery: { version: 1, sha256Hash } } }) });
    expect(JSON.parse(register.text).data.exchanges).toHaveLength(EXCHANGES.length);
    const known = JSON.parse((await onSecond('/graphql', { method: 'POST', headers: { ...json, 'cache-control': 'no-cache' }, body: byHash })).text);
    expect(known.errors).toBeUndefined();
    expect(known.data.exchanges.map((e: any) => e.id)).toEqual(EXCHANGES.map((e) => e.id));
  });

  it('shares saved queries: saved on one instance, listed and run on the other', async () => {
    const analyst = await apiKey(stack, 'analyst', 'cluster-saver');
    const put = await stack.http('/saved-queries/cluster-status', {
      method: 'PUT',
      headers: { 'content-type': 'application/json', ...analyst },
      body: JSON.stringify({ document: '{ exchanges { id status } }', description: 'on the cluster' }),
    });
    expect(put.status, put.text).toBe(201);
    const listed = JSON.parse((await onSecond('/saved-queries')).text);
    const names = listed.savedQueries.map((q: any) => q.name);
    expect(names).toContain('cluster-status');
    const run = await onSecond('/saved-queries/cluster-status/run?format=csv');
    expect(run.status).toBe(200);
    expect(run.text.trim().split('\r\n')).toHaveLength(EXCHANGES.length + 1);
  });

  it('shares API keys: a key created in the deployment store works on both instances', async () => {
    const { key, record } = await stack.keys.create({ principalId: 'cluster-key-user', role: 'analyst' });
    const q = '{ search(first: 1, filter: { sectors: ["S"] }) { edges { node { id pricing { text } } } } }';
    const a = await stack.gql(q, undefined, { authorization: `Bearer ${key}` });
    const b = await second.gql(q, { authorization: `Bearer ${key}` });
    expect(a.errors).toBeUndefined();
    expect(b.errors).toBeUndefined();
    expect((await stack.keys.list()).map((r) => r.keyId)).toContain(record.keyId);
    expect(await clusterKeys(cluster, `${prefix}keys`)).toEqual([`${prefix}keys`]);
    const unknown = await second.gql(q, { authorization: 'Bearer dx_not-a-key' });
    expect(unknown.status).toBe(401);
  });

  it('shares rate limits: a public burst spent across both instances is refused', async () => {
    const pub = await apiKey(stack, 'public', 'cluster-public');
    const q = '{ exchanges { id } }';
    const statuses = [(await stack.gql(q, undefined, pub)).status, (await second.gql(q, pub)).status, (await stack.gql(q, undefined, pub)).status, (await second.gql(q, pub)).status];
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect(await clusterKeys(cluster, `${prefix}rl:*`)).not.toHaveLength(0);
  });

  it('shares the audit stream: each instance reads the lines of the other', async () => {
    const a = await apiKey(stack, 'analyst', 'audit-on-first');
    const b = await apiKey(stack, 'analyst', 'audit-on-second');
    await stack.gql('{ exchanges { id } }', undefined, a);
    await second.gql('{ exchanges { name } }', b);
    const read = async (via: 'stack' | 'second', principal: string) => {
      for (let i = 0; i < 40; i++) {
        const res = via === 'stack' ? await stack.http(`/admin/audit?principal=${principal}`, { headers: admin }) : await onSecond(`/admin/audit?principal=${principal}`, { headers: admin });
        expect(res.status).toBe(200);
        const entries = JSON.parse(res.text).entries;
        if (entries.length > 0) return entries;
        await sleep(50);
      }
      return [];
    };
    expect(await read('second', 'audit-on-first')).toHaveLength(1);
    expect(await read('stack', 'audit-on-second')).toHaveLength(1);
    expect(await clusterKeys(cluster, `${prefix}audit`)).toHaveLength(1);
  });

  it('purges across instances: by dataset (tags spanning slots) and everything (every master)', async () => {
    const page = await stack.gql('{ search(first: 1, filter: { sectors: ["S"], exchanges: ["shanghai"] }) { edges { node { id } } } }');
    const id = page.data.search.edges[0].node.id;
    const query = `{ dataset(id: "${id}") { id title } }`;
    const other = await apiKey(stack, 'analyst', 'cluster-purge');
    await stack.gql(query);
    expect((await second.gql(query, other)).headers['x-dataex-cache']).toBe('HIT');
    const purge = (body: unknown) => stack.http('/admin/cache/purge', { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...admin } });
    // Wait for the purge to reach the other instance (pub/sub), not for a clock.
    const byId = nextInvalidation(second.cache.bus, (m) => m.kind === 'datasets' && m.ids.includes(id));
    const res = await purge({ datasetId: id });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text).responseEntries).toBeGreaterThan(0);
    await byId;
    expect((await second.gql(query, other)).headers['x-dataex-cache']).toBe('MISS');

    expect((await clusterKeys(cluster, `${prefix}rc:{*`)).length).toBeGreaterThan(0);
    const all = nextInvalidation(second.cache.bus, (m) => m.kind === 'all');
    expect((await purge({ all: true })).status).toBe(200);
    await all;
    // Every master scanned and emptied (the scan may outlive the response's own deadline).
    await until('no response-cache keys left on any master', async () => ((await clusterKeys(cluster, `${prefix}rc:*`)).length === 0 ? true : undefined));
    expect((await second.gql(query, other)).headers['x-dataex-cache']).toBe('MISS');
  });

  it('answers every request of a burst while a master dies, and caches in the cluster again after the failover', async () => {
    // Kill the master that holds the API keys (the burst's callers are looked up there).
    const victim = await cluster.masterOf(keySlot(`${prefix}keys`));
    const caller = await apiKey(stack, 'analyst', 'burst-caller');
    const cached = Array.from(
      { length: 12 },
      (_, i) => `{ c${i}: search(first: 3, orderBy: TITLE_ASC, filter: { sectors: ["${'SILMNQJRDG'[i % 10]}"] }) { totalCount edges { node { id headlinePrice { text } } } } }`,
    );
    for (const q of cached) await stack.gql(q, undefined, caller);

    const results: Array<{ i: number; start: number; end: number; ok: boolean; status: number }> = [];
    let next = 0;
    let killedAt = 0;
    let healthyAt = 0;
    let failover: Promise<void> | undefined;
    const worker = async () => {
      // At least 400 requests, and on until a second after the replica has taken over (capped).
      const more = () => next < 400 || healthyAt === 0 || Date.now() < healthyAt + 1_000;
      while (more() && next < 5_000 && !(killedAt > 0 && Date.now() - killedAt > 25_000)) {
        const i = next++;
        if (i === 100) {
          killedAt = Date.now();
          failover = cluster
            .kill(victim)
            .then(() => cluster.waitHealthy(20_000))
            .then(() => void (healthyAt = Date.now()));
        }
        const q = i % 2 === 0 ? cached[i % cached.length] : `{ u${i}: search(first: 2, filter: { sectors: ["${'SILMNQJRDG'[i % 10]}"] }) { totalCount edges { node { id headlinePrice { text } } } } }`;
        const via = i % 3 === 0 ? (query: string) => second.gql(query, caller) : (query: string) => stack.gql(query, undefined, caller);
        const start = Date.now();
        const res = await via(q).catch(() => undefined);
        const ok = !!res && res.status === 200 && !res.errors && !!res.data;
        results.push({ i, start, end: Date.now(), ok, status: res?.status ?? 0 });
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    await failover;

    const failed = results.filter((r) => !r.ok);
    const before = results.filter((r) => r.end < killedAt);
    const after = results.filter((r) => r.start >= killedAt);
    const latencies = after.map((r) => r.end - r.start).sort((a, b) => a - b);
    const baselineMax = Math.max(...before.map((r) => r.end - r.start));
    const slow = after.filter((r) => r.end - r.start > 500);
    const blipMs = slow.length > 0 ? Math.max(...slow.map((r) => r.end)) - killedAt : 0;
    // What one request may wait on the dead master's slots, by configuration: each cache
    // operation gives up after 500 ms (docs/caching.md), and an API key look-up, retried by the cluster
    // client (maxRedirections 16 × retryDelayOnFailover 100 ms, lib/redis.ts), falls back to the
    // key's last known answer; on one request's path: the key, the response cache, the catalog's
    // and an exchange's upstream cache, one after the other.
    const OP_DEADLINE_MS = 500;
    const KEY_RETRIES_MS = 16 * 100;
    const bound = baselineMax + KEY_RETRIES_MS + 3 * OP_DEADLINE_MS + 1_000;
    console.log(
      `[redis-cluster] ${results.length} requests, ${failed.length} failed; killed master ${victim}; replica promoted after ${healthyAt - killedAt} ms; ` +
        `latency before the kill max ${baselineMax} ms; after the kill p50 ${latencies[Math.floor(latencies.length / 2)]} ms, max ${latencies[latencies.length - 1]} ms (bound ${bound} ms); ` +
        `${slow.length} requests slower than 500 ms, the last ending ${blipMs} ms after the kill`,
    );
    expect(healthyAt).toBeGreaterThan(0);
    expect(results.length).toBeGreaterThanOrEqual(400);
    expect(before.length).toBeGreaterThan(0);
    expect(results.filter((r) => r.start >= healthyAt).length).toBeGreaterThan(0);
    expect(failed).toEqual([]);
    // Nothing waits for the failover itself: requests sent after the kill were answered while
    // the master was still dead (the outage lasts at least the 1 s node timeout)...
    expect(after.filter((r) => r.end < healthyAt).length).toBeGreaterThan(0);
    // ...each within what the operations that give up on the dead master's slots may cost,
    // on top of this run's own latency before the kill (not a wall-clock figure).
    expect(latencies[latencies.length - 1]).toBeLessThan(bound);

    // After the failover the cache works again: a new answer lands in the cluster and the
    // other instance (whose memory tier never saw it) serves it as a HIT.
    const other = await apiKey(stack, 'analyst', 'after-failover');
    let hit = false;
    for (let attempt = 0; attempt < 40 && !hit; attempt++) {
      const q = `{ back${attempt}: exchanges { id name } }`;
      await stack.gql(q);
      hit = (await second.gql(q, other)).headers['x-dataex-cache'] === 'HIT';
      if (!hit) await sleep(250);
    }
    expect(hit).toBe(true);
    expect(await cluster.masters()).not.toContain(victim);
    expect((await stack.keys.list()).length).toBeGreaterThan(0);
  }, 60_000);
});
