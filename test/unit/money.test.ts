// Sub-fen prices: Beijing and Guiyang list per-call prices below one fen ("0.0035元/次").
// `amountFen`/`yuan` stay rounded (half up, a paid price never below 1 fen) as the contract's
// integer fen requires; `exactYuan` carries the exact amount, and the catalog filters and sorts
// on the exact amount, so 0.0028 < 0.0035 < 0.01 yuan instead of three prices of "1 fen".

import { afterAll, describe, expect, it } from 'vitest';
import { buildSchema, type GraphQLObjectType } from 'graphql';
import type { DatasetRecord, PricePlan } from '../../subgraphs/common/model.ts';
import { exactFenOf, exactYuanOf, fenToYuan, toMoney, toPricePlanShape } from '../../subgraphs/common/money.ts';
import { parsePriceText, planFromFen, planFromYuan } from '../../subgraphs/common/normalize.ts';
import type { DatasetIndex } from '../../subgraphs/catalog/search-index.ts';
import { composeSupergraph } from '../../schema/compose.ts';
import { rec } from './catalog/fixtures.ts';
import { indexOf, ids, walk } from './catalog/helpers.ts';
import { startTestStack, type TestStack } from '../helpers/stack.ts';

const plan = (p: PricePlan | null): PricePlan => {
  if (!p) throw new Error('no plan');
  return p;
};

describe('exact amounts next to rounded fen', () => {
  it('keeps a Beijing sub-fen yuan price exact (planFromYuan)', () => {
    const p = plan(planFromYuan('0.0035', '元/次'));
    expect(p.amountFen).toBe(1);
    expect(toPricePlanShape(p).price).toEqual({ amountFen: 1, currency: 'CNY', yuan: '0.01', exactYuan: '0.0035' });
    expect(exactFenOf(p)).toBe(0.35);
  });

  it('keeps a Guiyang sub-fen price text exact (parsePriceText)', () => {
    expect(exactYuanOf(plan(parsePriceText('0.0028元/次')))).toBe('0.0028');
    expect(exactYuanOf(plan(parsePriceText('¥0.005元/次')))).toBe('0.005');
    expect(exactYuanOf(plan(parsePriceText('0.125元/次')))).toBe('0.125');
    expect(plan(parsePriceText('0.125元/次')).amountFen).toBe(13);
    expect(exactFenOf(plan(parsePriceText('0.125元/次')))).toBe(12.5);
  });

  it('gives whole-fen amounts with two decimals, multipliers applied', () => {
    expect(exactYuanOf(plan(parsePriceText('1.2万元/年')))).toBe('12000.00');
    expect(exactYuanOf(plan(parsePriceText('5元/千条')))).toBe('5.00');
    expect(exactYuanOf(plan(planFromYuan('1,200.50', '元')))).toBe('1200.50');
    expect(exactYuanOf(plan(planFromFen(57, 'PER_CALL', null)))).toBe('0.57');
    expect(exactFenOf(plan(planFromFen(57, 'PER_CALL', null)))).toBe(57);
    expect(exactYuanOf(plan(parsePriceText('免费')))).toBe('0.00');
  });

  it('has no amount for a negotiable plan', () => {
    const p = plan(parsePriceText('面议'));
    expect(exactYuanOf(p)).toBeNull();
    expect(exactFenOf(p)).toBeNull();
    expect(toPricePlanShape(p).price).toBeNull();
  });

  it('falls back to the fen amount when the wording does not state that amount', () => {
    // Text edited independently of the amount, or with several figures: trust amountFen.
    const changed: PricePlan = { model: 'PER_CALL', amountFen: 250, currency: 'CNY', unit: '次', negotiable: false, text: '0.0035元/次' };
    expect(exactYuanOf(changed)).toBe('2.50');
    const several: PricePlan = { model: 'PER_RECORD', amountFen: 1, currency: 'CNY', unit: '1000条', negotiable: false, text: '0.004元/1000条' };
    expect(exactYuanOf(several)).toBe('0.01');
    expect(exactYuanOf({ ...changed, text: null })).toBe('2.50');
  });

  it('registered capital and other plain amounts: exactYuan equals yuan', () => {
    expect(toMoney(123456)).toEqual({ amountFen: 123456, currency: 'CNY', yuan: fenToYuan(123456), exactYuan: '1234.56' });
  });
});

