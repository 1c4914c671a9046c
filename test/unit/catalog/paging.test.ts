import { describe, expect, it } from 'vitest';
import type { DatasetRecord } from '../../../subgraphs/common/model.ts';
import { InvalidCursorError, SearchInputError } from '../../../subgraphs/catalog/search-index.ts';
import type { DatasetOrder, SearchParams } from '../../../subgraphs/catalog/search-index.ts';
import { corpus, rec } from './fixtures.ts';
import { indexOf, ids, walk } from './helpers.ts';
import { expected, sortBy } from './oracle.ts';

const ORDERS: DatasetOrder[] = ['RELEVANCE', 'UPDATED_DESC', 'PRICE_ASC', 'PRICE_DESC', 'TITLE_ASC'];

describe('cursor paging', () => {
  const records = corpus(700, { seed: 21 });

  for (const orderBy of ORDERS) {
    for (const text of [undefined, '企业']) {
      it(`walks the whole result without duplicates or gaps: ${orderBy} ${text ?? '(no text)'}`, () => {
        const index = indexOf(records);
        const all = index.search({ text, orderBy, first: 0 }).totalCount;
        const got = ids(walk(index, { text, orderBy }, 13));
        expect(new Set(got).size).toBe(got.length);
        expect(got.length).toBe(all);
        expect(all).toBe(expected(records, { text }).length);
        if (orderBy !== 'RELEVANCE') expect(got).toEqual(ids(sortBy(expected(records, { text }), orderBy)));
        // the same walk in one go (page size 100) gives the same sequence
        expect(ids(walk(index, { text, orderBy }, 100))).toEqual(got);
      });
    }
  }

  it('reports hasPreviousPage and start/end cursors', () => {
    const index = indexOf(records);
    const p1 = index.search({ first: 5 });
    expect(p1.pageInfo.hasPreviousPage).toBe(false);
    expect(p1.pageInfo.hasNextPage).toBe(true);
    expect(p1.pageInfo.startCursor).toBe(p1.edges[0].cursor);
    expect(p1.pageInfo.endCursor).toBe(p1.edges[4].cursor);
    const p2 = index.search({ first: 5, after: p1.pageInfo.endCursor });
    expect(p2.pageInfo.hasPreviousPage).toBe(true);
    expect(p2.totalCount).toBe(p1.totalCount); // totalCount is the whole result, not what is left
    const all = walk(index, {}, 100);
    const tail = index.search({ first: 100, after: all[all.length - 4].cursor });
    expect(ids(tail.edges)).toEqual(ids(all.slice(-3)));
    expect(tail.pageInfo.hasNextPage).toBe(false);
    expect(tail.pageInfo.hasPreviousPage).toBe(true);
  });

  it('an edge cursor resumes right after that edge', () => {
    const index = indexOf(records);
    const page = index.search({ orderBy: 'TITLE_ASC', first: 10 });
    const resumed = index.search({ orderBy: 'TITLE_ASC', first: 4, after: page.edges[5].cursor });
    expect(ids(resumed.edges)).toEqual(ids(page.edges.slice(6, 10)));
  });

  for (const orderBy of ORDERS) {
    it(`survives replaceExchange between pages: ${orderBy}`, () => {
      const index = indexOf(records);
      const text = orderBy === 'RELEVANCE' ? '企业' : undefined;
      const shanghai = records.filter((r) => r.exchange === 'shanghai');
      // next harvest: a third of Shanghai's listings gone, new ones added, the rest unchanged
      const kept = shanghai.filter((_, i) => i % 3 !== 0);
      const fresh = corpus(60, { seed: 99, exchanges: ['shanghai'] }).map((r, i) => ({ ...r, id: `shanghai:new${i}`, nativeId: `new${i}` }));
      const before = new Set(ids(expected(records, { text })));
      const afterRecords = [...records.filter((r) => r.exchange !== 'shanghai'), ...kept, ...fresh];
      const after = new Set(ids(expected(afterRecords, { text })));
      const scoresBefore = new Map(walk(index, { text, orderBy }, 100).map((e) => [e.record.id, e.score]));

      const got = walk(index, { text, orderBy }, 17, (page) => {
        if (page === 2) index.replaceExchange('shanghai', [...kept, ...fresh]);
      });
      const gotIds = ids(got);
      expect(new Set(gotIds).size).toBe(gotIds.length); // no duplicates
      for (const id of before) if (after.has(id)) expect(gotIds, id).toContain(id); // no gaps
      for (const id of gotIds) expect(before.has(id) || after.has(id)).toBe(true);
      if (text) {
        // scores come from the statistics frozen in the cursor: unchanged records keep theirs
        for (const e of got) if (scoresBefore.has(e.record.id)) expect(e.score).toBe(scoresBefore.get(e.record.id));
      }
    });
  }

  it('keeps paging when the cursor row itself was removed', () => {
    const index = indexOf(records);
    const p1 = index.search({ orderBy: 'PRICE_ASC', first: 50 });
    const lastId = p1.edges[49].record.id;
    const exchange = p1.edges[49].record.exchange;
    index.replaceExchange(
      exchange,
      records.filter((r) => r.exchange === exchange && r.id !== lastId),
    );
    const rest = walk(index, { orderBy: 'PRICE_ASC' }, 100);
    const p2 = index.search({ orderBy: 'PRICE_ASC', first: 100, after: p1.pageInfo.endCursor });
    const remaining = ids(rest).slice(49); // the removed row shifted everything by one
    expect(ids(p2.edges)).toEqual(remaining.slice(0, 100));
  });
});

