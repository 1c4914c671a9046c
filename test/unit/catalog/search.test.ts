import { describe, expect, it } from 'vitest';
import type { DatasetRecord } from '../../../subgraphs/common/model.ts';
import { type DatasetIndex, FACET_SCENARIO_LIMIT, MAX_PAGE_SIZE, SearchInputError } from '../../../subgraphs/catalog/search-index.ts';
import type { DatasetFilter, DatasetOrder } from '../../../subgraphs/catalog/search-index.ts';
import { corpus, rec } from './fixtures.ts';
import { indexOf, ids, walk } from './helpers.ts';
import { bruteFacets, expected, sortBy } from './oracle.ts';

function small(): { index: DatasetIndex; r: Record<string, DatasetRecord> } {
  const r = {
    penaltyTitle: rec({
      title: '北京市行政处罚记录数据集',
      titleEn: 'Beijing administrative penalty records',
      description: '覆盖市场监管、税务等部门公开的处罚决定。',
      sectors: ['S'],
      updatedAt: '2024-03-01T10:00:00+08:00',
    }),
    penaltyDesc: rec({
      title: '企业信用综合报告',
      titleEn: 'Enterprise credit report',
      description: '汇总工商登记、交通违法行政处罚信息与纳税信用等级，penalty details included。',
      sectors: ['S', 'L'],
      updatedAt: '2024-04-01T10:00:00+08:00',
    }),
    licence: rec({
      title: '行政许可信息',
      titleEn: 'Administrative licences',
      description: '行政许可决定公示。处理时限说明。',
      sectors: ['S'],
    }),
    tax: rec({ exchange: 'shanghai', title: '纳税信用等级评价', titleEn: 'Tax credit ratings', sectors: ['S'] }),
    bank: rec({
      exchange: 'guiyang',
      title: '金融机构网点分布',
      titleEn: 'Bank branch locations',
      sectors: ['J'],
      keywords: ['ＡＰＩ接口'],
      providerName: 'Guiyang Big Data Exchange Co., Ltd.',
    }),
  };
  return { index: indexOf(Object.values(r)), r };
}

describe('text search', () => {
  it('matches a Chinese phrase with AND semantics over bigrams', () => {
    const { index, r } = small();
    const res = index.search({ text: '行政处罚' });
    expect(ids(res.edges).sort()).toEqual([r.penaltyTitle.id, r.penaltyDesc.id].sort());
    // "行政许可信息" has 行政 but not 处罚: excluded.
    expect(ids(res.edges)).not.toContain(r.licence.id);
    expect(ids(index.search({ text: '行政' }).edges)).toContain(r.licence.id);
  });

  it('ranks a title match above a description match', () => {
    const { index, r } = small();
    const res = index.search({ text: '行政处罚' });
    expect(ids(res.edges)).toEqual([r.penaltyTitle.id, r.penaltyDesc.id]);
    expect(res.edges[0].score).toBeGreaterThan(res.edges[1].score);
    const en = index.search({ text: 'Penalty' });
    expect(ids(en.edges)).toEqual([r.penaltyTitle.id, r.penaltyDesc.id]);
  });

  it('matches English words case-insensitively with plural folding and AND', () => {
    const { index, r } = small();
    expect(ids(index.search({ text: 'administrative penalty record' }).edges)).toEqual([r.penaltyTitle.id]);
    expect(ids(index.search({ text: 'administrative' }).edges).sort()).toEqual([r.penaltyTitle.id, r.licence.id].sort());
    expect(index.search({ text: 'administrative banana' }).totalCount).toBe(0);
  });

  it('finds one-character queries, sector names, provider names, keywords', () => {
    const { index, r } = small();
    expect(ids(index.search({ text: '税' }).edges).sort()).toEqual([r.penaltyTitle.id, r.penaltyDesc.id, r.tax.id].sort());
    expect(ids(index.search({ text: '金融业' }).edges)).toEqual([r.bank.id]); // sector J name
    expect(ids(index.search({ text: 'finance' }).edges)).toEqual([r.bank.id]); // sector J English name
    expect(ids(index.search({ text: 'big data exchange' }).edges)).toEqual([r.bank.id]); // provider name
    expect(ids(index.search({ text: 'api 接口' }).edges)).toEqual([r.bank.id]); // full-width keyword
  });

  it('treats empty or blank text as no text filter, and term-less text as matching nothing', () => {
    const { index } = small();
    expect(index.search({}).totalCount).toBe(5);
    expect(index.search({ text: '   ' }).totalCount).toBe(5);
    expect(index.search({ text: null }).totalCount).toBe(5);
    expect(index.search({ text: '？！' }).totalCount).toBe(0);
  });

  it('agrees with a brute-force matcher on a corpus', () => {
    const records = corpus(1500, { seed: 7 });
    const index = indexOf(records);
    for (const text of ['行政处罚', '处罚', '企业 征信', '信', 'tax', 'administrative records', '2021年', 'beijing', '上海', 'nothing-matches-this']) {
      const want = expected(records, { text });
      const res = index.search({ text, first: 0 });
      expect(res.totalCount, text).toBe(want.length);
    }
  });
});