describe('catalog filters and sorts sub-fen prices by their exact amount', () => {
  const withPlan = (exchange: string, headlinePrice: PricePlan | null): DatasetRecord => rec({ exchange, headlinePrice });
  const r = {
    b0028: withPlan('beijing', planFromYuan('0.0028', '元/次')),
    g0035: withPlan('guiyang', parsePriceText('0.0035元/次')),
    b005: withPlan('beijing', planFromYuan('0.005', '元/次')),
    s1fen: withPlan('shanghai', planFromFen(1, 'PER_CALL', null)),
    g001: withPlan('guiyang', parsePriceText('0.01元/次')),
    b0125: withPlan('beijing', planFromYuan('0.125', '元/次')),
    s13fen: withPlan('shanghai', planFromFen(13, 'PER_CALL', null)),
    free: withPlan('guiyang', parsePriceText('免费')),
    negotiable: withPlan('beijing', parsePriceText('面议')),
  };
  const byPrice = [r.free, r.b0028, r.g0035, r.b005, ...[r.s1fen, r.g001].sort((a, b) => (a.id < b.id ? -1 : 1)), r.b0125, r.s13fen, r.negotiable];
  let index: DatasetIndex;
  const build = () => (index ??= indexOf(Object.values(r)));

  it('PRICE_ASC orders 0.0028 < 0.0035 < 0.005 < 0.01 yuan (equal amounts by id), unpriced last', () => {
    expect(ids(build().search({ orderBy: 'PRICE_ASC', first: 50 }).edges)).toEqual(ids(byPrice));
  });

  it('PRICE_DESC is the reverse, unpriced still last', () => {
    const desc = [...byPrice.slice(0, -1)].reverse();
    // Equal amounts keep the id tie-break ascending in both directions.
    const i = desc.findIndex((x) => x === r.s1fen || x === r.g001);
    desc.splice(i, 2, ...[r.s1fen, r.g001].sort((a, b) => (a.id < b.id ? -1 : 1)));
    expect(ids(build().search({ orderBy: 'PRICE_DESC', first: 50 }).edges)).toEqual(ids([...desc, r.negotiable]));
  });

  it('keyset cursors page through the exact order one row at a time', () => {
    expect(ids(walk(build(), { orderBy: 'PRICE_ASC' }, 1))).toEqual(ids(byPrice));
    expect(ids(walk(build(), { orderBy: 'PRICE_ASC', filter: { maxPriceFen: '1' } }, 2))).toEqual(ids(byPrice.slice(0, 6)));
  });

  it('maxPriceFen compares the exact amount: a sub-fen price is not free, and is at most 1 fen', () => {
    const under = (max: string) => ids(build().search({ orderBy: 'PRICE_ASC', first: 50, filter: { maxPriceFen: max } }).edges).sort();
    expect(under('0')).toEqual(ids([r.free]).sort());
    expect(under('1')).toEqual(ids([r.free, r.b0028, r.g0035, r.b005, r.s1fen, r.g001]).sort());
    // 0.125 yuan is 12.5 fen: above 12, at most 13 (its rounded amountFen is 13).
    expect(under('12')).toEqual(under('1'));
    expect(under('13')).toEqual(ids([r.free, r.b0028, r.g0035, r.b005, r.s1fen, r.g001, r.b0125, r.s13fen]).sort());
  });

  it('maxPriceFen is exact where rounding goes down: 0.124 yuan (amountFen 12) is above 12 fen', () => {
    const b0124 = rec({ exchange: 'beijing', headlinePrice: planFromYuan('0.124', '元/次') });
    expect(b0124.headlinePrice?.amountFen).toBe(12);
    const s12 = rec({ exchange: 'shanghai', headlinePrice: planFromFen(12, 'PER_CALL', null) });
    const idx = indexOf([b0124, s12]);
    expect(ids(idx.search({ first: 5, filter: { maxPriceFen: '12' } }).edges)).toEqual([s12.id]);
    expect(ids(idx.search({ first: 5, orderBy: 'PRICE_ASC' }).edges)).toEqual([s12.id, b0124.id]);
  });
});

