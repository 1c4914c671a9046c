// Answers never cross callers (issue 16, item 1, and items 8 and 9), in memory and Redis modes:
// keys that share a principal id but not its rights (as key files made before ids were unique
// hold them), a key that took the id `anonymous`, identical requests racing, shared caches in
// front (Cache-Control, Vary), content negotiation, and allow-list mode switched on over a
// warm Redis cache. Each reproduction is sent anonymously and with keys.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { apiKey, simCall, simStats, startExtraGateway, startTestStack, type TestStack } from '../helpers/stack.ts';
import { REDIS_URL, deletePrefix, skipWithoutRedis, uniquePrefix } from '../helpers/redis.ts';
import { newKeyRecord, type ApiKeyRecord, type NewKey } from '../../gateway/auth/keys.ts';

const ID_NUMBER = /\b\d{17}[\dX]\b/;

const MOBILE = /\b1[3-9]\d{9}\b/;
const personal = (rows: unknown) => ID_NUMBER.test(JSON.stringify(rows)) || MOBILE.test(JSON.stringify(rows));

/**
 * Listings the public may see whose samples hold personal information (unmasked for an admin),
 * and one above the public's clearance.
 */
async function pickListings(stack: TestStack, admin: Record<string, string>) {
  const visible = await stack.gql('{ search(first: 100, filter: { containsPersonalInfo: true }) { edges { node { id } } } }', undefined, { authorization: '' });
  const ids: string[] = visible.data.search.edges.map((e: any) => e.node.id);
  const piIds: string[] = [];
  for (const id of ids) {
    const res = await stack.gql(`{ dataset(id: "${id}") { sample(rows: 3) { rows masked } } }`, undefined, { ...admin, 'cache-control': 'no-cache' });
    if (res.data?.dataset?.sample && personal(res.data.dataset.sample.rows)) piIds.push(id);
    if (piIds.length === 4) break;
  }
  const important = await stack.gql('{ search(first: 5, filter: { levels: [IMPORTANT] }) { edges { node { id } } } }', undefined, admin);
  const importantIds: string[] = important.data.search.edges.map((e: any) => e.node.id);
  expect(piIds.length).toBe(4);
  expect(importantIds.length).toBeGreaterThan(0);
  // Listings whose details no one has fetched yet (the subgraphs cache upstream details).
  const fresh = ids.slice(ids.indexOf(piIds[3]) + 1);
  expect(fresh.length).toBeGreaterThan(3);
  return { piIds, importantId: importantIds[0], fresh };
}

/** Resolves once some simulator has received a call since `before` (an execution is on its way). */
async function untilUpstreamCalled(stack: TestStack, before: Record<string, Record<string, number>>): Promise<void> {
  const total = (stats: Record<string, Record<string, number>>) => Object.values(stats).reduce((n, routes) => n + Object.values(routes).reduce((a, b) => a + b, 0), 0);
  const deadline = Date.now() + 10_000;
  while (total(await simStats(stack)) <= total(before)) {
    if (Date.now() > deadline) throw new Error('no upstream call within 10 s');
    await new Promise((r) => setTimeout(r, 5));
  }
}

const sampleQuery = (id: string) => `{ dataset(id: "${id}") { id sample(rows: 3) { rows masked } } }`;

