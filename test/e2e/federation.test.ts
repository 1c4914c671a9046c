// The federated stack end to end: simulators → adapters → subgraphs → gateway, over HTTP.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simCall, startTestStack, type TestStack } from '../helpers/stack.ts';
import { EXCHANGES } from '../../subgraphs/exchanges.ts';

let stack: TestStack;

beforeAll(async () => {
  // An admin sees every listing: the totals below are the upstreams' totals.
  stack = await startTestStack({}, { as: 'admin' });
}, 120_000);

afterAll(async () => {
  await stack?.close();
});

/** Listing totals per exchange: the world the simulators serve (each simulator's own total is checked in test/unit/simulators). */
function worldTotals(): Record<string, number> {
  const world = stack.simulators[EXCHANGES[0].id]!.world;
  return Object.fromEntries(EXCHANGES.map((e) => [e.id, world.listingsOf(e.id).length]));
}

const DATASET_FIELDS = `
  id nativeId title titleEn description productType status updatedAt scenarios keywords
  exchange { id name }
  provider { creditCode creditCodeValid name }
  sectors { code name }
  classification { level grade containsPersonalInfo sensitivePersonalInfo openness }
  headlinePrice { model negotiable text unit price { amountFen currency yuan } }
`;

describe('search', () => {
  it('with no filter counts every listing of every exchange', async () => {
    const totals = worldTotals();
    const res = await stack.gql('{ search(first: 0) { totalCount facets { exchanges { value count } } } }');
    expect(res.errors).toBeUndefined();
    const sum = Object.values(totals).reduce((a, b) => a + b, 0);
    expect(sum).toBeGreaterThan(5000);
    expect(res.data.search.totalCount).toBe(sum);
    const facet = Object.fromEntries(res.data.search.facets.exchanges.map((f: any) => [f.value, f.count]));
    expect(facet).toEqual(totals);
  });

  it('returns listings of every exchange with every contract field filled', async () => {
    for (const { id: exchange } of EXCHANGES) {
      const res = await stack.gql(
        `query($ex: ID!) { search(first: 5, filter: { exchanges: [$ex] }, orderBy: UPDATED_DESC) { edges { node {
           ${DATASET_FIELDS}
           pricing { model negotiable text price { amountFen yuan } }
           delivery { method format }
           certificates { number issuer issuedAt kind }
           updateFrequency
           sample(rows: 3) { columns rows masked }
         } } } }`,
        { ex: exchange },
      );
      expect(res.errors).toBeUndefined();
      const nodes = res.data.search.edges.map((e: any) => e.node);
      expect(nodes).toHaveLength(5);
      let dataProducts = 0;
      for (const n of nodes) {
        expect(n.id.startsWith(`${exchange}:`)).toBe(true);
        expect(n.exchange.id).toBe(exchange);
        for (const field of ['nativeId', 'title', 'productType', 'status', 'updatedAt', 'classification', 'pricing', 'delivery', 'certificates']) {
          expect(n[field], `${n.id}.${field}`).not.toBeNull();
        }
        expect(n.title).toMatch(/[\u4e00-\u9fff]/);
        expect(n.updatedAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$/);
        expect(n.provider.creditCode).toHaveLength(18);
        expect(n.sectors.length).toBeGreaterThan(0);
        expect(n.sectors[0].code).toMatch(/^[A-T]$/);
        expect(n.pricing.length).toBeGreaterThan(0);
        // Tools and models have no sample rows; every data product has.
        if (n.productType === 'DATASET' || n.productType === 'API_SERVICE') {
          dataProducts++;
          expect(n.sample, `${n.id}.sample`).not.toBeNull();
          expect(n.sample.columns.length).toBeGreaterThan(0);
          expect(n.sample.rows.length).toBeGreaterThan(0);
          expect(n.sample.rows.length).toBeLessThanOrEqual(3);
        }
      }
      // The sample checks above ran on this exchange's page.
      expect(dataProducts, `${exchange}: data products among the first five`).toBeGreaterThan(0);
    }
  });

  it('pages with `after` through the whole result without duplicates or gaps', async () => {
    const seen = new Set<string>();
    let after: string | null = null;
    let total = -1;
    let pages = 0;
    for (;;) {
      const res: any = await stack.gql('query($after: String) { search(first: 100, after: $after, orderBy: TITLE_ASC) { totalCount edges { node { id } } pageInfo { hasNextPage endCursor } } }', {
        after,
      });
      expect(res.errors).toBeUndefined();
      total = res.data.search.totalCount;
      for (const e of res.data.search.edges) {
        expect(seen.has(e.node.id), `duplicate ${e.node.id}`).toBe(false);
        seen.add(e.node.id);
      }
      pages++;
      if (!res.data.search.pageInfo.hasNextPage) break;
      after = res.data.search.pageInfo.endCursor;
    }
    expect(seen.size).toBe(total);
    expect(pages).toBe(Math.ceil(total / 100));
  });

  it('finds a Chinese phrase and an English word', async () => {
    const zh = await stack.gql(`{ search(text: "行政处罚", first: 50) { totalCount edges { node { title description keywords } } } }`);
    expect(zh.errors).toBeUndefined();
    expect(zh.data.search.totalCount).toBeGreaterThan(0);
    for (const { node } of zh.data.search.edges) {
      expect(`${node.title} ${node.description} ${node.keywords.join(' ')}`).toContain('行政处罚');
    }
    const en = await stack.gql(`{ search(text: "penalty", first: 50) { totalCount edges { node { titleEn description } } } }`);
    expect(en.errors).toBeUndefined();
    expect(en.data.search.totalCount).toBeGreaterThan(0);
    for (const { node } of en.data.search.edges) expect(`${node.titleEn} ${node.description}`.toLowerCase()).toMatch(/penalt/);
  });

  it('filters by exchange, sector and level, and the facets count correctly', async () => {
    const all = await stack.gql('{ search(first: 0) { totalCount facets { sectors { value count } levels { value count } exchanges { value count } } } }');
    const sectorCount = Object.fromEntries(all.data.search.facets.sectors.map((f: any) => [f.value, f.count]));
    const levelCount = Object.fromEntries(all.data.search.facets.levels.map((f: any) => [f.value, f.count]));
    expect(Object.values(sectorCount).length).toBeGreaterThan(5);

    const bySector = await stack.gql('{ search(first: 100, filter: { sectors: ["S"] }) { totalCount edges { node { sectors { code } } } } }');
    expect(bySector.data.search.totalCount).toBe(sectorCount.S);
    expect(bySector.data.search.totalCount).toBeLessThan(all.data.search.totalCount);
    for (const { node } of bySector.data.search.edges) expect(node.sectors.map((s: any) => s.code)).toContain('S');

    const byLevel = await stack.gql('{ search(first: 100, filter: { levels: [IMPORTANT] }) { totalCount edges { node { classification { level } } } } }');
    expect(byLevel.data.search.totalCount).toBe(levelCount.IMPORTANT);
    for (const { node } of byLevel.data.search.edges) expect(node.classification.level).toBe('IMPORTANT');

    const combined = await stack.gql('{ search(first: 0, filter: { exchanges: ["guiyang"], sectors: ["S"] }) { totalCount facets { exchanges { value count } sectors { value count } } } }');
    const c = combined.data.search;
    expect(c.facets.exchanges).toEqual([{ value: 'guiyang', count: c.totalCount }]);
    expect(c.facets.sectors.find((f: any) => f.value === 'S').count).toBe(c.totalCount);
    expect(c.totalCount).toBeLessThan(sectorCount.S);
  });
});