describe('schema', () => {
  it('Money has exactYuan in the client schema', () => {
    const api = buildSchema(composeSupergraph().api);
    const money = api.getType('Money') as GraphQLObjectType;
    expect(Object.keys(money.getFields())).toEqual(['amountFen', 'currency', 'yuan', 'exactYuan']);
    expect(String(money.getFields().exactYuan.type)).toBe('String!');
  });
});

describe('through the gateway, on the simulated exchanges', () => {
  // The simulators list per-call prices of 0.0028–0.008 yuan on Beijing and Guiyang.
  let stack: TestStack | undefined;
  afterAll(async () => {
    await stack?.close();
  });

  it('search sorts sub-fen headline prices by exact amount, filters exactly, and every subgraph serves exactYuan', async () => {
    stack = await startTestStack({}, { as: 'analyst' });
    const cmp = (a: string, b: string) => Number(a) - Number(b); // test data: few digits, exact enough
    // Every listing within 1 fen, cheapest first, page by page.
    const nodes: any[] = [];
    let after: string | null = null;
    for (let page = 0; page < 100; page++) {
      const res: any = await stack.gql(
        `query($after: String) { search(orderBy: PRICE_ASC, first: 100, after: $after, filter: { maxPriceFen: "1" }) {
          edges { node { id headlinePrice { text price { amountFen yuan exactYuan } } } } pageInfo { hasNextPage endCursor } } }`,
        { after },
      );
      expect(res.errors).toBeUndefined();
      nodes.push(...res.data.search.edges.map((e: any) => e.node));
      if (!res.data.search.pageInfo.hasNextPage) break;
      after = res.data.search.pageInfo.endCursor;
    }
    const prices = nodes.map((n: any) => n.headlinePrice.price);
    const subFen = nodes.filter((n: any) => Number(n.headlinePrice.price.exactYuan) > 0 && Number(n.headlinePrice.price.exactYuan) < 0.01);
    expect(subFen.length).toBeGreaterThan(0);
    // Rounded fields stay rounded; the exact one differs.
    for (const n of subFen) expect([n.headlinePrice.price.amountFen, n.headlinePrice.price.yuan]).toEqual(['1', '0.01']);
    expect(new Set(subFen.map((n: any) => n.headlinePrice.price.exactYuan)).size).toBeGreaterThan(1);
    // Exact order, all within 1 fen, the 1-fen ones after every sub-fen one.
    const exact = prices.map((p: any) => p.exactYuan);
    expect([...exact].sort(cmp)).toEqual(exact);
    for (const e of exact) expect(Number(e)).toBeLessThanOrEqual(0.01);
    // Live price plans from the exchange subgraphs (Beijing, Guiyang) carry it too.
    const res = await stack.gql(`query($ids: [ID!]!) { datasets(ids: $ids) { id pricing { price { amountFen exactYuan } } } }`, { ids: subFen.slice(0, 20).map((n: any) => n.id) });
    expect(res.errors).toBeUndefined();
    const live = res.data.datasets.flatMap((d: any) => d.pricing ?? []).filter((p: any) => p.price);
    expect(live.length).toBeGreaterThan(0);
    for (const p of live) expect(typeof p.price.exactYuan).toBe('string');
    expect(live.some((p: any) => Number(p.price.exactYuan) < 0.01 && Number(p.price.exactYuan) > 0)).toBe(true);
    // Registered capital (registry subgraph) answers it as well.
    const reg = await stack.gql('{ search(first: 5) { edges { node { provider { registration { registeredCapital { amountFen yuan exactYuan } } } } } } }');
    expect(reg.errors).toBeUndefined();
    const capital = reg.data.search.edges.map((e: any) => e.node.provider.registration?.registeredCapital).filter(Boolean);
    for (const c of capital) expect(c.exactYuan).toBe(c.yuan);
  }, 120_000);
});
