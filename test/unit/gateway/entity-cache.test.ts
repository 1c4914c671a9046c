// The entity cache (gateway/entity-cache.ts): per-entity answers of `_entities` fetches, kept
// only when PUBLIC, error-free and not stale, for the subgraph's max-age, and never shared
// between callers of different access classes (role, clearance, personal information).

import { afterEach, describe, expect, it, vi } from 'vitest';
import { EntityCache, cacheHintOf, fetchThroughEntityCache } from '../../../gateway/entity-cache.ts';
import { ANONYMOUS, DEFAULT_CLEARANCE, type Principal } from '../../../lib/principal.ts';

const T0 = 1_700_000_000_000;

describe('EntityCache: get, set, expiry, bounds', () => {
  it('answers a stored entity until its max-age has passed, then forgets it', () => {
    const cache = new EntityCache();
    cache.set('k', { id: 'b1', price: 3 }, 60, T0);
    expect(cache.get('k', T0)).toEqual({ value: { id: 'b1', price: 3 }, expiresAt: T0 + 60_000 });
    expect(cache.get('k', T0 + 59_999)?.value).toEqual({ id: 'b1', price: 3 });
    // Expired exactly at expiresAt, and dropped on that read.
    expect(cache.get('k', T0 + 60_000)).toBeUndefined();
    expect(cache.size).toBe(0);
    expect(cache.get('k', T0)).toBeUndefined();
    expect(cache.get('never-set', T0)).toBeUndefined();
  });

  it('keeps nothing for a max-age of 0 or less', () => {
    const cache = new EntityCache();
    cache.set('zero', { id: 1 }, 0, T0);
    cache.set('negative', { id: 2 }, -5, T0);
    expect(cache.size).toBe(0);
    expect(cache.get('zero', T0)).toBeUndefined();
  });

  it('hands every reader its own copy: neither the writer nor a reader can change what the next one reads', () => {
    const cache = new EntityCache();
    const written = { id: 'b1', nested: { level: 'GENERAL' } };
    cache.set('k', written, 60, T0);
    written.nested.level = 'CORE';
    const first = cache.get('k', T0)!.value as typeof written;
    expect(first.nested.level).toBe('GENERAL');
    first.nested.level = 'IMPORTANT';
    const second = cache.get('k', T0)!.value as typeof written;
    expect(second.nested.level).toBe('GENERAL');
    expect(second).not.toBe(first);
  });

  it('holds at most maxEntries, dropping the least recently used', () => {
    const cache = new EntityCache(3);
    cache.set('a', 'A', 60, T0);
    cache.set('b', 'B', 60, T0);
    cache.set('c', 'C', 60, T0);
    expect(cache.get('a', T0)?.value).toBe('A'); // a is now the most recently used
    cache.set('d', 'D', 60, T0);
    expect(cache.size).toBe(3);
    expect(cache.get('b', T0)).toBeUndefined();
    expect(cache.get('a', T0)?.value).toBe('A');
    expect(cache.get('c', T0)?.value).toBe('C');
    expect(cache.get('d', T0)?.value).toBe('D');
  });

  it('clear() drops everything', () => {
    const cache = new EntityCache();
    cache.set('a', 1, 60, T0);
    cache.set('b', 2, 60, T0);
    cache.clear();
    expect(cache.size).toBe(0);
    expect(cache.get('a', T0)).toBeUndefined();
  });

  it('scopes differ by subgraph, selection, other variables and access class; keys by representation', () => {
    const cache = new EntityCache();
    const base = cache.scope('beijing', 'query { x }', '{}', 'public|GENERAL|2|-');
    expect(cache.scope('beijing', 'query { x }', '{}', 'public|GENERAL|2|-')).toBe(base);
    const others = [
      cache.scope('shanghai', 'query { x }', '{}', 'public|GENERAL|2|-'),
      cache.scope('beijing', 'query { y }', '{}', 'public|GENERAL|2|-'),
      cache.scope('beijing', 'query { x }', '{"rows":5}', 'public|GENERAL|2|-'),
      cache.scope('beijing', 'query { x }', '{}', 'analyst|IMPORTANT|*|-'),
    ];
    expect(new Set([base, ...others]).size).toBe(5);
    const rep = { __typename: 'BeijingDataset', id: 'b1' };
    expect(cache.key(base, rep)).toBe(cache.key(base, { __typename: 'BeijingDataset', id: 'b1' }));
    expect(cache.key(base, rep)).not.toBe(cache.key(base, { __typename: 'BeijingDataset', id: 'b2' }));
    expect(cache.key(base, rep)).not.toBe(cache.key(others[3], rep));
  });
});