describe('datasets and providers', () => {
  it("exchanges lists every exchange of the list, each with its upstream's own total as an admin sees it", async () => {
    const res = await stack.gql('{ exchanges { id name datasetCount status } }');
    expect(res.errors).toBeUndefined();
    const totals = worldTotals();
    expect(res.data.exchanges.map((e: any) => e.id)).toEqual(EXCHANGES.map((e) => e.id));
    for (const e of res.data.exchanges) {
      expect(e.datasetCount, e.id).toBe(totals[e.id]);
      expect(e.status, e.id).toBe('ONLINE');
      expect(e.name, e.id).toBe(EXCHANGES.find((x) => x.id === e.id)!.name);
    }
  });

  it('finds providers listed on four exchanges (or on all of them, with fewer than four)', async () => {
    const n = Math.min(4, EXCHANGES.length);
    const res = await stack.gql(`{ providers(minExchanges: ${n}, first: 5) { totalCount edges { node { creditCode exchanges { id } } } } }`);
    expect(res.errors).toBeUndefined();
    expect(res.data.providers.totalCount).toBeGreaterThan(0);
    for (const { node } of res.data.providers.edges) expect(node.exchanges.length, node.creditCode).toBeGreaterThanOrEqual(n);
  });

  it('dataset(id) resolves a listing of each exchange', async () => {
    for (const { id: exchange } of EXCHANGES) {
      const page = await stack.gql('query($ex: ID!) { search(first: 1, filter: { exchanges: [$ex] }) { edges { node { id title } } } }', { ex: exchange });
      const { id, title } = page.data.search.edges[0].node;
      const res = await stack.gql('query($id: ID!) { dataset(id: $id) { id title exchange { id } pricing { model } } }', { id });
      expect(res.errors).toBeUndefined();
      expect(res.data.dataset).toMatchObject({ id, title, exchange: { id: exchange } });
      expect(res.data.dataset.pricing.length).toBeGreaterThan(0);
    }
    const unknown = await stack.gql('{ dataset(id: "beijing:00000000000000000000000000000000") { id } }');
    expect(unknown.errors).toBeUndefined();
    expect(unknown.data.dataset).toBeNull();
  });

  it('keeps Shanghai ids beyond 2^53 exact, in both id spaces', async () => {
    const reg = await stack.gql('{ search(first: 100, filter: { exchanges: ["shanghai"] }, orderBy: TITLE_ASC) { totalCount edges { node { id nativeId } } } }');
    // Walk Shanghai listings to find a numeric id present in both spaces.
    const byNumber = new Map<string, Set<string>>();
    let after: string | null = null;
    for (;;) {
      const res: any = await stack.gql(
        'query($after: String) { search(first: 100, after: $after, filter: { exchanges: ["shanghai"] }) { edges { node { nativeId } } pageInfo { hasNextPage endCursor } } }',
        { after },
      );
      for (const { node } of res.data.search.edges) {
        const [space, num] = node.nativeId.split(':');
        expect(num).toMatch(/^\d{19}$/);
        if (!byNumber.has(num)) byNumber.set(num, new Set());
        byNumber.get(num)!.add(space);
      }
      if (!res.data.search.pageInfo.hasNextPage) break;
      after = res.data.search.pageInfo.endCursor;
    }
    expect(byNumber.size).toBeLessThan(reg.data.search.totalCount);
    const colliding = [...byNumber.entries()].find(([, spaces]) => spaces.size === 2)?.[0];
    expect(colliding, 'a Shanghai id present in both id spaces').toBeDefined();
    expect(BigInt(colliding!) > 2n ** 53n).toBe(true);

    const res = await stack.gql(
      `query($a: ID!, $b: ID!) {
        registered: dataset(id: $a) { id nativeId title pricing { model } }
        tradable: dataset(id: $b) { id nativeId title pricing { model } }
      }`,
      { a: `shanghai:registered:${colliding}`, b: `shanghai:tradable:${colliding}` },
    );
    expect(res.errors).toBeUndefined();
    expect(res.data.registered.nativeId).toBe(`registered:${colliding}`);
    expect(res.data.tradable.nativeId).toBe(`tradable:${colliding}`);
    expect(res.data.registered.pricing).not.toBeNull();
    expect(res.data.tradable.pricing).not.toBeNull();
  });

  it('provider(creditCode) of a multi-exchange provider lists its datasets on every exchange and its registration', async () => {
    const list = await stack.gql('{ providers(minExchanges: 2, first: 20) { totalCount edges { node { creditCode exchanges { id } } } } }');
    expect(list.errors).toBeUndefined();
    expect(list.data.providers.totalCount).toBeGreaterThan(100);
    // Pick one the registry knows.
    let checked = 0;
    for (const { node } of list.data.providers.edges) {
      const res = await stack.gql(
        `query($code: ID!) { provider(creditCode: $code) {
           creditCode name creditCodeValid datasetCount exchanges { id }
           datasets(first: 100) { totalCount edges { node { id exchange { id } provider { creditCode } } } }
           registration { creditCode name status establishedOn registeredCapital { amountFen } }
         } }`,
        { code: node.creditCode },
      );
      expect(res.errors).toBeUndefined();
      const p = res.data.provider;
      expect(p.exchanges.length).toBeGreaterThanOrEqual(2);
      const onExchanges = new Set(p.datasets.edges.map((e: any) => e.node.exchange.id));
      expect([...onExchanges].sort()).toEqual(p.exchanges.map((e: any) => e.id).sort());
      expect(p.datasets.totalCount).toBe(p.datasetCount);
      for (const e of p.datasets.edges) expect(e.node.provider.creditCode).toBe(p.creditCode);
      if (p.registration) {
        expect(p.registration.creditCode).toBe(p.creditCode);
        expect(p.registration.name.length).toBeGreaterThan(1);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(0);
  });

  it('rejects a malformed credit code with BAD_USER_INPUT', async () => {
    for (const code of ['123', '91310110666007217I', '9131011066600721']) {
      const res = await stack.gql('query($c: ID!) { provider(creditCode: $c) { name } }', { c: code });
      expect(res.errors?.[0].extensions?.code, code).toBe('BAD_USER_INPUT');
    }
    // Fails the check digit and nobody lists it: refused too, with the reason.
    const res = await stack.gql('{ provider(creditCode: "91310110666007217U") { name } }');
    expect(res.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(res.errors?.[0].message).toMatch(/check/);
  });
});

describe('batching', () => {
  it('a page of 20 with pricing and registration makes one Shanghai batch, one registry call, no repeated detail call', async () => {
    const sims = stack.simulators;
    const stats = async () => Object.fromEntries(await Promise.all(Object.entries(sims).map(async ([name, s]) => [name, (await simCall(s!.url, 'GET', '/__sim/stats')).routes])));
    const before = await stats();
    // The three exchanges whose call patterns are asserted below: other exchanges' listings stay off the page.
    const res = await stack.gql(`{
      search(first: 20, orderBy: TITLE_ASC, filter: { exchanges: ["beijing", "shanghai", "guiyang"] }) { edges { node { id exchange { id } pricing { model } provider { creditCode registration { name } } } } }
    }`);
    expect(res.errors).toBeUndefined();
    const nodes = res.data.search.edges.map((e: any) => e.node);
    const perExchange = (ex: string) => new Set(nodes.filter((n: any) => n.exchange.id === ex).map((n: any) => n.id)).size;
    expect(perExchange('shanghai')).toBeGreaterThan(0);
    for (const n of nodes) expect(n.pricing).not.toBeNull();

    const after = await stats();
    const route = (name: string, pattern: RegExp) =>
      Object.keys(after[name])
        .filter((k) => pattern.test(k))
        .reduce((a, k) => a + after[name][k] - (before[name][k] ?? 0), 0);
    expect(route('shanghai', /detail\/batch/)).toBe(1);
    expect(route('registry', /enterprises/)).toBe(1);
    expect(route('beijing', /detail/)).toBe(perExchange('beijing'));
    expect(route('guiyang', /gateway\.do/)).toBe(perExchange('guiyang'));
  });

  it('a page of 20 from Taiyuan or Shenzhen (no batch call upstream) asks for each listing once, and Shenzhen is answered without a 429', async () => {
    const detailRoutes = [
      ['taiyuan', /package_show/],
      ['shenzhen', /sp\/detail/],
    ] as const;
    for (const [exchange, pattern] of detailRoutes) {
      const sim = stack.simulators[exchange]!.url;
      const before = await simCall(sim, 'GET', '/__sim/stats');
      const res = await stack.gql('query($ex: ID!) { search(first: 20, orderBy: PRICE_DESC, filter: { exchanges: [$ex] }) { edges { node { id pricing { model } delivery { method } } } } }', {
        ex: exchange,
      });
      expect(res.errors, exchange).toBeUndefined();
      const ids = new Set(res.data.search.edges.map((e: any) => e.node.id));
      expect(ids.size, exchange).toBe(20);
      for (const e of res.data.search.edges) expect(e.node.pricing, e.node.id).not.toBeNull();
      const after = await simCall(sim, 'GET', '/__sim/stats');
      const calls = Object.keys(after.routes)
        .filter((k) => pattern.test(k))
        .reduce((n, k) => n + after.routes[k] - (before.routes[k] ?? 0), 0);
      // Each listing once (pricing and delivery come from the one detail call), none asked twice.
      expect(calls, exchange).toBe(20);
      expect(after.statuses?.['429'] ?? 0, exchange).toBe(before.statuses?.['429'] ?? 0);
    }
  });
});
