// Re-harvests patch the previous segment instead of rebuilding it; the result must be
// indistinguishable from an index built from scratch over the same records.
import { describe, expect, it } from 'vitest';
import type { DatasetRecord } from '../../../subgraphs/common/model.ts';
import { DatasetIndex } from '../../../subgraphs/catalog/search-index.ts';
import type { DatasetOrder, SearchParams } from '../../../subgraphs/catalog/search-index.ts';
import { corpus, rng } from './fixtures.ts';
import { indexOf } from './helpers.ts';

const QUERIES: SearchParams[] = [
  { first: 100 },
  { text: '企业', first: 50 },
  { text: '行政处罚', orderBy: 'TITLE_ASC', first: 30 },
  { text: 'records', orderBy: 'PRICE_ASC', first: 30 },
  { text: '修订', first: 30 },
  { orderBy: 'PRICE_DESC', filter: { sectors: ['S', 'I'] }, first: 40 },
  { orderBy: 'TITLE_ASC', clearance: { maxLevel: 'GENERAL', maxGrade: 2 }, first: 40 },
  { text: '征信', clearance: { maxLevel: 'IMPORTANT', maxGrade: null }, first: 40 },
];

function sameAnswers(a: DatasetIndex, b: DatasetIndex, label: string): void {
  expect(a.size, label).toBe(b.size);
  expect(a.countByExchange(), label).toEqual(b.countByExchange());
  expect(a.providerCountByExchange(), label).toEqual(b.providerCountByExchange());
  for (const q of QUERIES) {
    const x = a.search(q);
    const y = b.search(q);
    expect(x, `${label} ${JSON.stringify(q)}`).toEqual(y);
    // a cursor of one index pages the other identically
    if (x.pageInfo.endCursor) {
      const next = { ...q, after: x.pageInfo.endCursor };
      expect(a.search(next), `${label} next ${JSON.stringify(q)}`).toEqual(b.search(next));
    }
  }
  expect(a.providers({ first: 100 }), label).toEqual(b.providers({ first: 100 }));
  expect(a.providers({ text: '数据', minExchanges: 1, first: 100 }), label).toEqual(b.providers({ text: '数据', minExchanges: 1, first: 100 }));
}

describe('patched segments', () => {
  it('answer exactly like a fresh build through a long run of re-harvests', () => {
    const r = rng(77);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
    const current = new Map<string, DatasetRecord[]>();
    for (const rec of corpus(1500, { seed: 31 })) {
      if (!current.has(rec.exchange)) current.set(rec.exchange, []);
      current.get(rec.exchange)!.push(rec);
    }
    const index = new DatasetIndex();
    for (const [ex, list] of current) index.replaceExchange(ex, list);
    let fresh = 0;
    const spare = corpus(3000, { seed: 55 });

    for (let round = 0; round < 60; round++) {
      const ex = pick([...current.keys()]);
      const before = current.get(ex)!;
      const big = round % 13 === 12; // now and then a large harvest change: full rebuild path
      const removeCount = big ? Math.floor(before.length * 0.4) : Math.floor(r() * 6);
      const changeCount = big ? 150 : Math.floor(r() * 6);
      const addCount = big ? 20 : Math.floor(r() * 6);
      const list = [...before];
      const removed = new Set<string>();
      for (let i = 0; i < removeCount && list.length > 0; i++) removed.add(list.splice(Math.floor(r() * list.length), 1)[0].id);
      const changed = new Set<string>();
      for (let i = 0; i < changeCount && list.length > 0; i++) {
        const at = Math.floor(r() * list.length);
        const old = list[at];
        const variant = Math.floor(r() * 5);
        const next: DatasetRecord =
          variant === 0
            ? { ...old, title: `${old.title}（修订${round}）` }
            : variant === 1
              ? { ...old, description: `${old.description ?? ''}补充说明${round}`, keywords: [...old.keywords, `修订${round}`] }
              : variant === 2
                ? { ...old, sectors: ['I'], scenarios: ['反欺诈', `场景${round % 4}`] }
                : variant === 3
                  ? { ...old, headlinePrice: null, updatedAt: `2025-0${1 + (round % 9)}-01T00:00:00+08:00` }
                  : {
                      ...old,
                      providerCode: spare[round].providerCode,
                      providerName: `${spare[round].providerName}（更名）`,
                      classification: { ...old.classification, level: 'IMPORTANT', grade: null },
                    };
        list[at] = next;
        changed.add(old.id);
      }
      const added: string[] = [];
      for (let i = 0; i < addCount; i++) {
        const s = spare[(round * 50 + i) % spare.length];
        const nativeId = `r${round}a${i}`;
        list.splice(Math.floor(r() * (list.length + 1)), 0, { ...s, exchange: ex, nativeId, id: `${ex}:${nativeId}` });
        added.push(`${ex}:${nativeId}`);
      }
      current.set(ex, list);

      const diff = index.replaceExchange(ex, list);
      for (const id of added) changed.delete(id);
      expect(diff.added).toEqual([...added].sort());
      expect(diff.removed).toEqual([...removed].filter((id) => !added.includes(id)).sort());
      expect(diff.changed).toEqual([...changed].filter((id) => !removed.has(id)).sort());

      if (round % 3 === 0 || big) {
        fresh++;
        sameAnswers(index, indexOf([...current.values()].flat()), `round ${round}`);
      }
    }
    expect(fresh).toBeGreaterThan(15);
  });

  it('handles shrinking a segment to a few listings and growing it back', () => {
    const all = corpus(400, { seed: 9, exchanges: ['beijing'] });
    const index = indexOf(all);
    const steps = [all.slice(0, 390), all.slice(5, 380), all.slice(100, 110), all.slice(0, 1), [], all.slice(0, 50), all];
    for (const [i, list] of steps.entries()) {
      index.replaceExchange('beijing', list);
      const fresh = new DatasetIndex();
      fresh.replaceExchange('beijing', list);
      sameAnswers(index, fresh, `step ${i}`);
      const orders: DatasetOrder[] = ['UPDATED_DESC', 'TITLE_ASC', 'PRICE_ASC'];
      for (const orderBy of orders) expect(index.search({ orderBy, first: 0 }).totalCount).toBe(list.length);
    }
  });
});