describe('cacheHintOf', () => {
  it("reads max-age and private-ness of a subgraph's Cache-Control", () => {
    expect(cacheHintOf(undefined)).toEqual({ maxAgeS: 0, private: false });
    expect(cacheHintOf(null)).toEqual({ maxAgeS: 0, private: false });
    expect(cacheHintOf('')).toEqual({ maxAgeS: 0, private: false });
    expect(cacheHintOf('max-age=60, public')).toEqual({ maxAgeS: 60, private: false });
    expect(cacheHintOf('public, max-age=30')).toEqual({ maxAgeS: 30, private: false });
    expect(cacheHintOf('MAX-AGE=15')).toEqual({ maxAgeS: 15, private: false });
    expect(cacheHintOf('max-age=60, private')).toEqual({ maxAgeS: 60, private: true });
    expect(cacheHintOf('no-store')).toEqual({ maxAgeS: 0, private: true });
    // s-maxage is not max-age.
    expect(cacheHintOf('s-maxage=60')).toEqual({ maxAgeS: 0, private: false });
  });
});

// ---- fetchThroughEntityCache ----------------------------------------------------------------

const ENTITY_QUERY = 'query E($representations: [_Any!]!, $rows: Int) { _entities(representations: $representations) { ... on BeijingDataset { id price } } }';

const rep = (id: string) => ({ __typename: 'BeijingDataset', id });
const entity = (id: string) => ({ __typename: 'BeijingDataset', id, price: id.length });

const analyst: Principal = { id: 'k-analyst', role: 'analyst', ...DEFAULT_CLEARANCE.analyst };
const publicKey: Principal = { id: 'k-public', role: 'public', ...DEFAULT_CLEARANCE.public };
const publicGrade3: Principal = { id: 'k-public-3', role: 'public', clearance: { maxLevel: 'GENERAL', maxGrade: 3 }, personalInfo: false };
const publicPi: Principal = { id: 'k-public-pi', role: 'public', clearance: { ...DEFAULT_CLEARANCE.public.clearance }, personalInfo: true };

interface Options {
  principal?: Principal;
  representations?: unknown[];
  query?: string;
  rows?: number;
}

function fetchOptions({ principal = ANONYMOUS, representations = [rep('b1')], query = ENTITY_QUERY, rows }: Options = {}) {
  const restricts: Array<{ maxAge?: number }> = [];
  const options = {
    kind: 'incoming operation',
    request: { query, variables: { representations, ...(rows === undefined ? {} : { rows }) } },
    context: { principal, stale: new Set<string>(), outcome: {} },
    incomingRequestContext: { overallCachePolicy: { restrict: (hint: { maxAge?: number }) => restricts.push(hint) } },
    pathInIncomingRequest: ['search', 'edges', '@', 'node'],
  };
  return { options: options as never, restricts };
}

interface Reply {
  entities?: unknown[] | null;
  errors?: Array<{ message: string; path?: Array<string | number> }>;
  headers?: Record<string, string>;
}