describe('filters', () => {
  const records = corpus(1200, { seed: 11 });
  const index = indexOf(records);
  const someProvider = records[5].providerCode;
  const filters: DatasetFilter[] = [
    { exchanges: ['shanghai'] },
    { exchanges: ['shanghai', 'guiyang'] },
    { exchanges: ['nowhere'] },
    { sectors: ['S'] },
    { sectors: ['J', 'Q'] },
    { scenarios: ['企业征信'] },
    { productTypes: ['API_SERVICE', 'MODEL'] },
    { levels: ['IMPORTANT'] },
    { providers: [someProvider.toLowerCase()] },
    { updatedSince: '2023-06-01T00:00:00+08:00' },
    { maxPriceFen: 2000 },
    { maxPriceFen: '0' },
    { containsPersonalInfo: true },
    { containsPersonalInfo: false },
    { exchanges: [], sectors: null },
    { exchanges: ['beijing'], sectors: ['S'], containsPersonalInfo: false, maxPriceFen: 5000 },
  ];
  for (const filter of filters) {
    it(`narrows exactly: ${JSON.stringify(filter)}`, () => {
      const want = expected(records, { filter });
      const res = index.search({ filter, orderBy: 'UPDATED_DESC', first: MAX_PAGE_SIZE });
      expect(res.totalCount).toBe(want.length);
      expect(ids(res.edges)).toEqual(ids(sortBy(want, 'UPDATED_DESC').slice(0, MAX_PAGE_SIZE)));
    });
  }

  it('answers a term searched again under other filters as a fresh index does (kept matches, same scores)', () => {
    const warm = indexOf(records);
    for (const text of ['企业', 'records', '行政处罚']) {
      for (const filter of filters) {
        const got = warm.search({ text, filter, first: MAX_PAGE_SIZE });
        const fresh = indexOf(records).search({ text, filter, first: MAX_PAGE_SIZE });
        expect(got.totalCount, `${text} ${JSON.stringify(filter)}`).toBe(expected(records, { text, filter }).length);
        expect(
          got.edges.map((e) => [e.record.id, e.score]),
          `${text} ${JSON.stringify(filter)}`,
        ).toEqual(fresh.edges.map((e) => [e.record.id, e.score]));
        expect(got.facets).toEqual(fresh.facets);
      }
    }
  });

  it('keeps a bounded number of term sets and answers right after evicting them', () => {
    const warm = indexOf(records);
    // Distinct two-character pieces of the titles: each a term set of its own.
    const texts = [...new Set(records.flatMap((r) => Array.from({ length: r.title.length - 1 }, (_, i) => r.title.slice(i, i + 2))))].filter((t) => /^[\u4e00-\u9fff]{2}$/.test(t)).slice(0, 90);
    expect(texts.length).toBeGreaterThan(70);
    const kept = () => (warm as unknown as { snap: { textMatchCache: Map<string, unknown> } }).snap.textMatchCache.size;
    for (const text of texts) warm.search({ text, first: 5 });
    expect(kept()).toBeLessThanOrEqual(64);
    expect(kept()).toBeGreaterThan(0);
    const fresh = indexOf(records);
    for (const text of [texts[0], texts[texts.length - 1], texts[1]]) {
      const filter = { updatedSince: '2023-06-01T00:00:00+08:00' };
      const got = warm.search({ text, filter, first: MAX_PAGE_SIZE });
      expect(got.totalCount, text).toBe(expected(records, { text, filter }).length);
      expect(got.edges.map((e) => [e.record.id, e.score])).toEqual(fresh.search({ text, filter, first: MAX_PAGE_SIZE }).edges.map((e) => [e.record.id, e.score]));
    }
  });

  it('accepts a Chinese sector name for a code', () => {
    expect(index.search({ filter: { sectors: ['金融业'] } }).totalCount).toBe(expected(records, { filter: { sectors: ['J'] } }).length);
  });

  it('rejects malformed filter values', () => {
    expect(() => index.search({ filter: { updatedSince: 'yesterday' } })).toThrow(SearchInputError);
    expect(() => index.search({ filter: { maxPriceFen: '12.5yuan' } })).toThrow(SearchInputError);
  });
});

