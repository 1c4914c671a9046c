import { describe, expect, it } from 'vitest';
import { type DatasetIndex, InvalidCursorError, SearchInputError } from '../../../subgraphs/catalog/search-index.ts';
import type { ProviderSummary } from '../../../subgraphs/catalog/search-index.ts';
import { corpus, rec } from './fixtures.ts';
import { indexOf, ids, walk } from './helpers.ts';

const ALPHA = '91110108MA01ALPHA1';
const BETA = '91310115MA1BETA002';
const GAMMA = '91520100MA6GAMMA03';

function fixture(): DatasetIndex {
  return indexOf([
    // ALPHA: 3 listings on two exchanges, renamed on the newest
    rec({ exchange: 'beijing', nativeId: 'a1', providerCode: ALPHA, providerName: '北京阿尔法数据科技有限公司', updatedAt: '2024-01-01T00:00:00+08:00' }),
    rec({ exchange: 'beijing', nativeId: 'a2', providerCode: ALPHA, providerName: '北京阿尔法数据科技有限公司', updatedAt: '2024-02-01T00:00:00+08:00' }),
    rec({ exchange: 'shanghai', nativeId: 'a3', providerCode: ALPHA.toLowerCase(), providerName: '阿尔法数据集团有限公司', updatedAt: '2024-03-01T00:00:00+08:00' }),
    // BETA: 3 listings on three exchanges
    rec({ exchange: 'beijing', nativeId: 'b1', providerCode: BETA, providerName: 'Beta Credit Information Co., Ltd.' }),
    rec({ exchange: 'shanghai', nativeId: 'b2', providerCode: BETA, providerName: 'Beta Credit Information Co., Ltd.' }),
    rec({ exchange: 'guiyang', nativeId: 'b3', providerCode: BETA, providerName: 'Beta Credit Information Co., Ltd.' }),
    // GAMMA: 1 listing on one exchange
    rec({ exchange: 'guiyang', nativeId: 'g1', providerCode: GAMMA, providerName: '贵阳伽马大数据有限公司' }),
  ]);
}

const codes = (xs: Array<{ node: ProviderSummary }>): string[] => xs.map((e) => e.node.creditCode);

describe('providers', () => {
  it('aggregates per credit code: exchanges, counts, latest name; orders by count desc then code', () => {
    const index = fixture();
    const res = index.providers();
    expect(res.totalCount).toBe(3);
    expect(res.edges.map((e) => e.node)).toEqual([
      { creditCode: ALPHA, name: '阿尔法数据集团有限公司', exchanges: ['beijing', 'shanghai'], datasetCount: 3 },
      { creditCode: BETA, name: 'Beta Credit Information Co., Ltd.', exchanges: ['beijing', 'guiyang', 'shanghai'], datasetCount: 3 },
      { creditCode: GAMMA, name: '贵阳伽马大数据有限公司', exchanges: ['guiyang'], datasetCount: 1 },
    ]);
    expect(index.provider(BETA.toLowerCase())?.datasetCount).toBe(3);
    expect(index.provider('91000000000000000X')).toBeNull();
    expect(index.providerCountByExchange()).toEqual({ beijing: 2, guiyang: 2, shanghai: 2 });
  });

  it('filters by minExchanges and by exchange', () => {
    const index = fixture();
    expect(codes(index.providers({ minExchanges: 2 }).edges)).toEqual([ALPHA, BETA]);
    expect(codes(index.providers({ minExchanges: 3 }).edges)).toEqual([BETA]);
    expect(codes(index.providers({ exchange: 'guiyang' }).edges)).toEqual([BETA, GAMMA]);
    expect(codes(index.providers({ exchange: 'guiyang', minExchanges: 2 }).edges)).toEqual([BETA]);
    expect(index.providers({ exchange: 'nowhere' }).totalCount).toBe(0);
    expect(() => index.providers({ minExchanges: -1 })).toThrow(SearchInputError);
  });

  it('matches names in Chinese and Latin (AND) and exact credit codes', () => {
    const index = fixture();
    expect(codes(index.providers({ text: '阿尔法' }).edges)).toEqual([ALPHA]);
    expect(codes(index.providers({ text: '数据' }).edges)).toEqual([ALPHA, GAMMA]);
    expect(codes(index.providers({ text: 'beta credit' }).edges)).toEqual([BETA]);
    expect(codes(index.providers({ text: 'beta 阿尔法' }).edges)).toEqual([]);
    expect(codes(index.providers({ text: ` ${GAMMA.toLowerCase()} ` }).edges)).toEqual([GAMMA]);
  });

  it('pages with cursors and rejects foreign ones', () => {
    const index = indexOf(corpus(600, { seed: 12, providers: 150 }));
    const all = index.providers({ first: 100 });
    const pages: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page = index.providers({ first: 7, after });
      pages.push(...codes(page.edges));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(pages.length).toBe(all.totalCount);
    expect(new Set(pages).size).toBe(pages.length);
    const counts = index.providers({ first: 100 }).edges.map((e) => e.node.datasetCount);
    expect(counts).toEqual([...counts].sort((a, b) => b - a));
    const c = index.providers({ first: 1, minExchanges: 2 }).pageInfo.endCursor;
    expect(() => index.providers({ first: 1, after: c })).toThrow(InvalidCursorError);
  });

  it("lists a provider's datasets newest first, optionally on one exchange", () => {
    const index = fixture();
    expect(ids(index.providerDatasets(ALPHA).edges)).toEqual(['shanghai:a3', 'beijing:a2', 'beijing:a1']);
    const bj = index.providerDatasets(ALPHA, { exchange: 'beijing', first: 1 });
    expect(bj.totalCount).toBe(2);
    expect(ids(bj.edges)).toEqual(['beijing:a2']);
    const next = index.providerDatasets(ALPHA, { exchange: 'beijing', first: 1, after: bj.pageInfo.endCursor });
    expect(ids(next.edges)).toEqual(['beijing:a1']);
    expect(() => index.providerDatasets(BETA, { after: bj.pageInfo.endCursor })).toThrow(InvalidCursorError);
    expect(ids(walk(index, { filter: { providers: [ALPHA] }, orderBy: 'UPDATED_DESC' }, 2))).toEqual(ids(index.providerDatasets(ALPHA).edges));
  });
});