/** A subgraph that answers each entity it is sent with `entity(id)` (or per `reply`), recording what it was sent. */
function subgraph(reply: (sent: Array<{ id: string }>) => Reply = (sent) => ({ entities: sent.map((r) => entity(r.id)) })) {
  const calls: Array<Array<{ id: string }>> = [];
  const send = async (options: { request: { variables?: Record<string, unknown> } }) => {
    const sent = options.request.variables!.representations as Array<{ id: string }>;
    calls.push(sent);
    const r = reply(sent);
    return {
      ...(r.entities === undefined ? {} : { data: r.entities === null ? null : { _entities: r.entities } }),
      ...(r.errors ? { errors: r.errors } : {}),
      http: { headers: new Headers({ 'cache-control': 'max-age=60, public', ...r.headers }) },
    } as never;
  };
  return { send, calls };
}

const idsOf = (sent: Array<{ id: string }>) => sent.map((r) => r.id);

describe('fetchThroughEntityCache', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('sends only the representations without a fresh cached answer, and reassembles the answer in order', async () => {
    const cache = new EntityCache();
    const sg = subgraph();
    const first = await fetchThroughEntityCache(cache, 'beijing', fetchOptions({ representations: [rep('b1'), rep('b22')] }).options, sg.send);
    expect(first.data).toEqual({ _entities: [entity('b1'), entity('b22')] });
    expect(cache.size).toBe(2);
    expect(cache.misses).toBe(2);

    const { options, restricts } = fetchOptions({ representations: [rep('b1'), rep('b333'), rep('b22')] });
    const second = await fetchThroughEntityCache(cache, 'beijing', options, sg.send);
    expect(sg.calls.map(idsOf)).toEqual([['b1', 'b22'], ['b333']]);
    expect(second.data).toEqual({ _entities: [entity('b1'), entity('b333'), entity('b22')] });
    expect(cache.hits).toBe(2);
    expect(cache.misses).toBe(3);
    // Hits bound the answer's cache policy by what is left of their max-age.
    expect(restricts).toHaveLength(1);
    expect(restricts[0].maxAge).toBeGreaterThanOrEqual(59);
    expect(restricts[0].maxAge).toBeLessThanOrEqual(60);
  });

  it('answers a fetch whose entities are all cached without calling the subgraph', async () => {
    const cache = new EntityCache();
    const sg = subgraph();
    await fetchThroughEntityCache(cache, 'beijing', fetchOptions({ representations: [rep('b1'), rep('b2')] }).options, sg.send);
    const again = await fetchThroughEntityCache(cache, 'beijing', fetchOptions({ representations: [rep('b2'), rep('b1')] }).options, sg.send);
    expect(sg.calls).toHaveLength(1);
    expect(again).toEqual({ data: { _entities: [entity('b2'), entity('b1')] } });
  });

  it('never serves an entity cached for one access class to a caller of another', async () => {
    const cache = new EntityCache();
    const sg = subgraph();
    await fetchThroughEntityCache(cache, 'beijing', fetchOptions({ principal: analyst }).options, sg.send);
    expect(sg.calls).toHaveLength(1);
    for (const other of [ANONYMOUS, publicGrade3, publicPi]) {
      const before = sg.calls.length;
      await fetchThroughEntityCache(cache, 'beijing', fetchOptions({ principal: other }).options, sg.send);
      expect(sg.calls.length, `${other.id} must not read the analyst's entity`).toBe(before + 1);
    }
    // ANONYMOUS cached its own: the analyst still gets the analyst's, a public key of the same class shares the public one.
    const calls = sg.calls.length;
    await fetchThroughEntityCache(cache, 'beijing', fetchOptions({ principal: analyst }).options, sg.send);
    await fetchThroughEntityCache(cache, 'beijing', fetchOptions({ principal: publicKey }).options, sg.send);
    expect(sg.calls.length).toBe(calls);
  });

  it('keys on subgraph, selection and the other variables', async () => {
    const cache = new EntityCache();
    const sg = subgraph();
    await fetchThroughEntityCache(cache, 'beijing', fetchOptions({ rows: 5 }).options, sg.send);
    await fetchThroughEntityCache(cache, 'shanghai', fetchOptions({ rows: 5 }).options, sg.send);
    await fetchThroughEntityCache(cache, 'beijing', fetchOptions({ rows: 6 }).options, sg.send);
    await fetchThroughEntityCache(cache, 'beijing', fetchOptions({ rows: 5, query: ENTITY_QUERY.replace('id price', 'id') }).options, sg.send);
    expect(sg.calls).toHaveLength(4);
    await fetchThroughEntityCache(cache, 'beijing', fetchOptions({ rows: 5 }).options, sg.send);
    expect(sg.calls).toHaveLength(4);
  });

  it('keeps nothing from a private, uncacheable or stale answer', async () => {
    const cases: Array<Record<string, string>> = [{ 'cache-control': 'max-age=60, private' }, { 'cache-control': 'no-store' }, { 'cache-control': 'public' }, { 'x-dataex-stale': 'beijing' }];
    for (const headers of cases) {
      const cache = new EntityCache();
      const sg = subgraph((sent) => ({ entities: sent.map((r) => entity(r.id)), headers }));
      const response = await fetchThroughEntityCache(cache, 'beijing', fetchOptions().options, sg.send);
      expect(response.data).toEqual({ _entities: [entity('b1')] });
      expect(cache.size, JSON.stringify(headers)).toBe(0);
    }
  });

  it('keeps neither null entities nor entities with errors, and points errors at the original positions', async () => {
    const cache = new EntityCache();
    const warm = subgraph();
    await fetchThroughEntityCache(cache, 'beijing', fetchOptions({ representations: [rep('b0')] }).options, warm.send);
    const sg = subgraph((sent) => ({
      entities: [entity(sent[0].id), null, entity(sent[2].id)],
      errors: [
        { message: 'no such listing', path: ['_entities', 1] },
        { message: 'detail failed', path: ['_entities', 2, 'price'] },
      ],
    }));
    const response = await fetchThroughEntityCache(cache, 'beijing', fetchOptions({ representations: [rep('b0'), rep('b1'), rep('b2'), rep('b3')] }).options, sg.send);
    expect(sg.calls.map(idsOf)).toEqual([['b1', 'b2', 'b3']]);
    expect(response.data).toEqual({ _entities: [entity('b0'), entity('b1'), null, entity('b3')] });
    expect(response.errors?.map((e) => e.path)).toEqual([
      ['_entities', 2],
      ['_entities', 3, 'price'],
    ]);
    // b1 came back clean; b2 was null, b3 had an error: neither is kept.
    const probe = subgraph();
    await fetchThroughEntityCache(cache, 'beijing', fetchOptions({ representations: [rep('b1'), rep('b2'), rep('b3')] }).options, probe.send);
    expect(probe.calls.map(idsOf)).toEqual([['b2', 'b3']]);
  });

  it('keeps nothing from an answer with an error that names no entity (it may concern any of them)', async () => {
    const cache = new EntityCache();
    const sg = subgraph((sent) => ({ entities: sent.map((r) => entity(r.id)), errors: [{ message: 'detail batch failed' }] }));
    const response = await fetchThroughEntityCache(cache, 'beijing', fetchOptions({ representations: [rep('b1'), rep('b2')] }).options, sg.send);
    expect(response.errors).toEqual([{ message: 'detail batch failed' }]);
    expect(cache.size).toBe(0);
  });

  it('maps error paths back even when the subgraph sent no entities (an HTTP 400 with errors)', async () => {
    const cache = new EntityCache();
    await fetchThroughEntityCache(cache, 'beijing', fetchOptions({ representations: [rep('b0')] }).options, subgraph().send);
    const sg = subgraph(() => ({ entities: undefined, errors: [{ message: 'bad representation', path: ['_entities', 0] }, { message: 'whole fetch' }] }));
    const response = await fetchThroughEntityCache(cache, 'beijing', fetchOptions({ representations: [rep('b0'), rep('bad')] }).options, sg.send);
    expect(response.errors).toEqual([{ message: 'bad representation', path: ['_entities', 1] }, { message: 'whole fetch' }]);
    expect(cache.size).toBe(1);
  });

  it('forgets entities once their max-age has passed, and bounds a hit by what is left of it', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(T0);
    const cache = new EntityCache();
    const sg = subgraph();
    await fetchThroughEntityCache(cache, 'beijing', fetchOptions().options, sg.send);
    vi.setSystemTime(T0 + 20_000);
    const { options, restricts } = fetchOptions();
    await fetchThroughEntityCache(cache, 'beijing', options, sg.send);
    expect(sg.calls).toHaveLength(1);
    expect(restricts).toEqual([{ maxAge: 40 }]);
    vi.setSystemTime(T0 + 60_000);
    await fetchThroughEntityCache(cache, 'beijing', fetchOptions().options, sg.send);
    expect(sg.calls).toHaveLength(2);
  });

  it('skips the look-ups of a fetch shape whose answers may not be kept, until an answer says they may', async () => {
    const cache = new EntityCache();
    let cacheControl = 'no-cache';
    const sg = subgraph((sent) => ({ entities: sent.map((r) => entity(r.id)), headers: { 'cache-control': cacheControl } }));
    const fetch = () => fetchThroughEntityCache(cache, 'beijing', fetchOptions({ representations: [rep('b1'), rep('b2')] }).options, sg.send);
    expect((await fetch()).data).toEqual({ _entities: [entity('b1'), entity('b2')] });
    expect(cache.misses).toBe(2);
    // Not cacheable: the next fetch of that shape is sent whole, without look-ups.
    expect((await fetch()).data).toEqual({ _entities: [entity('b1'), entity('b2')] });
    expect(cache.misses).toBe(2);
    // Another access class is another shape: it looks up.
    await fetchThroughEntityCache(cache, 'beijing', fetchOptions({ principal: analyst, representations: [rep('b1')] }).options, sg.send);
    expect(cache.misses).toBe(3);
    // The subgraph now allows caching: that answer turns the look-ups back on…
    cacheControl = 'max-age=60, public';
    await fetch();
    expect(cache.misses).toBe(3);
    expect(cache.size).toBe(0);
    // …so the next one is looked up and kept, and the one after is served from the cache.
    await fetch();
    expect(cache.misses).toBe(5);
    expect(cache.size).toBe(2);
    const calls = sg.calls.length;
    expect((await fetch()).data).toEqual({ _entities: [entity('b1'), entity('b2')] });
    expect(sg.calls.length).toBe(calls);
    expect(cache.hits).toBe(2);
  });

  it('passes any other fetch straight through: no principal, no representations, a mutation, a root query', async () => {
    const cache = new EntityCache();
    const cases = [
      fetchOptions({ principal: undefined }).options,
      fetchOptions({ representations: [] }).options,
      fetchOptions({ query: 'mutation M($representations: [_Any!]!) { _entities(representations: $representations) { __typename } }' }).options,
      fetchOptions({ query: 'query { search { edges { node { id } } } }' }).options,
    ];
    // ANONYMOUS is the default: build the no-principal case by hand.
    (cases[0] as unknown as { context: { principal?: Principal } }).context.principal = undefined;
    for (const options of cases) {
      let seen: unknown;
      const response = await fetchThroughEntityCache(cache, 'beijing', options, async (o) => {
        seen = o;
        return { data: { passed: true } };
      });
      expect(seen).toBe(options);
      expect(response).toEqual({ data: { passed: true } });
    }
    expect(cache.size).toBe(0);
    expect(cache.hits + cache.misses).toBe(0);
  });
});
