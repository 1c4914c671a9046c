import { describe, expect, it } from 'vitest';
import { DatasetIndex } from '../../../subgraphs/catalog/search-index.ts';
import { rec } from './fixtures.ts';

describe('replaceExchange', () => {
  const a = rec({ nativeId: 'a', title: '企业工商登记信息' });
  const b = rec({ nativeId: 'b', title: '行政处罚记录' });
  const c = rec({ nativeId: 'c', title: '纳税信用等级评价' });

  it('reports added, changed and removed ids, sorted', () => {
    const index = new DatasetIndex();
    expect(index.replaceExchange('beijing', [c, a, b])).toEqual({ added: [a.id, b.id, c.id], changed: [], removed: [] });
    const b2 = { ...b, classification: { ...b.classification, grade: 3 } }; // nested field change
    const d = rec({ nativeId: 'd', title: '取水口分布数据' });
    expect(index.replaceExchange('beijing', [d, b2, a])).toEqual({ added: [d.id], changed: [b.id], removed: [c.id] });
    expect(index.get(b.id)?.classification.grade).toBe(3);
    expect(index.get(c.id)).toBeUndefined();
    expect(index.size).toBe(3);
  });

  it('detects a change in any field, including arrays and price', () => {
    const index = new DatasetIndex();
    index.replaceExchange('beijing', [a, b, c]);
    const diff = index.replaceExchange('beijing', [
      { ...a, scenarios: ['企业征信'] },
      { ...b, headlinePrice: { model: 'FREE', amountFen: 0, currency: 'CNY', unit: null, negotiable: false, text: '免费' } },
      { ...c },
    ]);
    expect(diff).toEqual({ added: [], changed: [a.id, b.id], removed: [] });
  });

  it('rebuilds nothing for an identical harvest (fresh objects, same content)', () => {
    const index = new DatasetIndex();
    index.replaceExchange('beijing', [a, b]);
    const v = index.version;
    expect(index.replaceExchange('beijing', [structuredClone(b), structuredClone(a)])).toEqual({ added: [], changed: [], removed: [] });
    expect(index.version).toBe(v);
  });

  it('leaves other exchanges alone and keeps an emptied exchange known', () => {
    const index = new DatasetIndex();
    const s = rec({ exchange: 'shanghai', nativeId: 'tradable:1789', title: '上海企业名录' });
    index.replaceExchange('beijing', [a, b]);
    index.replaceExchange('shanghai', [s]);
    expect(index.countByExchange()).toEqual({ beijing: 2, shanghai: 1 });
    expect(index.replaceExchange('beijing', [])).toEqual({ added: [], changed: [], removed: [a.id, b.id] });
    expect(index.countByExchange()).toEqual({ beijing: 0, shanghai: 1 });
    expect(index.exchanges).toEqual(['beijing', 'shanghai']);
    expect(index.get(s.id)).toBe(s);
    expect(index.search({ text: '企业' }).totalCount).toBe(1);
  });

  it('collapses duplicate ids (last wins) and refuses records of another exchange', () => {
    const index = new DatasetIndex();
    const a2 = { ...a, title: '企业工商登记信息（更新）' };
    expect(index.replaceExchange('beijing', [a, a2]).added).toEqual([a.id]);
    expect(index.get(a.id)?.title).toBe(a2.title);
    expect(() => index.replaceExchange('shanghai', [b])).toThrow(TypeError);
  });

  it('swaps atomically: a result taken before a replace stays intact', () => {
    const index = new DatasetIndex();
    index.replaceExchange('beijing', [a, b, c]);
    const before = index.search({ first: 10 });
    index.replaceExchange('beijing', [a]);
    expect(before.edges.map((e) => e.record.id).sort()).toEqual([a.id, b.id, c.id].sort());
    expect(index.search({}).totalCount).toBe(1);
    expect(index.search({ text: '处罚' }).totalCount).toBe(0);
  });

  it('finds ids whose prefix is not their exchange', () => {
    const index = new DatasetIndex();
    const odd = { ...rec({ exchange: 'guiyang', nativeId: '512' }), id: 'gy-512' };
    index.replaceExchange('guiyang', [odd]);
    expect(index.get('gy-512')).toBe(odd);
    expect(index.getMany(['gy-512', 'guiyang:512'])).toEqual([odd, undefined]);
  });
});