function runSuite(mode: 'memory' | 'redis') {
  describe(`answers never cross callers (${mode})`, () => {
    let stack: TestStack;
    let skip = false;
    let prefix = '';
    let insertRaw: (spec: NewKey) => Promise<Record<string, string>>;
    let admin: Record<string, string>;
    let listings: Awaited<ReturnType<typeof pickListings>>;

    beforeAll(async () => {
      if (mode === 'redis' && (skip = await skipWithoutRedis())) return;
      prefix = uniquePrefix();
      stack = await startTestStack(mode === 'redis' ? { DATAEX_REDIS_URL: REDIS_URL, DATAEX_REDIS_PREFIX: prefix } : {});
      // Keys as a key store written before principal ids were unique may hold them: inserted
      // raw, past the store's own checks.
      insertRaw = async (spec) => {
        const { key, record } = newKeyRecord({ ...spec, principalId: 'placeholder' });
        record.principal.id = spec.principalId;
        if (mode === 'redis') {
          const redis = new Redis(REDIS_URL, { keyPrefix: prefix });
          await redis.hset('keys', record.hash, JSON.stringify(record));
          redis.disconnect();
        } else {
          const file = join(stack.config.dataDir, 'keys.json');
          let records: ApiKeyRecord[] = [];
          try {
            records = JSON.parse(await readFile(file, 'utf8'));
          } catch {
            /* no file yet */
          }
          await writeFile(file, JSON.stringify([...records, record]));
        }
        return { authorization: `Bearer ${key}` };
      };
      admin = await apiKey(stack, 'admin', 'sec-admin');
      listings = await pickListings(stack, admin);
    }, 120_000);

    afterAll(async () => {
      await stack?.close();
      if (mode === 'redis' && !skip) await deletePrefix(prefix);
    });

    it('refuses a second key for a principal id with other rights, and reserved ids', async ({ skip: skipTest }) => {
      if (skip) return skipTest();
      await stack.keys.create({ principalId: 'sec-dup', role: 'analyst' });
      await expect(stack.keys.create({ principalId: 'sec-dup', role: 'admin' })).rejects.toThrow(/already held by key .* with role analyst/);
      await expect(stack.keys.create({ principalId: 'sec-dup', role: 'analyst', personalInfo: true })).rejects.toThrow(/same role and clearance/);
      // The same rights again is a second key of the same principal (rotation): allowed.
      await expect(stack.keys.create({ principalId: 'sec-dup', role: 'analyst' })).resolves.toMatchObject({ record: { principal: { id: 'sec-dup' } } });
      for (const id of ['anonymous', 'Anonymous', 'unknown']) await expect(stack.keys.create({ principalId: id, role: 'analyst' })).rejects.toThrow(/reserved/);
    });

    it('an Authorization header that is not Bearer <key> is refused, not served as anonymous', async ({ skip: skipTest }) => {
      if (skip) return skipTest();
      for (const authorization of ['Basic Zm9vOmJhcg==', 'dx_raw_key_without_scheme']) {
        const res = await stack.gql('{ exchanges { id } }', undefined, { authorization });
        expect(res.status, authorization).toBe(401);
        expect(res.data).toBeUndefined();
        expect(res.errors?.[0]).toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
        expect(res.errors?.[0].message).toMatch(/Bearer <API key>/);
      }
    });

    it("a public key sharing an admin key's principal id never gets the admin's unmasked sample (cache hit)", async ({ skip: skipTest }) => {
      if (skip) return skipTest();
      const rootAdmin = await insertRaw({ principalId: 'sec-root', role: 'admin' });
      const rootPublic = await insertRaw({ principalId: 'sec-root', role: 'public' });
      const query = sampleQuery(listings.piIds[0]);
      const first = await stack.gql(query, undefined, rootAdmin);
      expect(first.status).toBe(200);
      expect(first.data.dataset.sample.masked).toBe(false);
      expect(personal(first.data.dataset.sample.rows)).toBe(true);
      const second = await stack.gql(query, undefined, rootAdmin);
      expect(second.headers['x-dataex-cache']).toBe('HIT'); // the admin's answer is stored

      const other = await stack.gql(query, undefined, rootPublic);
      expect(other.status).toBe(200);
      expect(other.headers['x-dataex-cache']).not.toBe('HIT');
      expect(other.data.dataset.sample.masked).toBe(true);
      expect(personal(other.data.dataset.sample.rows)).toBe(false);
      // And keyless callers never see it either.
      const anonymous = await stack.gql(query, undefined, { authorization: '' });
      expect(anonymous.headers['x-dataex-cache']).not.toBe('HIT');
      expect(anonymous.data.dataset.sample.masked).toBe(true);
    });

    it('identical requests racing from two keys of one principal id with other rights do not share one execution', async ({ skip: skipTest }) => {
      if (skip) return skipTest();
      const raceAdmin = await insertRaw({ principalId: 'sec-race', role: 'admin' });
      const racePublic = await insertRaw({ principalId: 'sec-race', role: 'public' });
      // Slow upstreams: the admin's execution is still on its way when the public key asks.
      const sims = Object.values(stack.simulators).map((sim) => sim!.url);
      for (const url of sims) await simCall(url, 'POST', '/__sim/faults', { mode: 'slow', latencyMs: 600 });
      try {
        const query = sampleQuery(listings.fresh[0]);
        let before = await simStats(stack);
        const adminAnswer = stack.gql(query, undefined, { ...raceAdmin, 'cache-control': 'no-cache' });
        await untilUpstreamCalled(stack, before);
        const publicAnswer = await stack.gql(query, undefined, { ...racePublic, 'cache-control': 'no-cache' });
        const adminResult = await adminAnswer;
        expect(adminResult.data.dataset.sample.masked).toBe(false);
        expect(publicAnswer.headers['x-dataex-cache']).not.toBe('COALESCED');
        expect(publicAnswer.data.dataset.sample.masked).toBe(true);
        expect(personal(publicAnswer.data.dataset.sample.rows)).toBe(false);

        // Control: the same caller racing itself does share (so the race above was real).
        before = await simStats(stack);
        const again = [stack.gql(sampleQuery(listings.fresh[1]), undefined, { ...raceAdmin, 'cache-control': 'no-cache' })];
        await untilUpstreamCalled(stack, before);
        again.push(stack.gql(sampleQuery(listings.fresh[1]), undefined, { ...raceAdmin, 'cache-control': 'no-cache' }));
        const states = (await Promise.all(again)).map((r) => r.headers['x-dataex-cache']);
        expect(states).toContain('COALESCED');
      } finally {
        for (const url of sims) await simCall(url, 'POST', '/__sim/faults', { mode: 'none' });
      }
    });

    it('an analyst key that took the id `anonymous` does not fill the cache for keyless callers', async ({ skip: skipTest }) => {
      if (skip) return skipTest();
      const squatter = await insertRaw({ principalId: 'anonymous', role: 'analyst' });
      const query = `{ dataset(id: "${listings.importantId}") { id title sample(rows: 2) { masked } } }`;
      const analyst = await stack.gql(query, undefined, squatter);
      expect(analyst.data.dataset.id).toBe(listings.importantId);
      const keyless = await stack.gql(query, undefined, { authorization: '' });
      expect(keyless.headers['x-dataex-cache']).not.toBe('HIT');
      expect(keyless.data?.dataset ?? null).toBeNull();
      expect(keyless.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    });

    it('answers to a caller with a key are private and every answer varies on credentials and Accept', async ({ skip: skipTest }) => {
      if (skip) return skipTest();
      const query = '{ exchanges { id datasetCount } }';
      for (let i = 0; i < 2; i++) {
        // Miss, then hit: both go out private to the admin.
        const keyed = await stack.gql(query, undefined, admin);
        expect(keyed.status).toBe(200);
        expect(keyed.headers['x-dataex-cache']).toBe(i === 0 ? 'MISS' : 'HIT');
        expect(String(keyed.headers['cache-control'])).toMatch(/\bprivate\b/);
        expect(String(keyed.headers['cache-control'])).not.toMatch(/\bpublic\b/);
        expect(String(keyed.headers.vary)).toMatch(/authorization/i);
      }
      const publicKey = await apiKey(stack, 'public');
      for (const headers of [{ authorization: '' }, publicKey, { authorization: '' }]) {
        const res = await stack.gql(query, undefined, headers);
        const expected = headers.authorization ? /\bprivate\b/ : /\bpublic\b/;
        expect(String(res.headers['cache-control'])).toMatch(expected);
        expect(String(res.headers.vary)).toMatch(/x-api-key/i);
      }
    });

    it('a hit never replays another Accept header’s Content-Type', async ({ skip: skipTest }) => {
      if (skip) return skipTest();
      const body = JSON.stringify({ query: '{ exchanges { id name } }' });
      const send = (accept: string) => stack.http('/graphql', { method: 'POST', body, headers: { 'content-type': 'application/json', accept } });
      const json = await send('application/json');
      expect(json.headers['content-type']).toMatch(/^application\/json/);
      expect((await send('application/json')).headers['x-dataex-cache']).toBe('HIT');
      const spec = await send('application/graphql-response+json');
      expect(spec.status).toBe(200);
      expect(spec.headers['content-type']).toMatch(/^application\/graphql-response\+json/);
      expect(JSON.parse(spec.text).data.exchanges.length).toBeGreaterThan(0);
    });

    if (mode === 'redis') {
      it('allow-list mode refuses an ad-hoc document that a warm Redis cache holds', async ({ skip: skipTest }) => {
        if (skip) return skipTest();
        const query = '{ exchanges { id status } }';
        await stack.gql(query, undefined, { authorization: '' });
        expect((await stack.gql(query, undefined, { authorization: '' })).headers['x-dataex-cache']).toBe('HIT');
        const strict = await startExtraGateway(stack, { DATAEX_REDIS_URL: REDIS_URL, DATAEX_REDIS_PREFIX: prefix, DATAEX_ONLY_SAVED: 'true', DATAEX_RATE_LIMITS: 'off' });
        try {
          // Anonymous and a public key: refused before the cache is looked at.
          for (const headers of [{}, await apiKey(stack, 'public')]) {
            const res = await strict.gql(query, headers);
            expect(res.status).toBe(403);
            expect(res.headers['x-dataex-cache']).toBeUndefined();
            expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
            expect(res.data).toBeUndefined();
          }
          // An admin may still run it ad hoc.
          expect((await strict.gql(query, admin)).data.exchanges.length).toBeGreaterThan(0);
        } finally {
          await strict.close();
        }
      });
    }
  });
}

runSuite('memory');
runSuite('redis');