describe('cursor validation', () => {
  const index = indexOf(corpus(200, { seed: 4 }));
  const cursorOf = (p: SearchParams): string => index.search({ ...p, first: 2 }).pageInfo.endCursor!;

  it('rejects garbage', () => {
    for (const bad of ['', 'not a cursor!', 'AAAA', Buffer.from('[1,"x"]').toString('base64url'), 'x'.repeat(5000)]) {
      expect(() => index.search({ after: bad })).toThrow(InvalidCursorError);
    }
  });

  it('rejects a cursor of another query, filter, order or clearance', () => {
    const c = cursorOf({ text: '企业', filter: { exchanges: ['beijing'] } });
    expect(() => index.search({ text: '企业', filter: { exchanges: ['beijing'] }, after: c })).not.toThrow();
    expect(() => index.search({ text: '征信', filter: { exchanges: ['beijing'] }, after: c })).toThrow(InvalidCursorError);
    expect(() => index.search({ text: '企业', after: c })).toThrow(InvalidCursorError);
    expect(() => index.search({ text: '企业', filter: { exchanges: ['beijing'] }, orderBy: 'TITLE_ASC', after: c })).toThrow(InvalidCursorError);
    expect(() => index.search({ text: '企业', filter: { exchanges: ['beijing'] }, after: c, clearance: { maxLevel: 'GENERAL', maxGrade: 2 } })).toThrow(InvalidCursorError);
    expect(() => index.providers({ after: c })).toThrow(InvalidCursorError);
    expect(() => index.search({ after: index.providers({ first: 1 }).pageInfo.endCursor })).toThrow(InvalidCursorError);
  });

  it('treats equivalent filters alike (order of list values does not matter)', () => {
    const c = cursorOf({ filter: { exchanges: ['beijing', 'guiyang'] } });
    expect(() => index.search({ filter: { exchanges: ['guiyang', 'beijing'] }, after: c })).not.toThrow();
  });

  it('rejects a tampered cursor whose key does not fit the order', () => {
    const c = cursorOf({ orderBy: 'TITLE_ASC' });
    const body = JSON.parse(Buffer.from(c, 'base64url').toString('utf8')) as unknown[];
    body[2] = [12345];
    const forged = Buffer.from(JSON.stringify(body)).toString('base64url');
    expect(() => index.search({ orderBy: 'TITLE_ASC', after: forged })).toThrow(InvalidCursorError);
  });

  it('is a BAD_USER_INPUT error', () => {
    try {
      index.search({ after: 'nope' });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(SearchInputError);
      expect((e as SearchInputError).code).toBe('BAD_USER_INPUT');
    }
  });
});

describe('cursor stability with ties', () => {
  it('breaks equal keys by id so pages never overlap', () => {
    const same: DatasetRecord[] = Array.from({ length: 30 }, (_, i) => rec({ nativeId: `t${String(i).padStart(2, '0')}`, title: '同名数据集', priceFen: 100, updatedAt: '2024-01-01T00:00:00+08:00' }));
    const index = indexOf(same);
    for (const orderBy of ORDERS) {
      const got = ids(walk(index, { orderBy, text: orderBy === 'RELEVANCE' ? '同名' : undefined }, 4));
      expect(got).toEqual(ids(same).sort());
    }
  });
});