describe('facets', () => {
  const records = corpus(2000, { seed: 3 });
  const index = indexOf(records);
  const cases: Array<{ text?: string; filter?: DatasetFilter }> = [
    {},
    { text: '企业' },
    { filter: { exchanges: ['beijing'] } },
    { text: 'records', filter: { levels: ['GENERAL'], containsPersonalInfo: true } },
    { filter: { sectors: ['S'] } },
  ];
  for (const c of cases) {
    it(`equal brute-force counts over the whole result: ${JSON.stringify(c)}`, () => {
      const res = index.search({ ...c, first: 3 });
      const want = expected(records, c);
      expect(res.totalCount).toBe(want.length);
      expect(res.facets).toEqual(bruteFacets(want, FACET_SCENARIO_LIMIT));
    });
  }
});

describe('ordering', () => {
  const records = corpus(900, { seed: 5 });
  const index = indexOf(records);
  const orders: Array<Exclude<DatasetOrder, 'RELEVANCE'>> = ['UPDATED_DESC', 'PRICE_ASC', 'PRICE_DESC', 'TITLE_ASC'];
  for (const orderBy of orders) {
    it(`${orderBy} is total and matches the reference order`, () => {
      const got = walk(index, { orderBy }, 100);
      expect(ids(got)).toEqual(ids(sortBy(records, orderBy)));
    });
  }

  it('puts unknown/negotiable prices last in both price orders', () => {
    for (const orderBy of ['PRICE_ASC', 'PRICE_DESC'] as const) {
      const got = walk(index, { orderBy }, 100).map((e) => e.record.headlinePrice?.amountFen ?? null);
      const firstNull = got.indexOf(null);
      expect(firstNull).toBeGreaterThan(0);
      expect(got.slice(firstNull).every((p) => p === null)).toBe(true);
      const priced = got.slice(0, firstNull) as number[];
      const sorted = [...priced].sort((a, b) => (orderBy === 'PRICE_ASC' ? a - b : b - a));
      expect(priced).toEqual(sorted);
    }
  });

  it('sorts Chinese titles by pinyin and numbers naturally', () => {
    const idx = indexOf([
      rec({ nativeId: 'sh', title: '上海企业名录' }),
      rec({ nativeId: 'bj', title: '北京企业名录' }),
      rec({ nativeId: 'gy', title: '贵阳企业名录' }),
      rec({ nativeId: 'p10', title: '安徽统计（第10期）' }),
      rec({ nativeId: 'p2', title: '安徽统计（第2期）' }),
    ]);
    expect(ids(idx.search({ orderBy: 'TITLE_ASC' }).edges)).toEqual(['beijing:p2', 'beijing:p10', 'beijing:bj', 'beijing:gy', 'beijing:sh']);
  });

  it('RELEVANCE without text means newest first; with text, score then newest then id', () => {
    expect(ids(walk(index, {}, 100))).toEqual(ids(sortBy(records, 'UPDATED_DESC')));
    const got = walk(index, { text: '企业' }, 50);
    for (let i = 1; i < got.length; i++) {
      const a = got[i - 1];
      const b = got[i];
      const ok =
        a.score > b.score || (a.score === b.score && (Date.parse(a.record.updatedAt) > Date.parse(b.record.updatedAt) || (a.record.updatedAt === b.record.updatedAt && a.record.id < b.record.id)));
      expect(ok, `${a.record.id} before ${b.record.id}`).toBe(true);
    }
    expect(got.length).toBe(expected(records, { text: '企业' }).length);
  });

  it('orders a text query by a key order and still reports scores', () => {
    const got = walk(index, { text: '处罚', orderBy: 'PRICE_ASC' }, 40);
    expect(ids(got)).toEqual(ids(sortBy(expected(records, { text: '处罚' }), 'PRICE_ASC')));
    expect(got.every((e) => e.score > 0)).toBe(true);
  });
});

describe('page size', () => {
  const index = indexOf(corpus(150, { seed: 1 }));
  it('defaults to 20 and accepts 0..100', () => {
    expect(index.search({}).edges).toHaveLength(20);
    expect(index.search({ first: MAX_PAGE_SIZE }).edges).toHaveLength(100);
    const none = index.search({ first: 0 });
    expect(none.edges).toEqual([]);
    expect(none.totalCount).toBe(150);
    expect(none.pageInfo).toEqual({ hasNextPage: true, hasPreviousPage: false, startCursor: null, endCursor: null });
  });
  it('rejects negative, fractional and over-limit values', () => {
    for (const first of [-1, 1.5, MAX_PAGE_SIZE + 1]) expect(() => index.search({ first })).toThrow(SearchInputError);
  });
  it('rejects an unknown order', () => {
    expect(() => index.search({ orderBy: 'RANDOM' as DatasetOrder })).toThrow(SearchInputError);
  });
});
