import { describe, expect, it } from 'vitest';
import { DatasetIndex, FACET_SCENARIO_LIMIT } from '../../../subgraphs/catalog/search-index.ts';
import { byExchange, corpus } from './fixtures.ts';
import { bruteFacets, expected, sortBy } from './oracle.ts';

// 10× the real catalog (~7,400 listings). Checks correctness at scale; timing is the bench's job.
describe('scale', () => {
  it('indexes 74,000 records and answers text, filter and order queries correctly', () => {
    const records = corpus(74_000, { seed: 2024, providers: 15_000 });
    const index = new DatasetIndex();
    for (const [exchange, list] of byExchange(records)) index.replaceExchange(exchange, list);
    expect(index.size).toBe(74_000);

    const text = '行政处罚';
    const filter = { exchanges: ['beijing', 'guiyang'], containsPersonalInfo: false };
    const clearance = { maxLevel: 'IMPORTANT', maxGrade: 3 } as const;
    const want = expected(records, { text, filter, clearance });
    const res = index.search({ text, filter, clearance, first: 100 });
    expect(want.length).toBeGreaterThan(1000);
    expect(res.totalCount).toBe(want.length);
    expect(res.edges).toHaveLength(100);
    expect(res.facets).toEqual(bruteFacets(want, FACET_SCENARIO_LIMIT));

    const byPrice = index.search({ filter: { sectors: ['S'] }, orderBy: 'PRICE_ASC', first: 50 });
    expect(byPrice.edges.map((e) => e.record.id)).toEqual(
      sortBy(expected(records, { filter: { sectors: ['S'] } }), 'PRICE_ASC')
        .slice(0, 50)
        .map((r) => r.id),
    );

    const p2 = index.search({ orderBy: 'TITLE_ASC', first: 100, after: index.search({ orderBy: 'TITLE_ASC', first: 100 }).pageInfo.endCursor });
    expect(p2.edges.map((e) => e.record.id)).toEqual(
      sortBy(records, 'TITLE_ASC')
        .slice(100, 200)
        .map((r) => r.id),
    );
  });
});
