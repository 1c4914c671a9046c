// CSV writing (RFC 4180, parsed back with csv-parse) and the main-list rule.

import { describe, expect, it } from 'vitest';
import { parse as parseCsv } from 'csv-parse/sync';
import { BOM, csvErrorRecord, csvField, csvRecord, flattenItem } from '../../../gateway/saved-queries/csv.ts';
import { itemsOf, planMainList } from '../../../gateway/saved-queries/main-list.ts';
import { apiSchema, op } from './schema.ts';

describe('csv', () => {
  it('quotes per RFC 4180 and round-trips through a CSV parser', () => {
    const rows = [
      ['plain', '逗号,在里面', 'say "hi"', 'line\nbreak', 'crlf\r\nbreak', '', '#hash', ' lead'],
      ['上海市交通违法行政处罚记录数据集', '北京国际大数据交易所', '0.05元/次', '面议', 'a;b', '1', 'true', 'x'],
    ];
    const text = BOM + rows.map(csvRecord).join('');
    expect(text.endsWith('\r\n')).toBe(true);
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('plain')).toBe('plain');
    const parsed = parseCsv(Buffer.from(text, 'utf8'), { bom: true, relax_column_count: false });
    expect(parsed).toEqual(rows);
  });

  it('writes error records with an unquoted #ERROR and the header width', () => {
    expect(csvErrorRecord('boom, "bad"', 4)).toBe('#ERROR,"boom, ""bad""",,\r\n');
    expect(parseCsv(csvRecord(['a', 'b', 'c', 'd']) + csvErrorRecord('x', 4))).toEqual([
      ['a', 'b', 'c', 'd'],
      ['#ERROR', 'x', '', ''],
    ]);
  });

  it('flattens nested fields and joins lists', () => {
    const item = {
      id: 'beijing:1',
      provider: { name: '甲公司', registration: null },
      sectors: [
        { code: 'Q', name: '卫生' },
        { code: 'S', name: '公共管理' },
      ],
      keywords: ['医疗', '医院'],
      pricing: [{ price: { yuan: '1.00' } }, { price: null }],
      sample: {
        rows: [
          ['a', 'b'],
          ['c', null],
        ],
      },
      n: 3,
      b: false,
    };
    const cols = ['id', 'provider.name', 'provider.registration.name', 'sectors.code', 'keywords', 'pricing.price.yuan', 'sample.rows', 'n', 'b', 'missing'];
    expect(flattenItem(item, cols)).toEqual(['beijing:1', '甲公司', '', 'Q; S', '医疗; 医院', '1.00', 'a; b; c', '3', 'false', '']);
  });
});

describe('main list', () => {
  it('follows edges.node of the first connection and takes columns from the selection', () => {
    const { document, operation } = op(`query($after: String) { search(first: 2, after: $after) {
      totalCount pageInfo { more: hasNextPage endCursor }
      edges { cursor node { id title provider { name } ... on BeijingDataset { certificates { number } } sectors { code } } }
    } }`);
    const plan = planMainList(apiSchema, document, operation);
    expect(plan.path).toEqual(['search', 'edges']);
    expect(plan.itemKey).toBe('node');
    expect(plan.columns).toEqual(['id', 'title', 'provider.name', 'certificates.number', 'sectors.code']);
    expect(plan.connection).toMatchObject({
      path: ['search'],
      totalCountKey: 'totalCount',
      paging: { pageInfoKey: 'pageInfo', endCursorKey: 'endCursor', hasNextPageKey: 'more', afterVariable: 'after' },
    });
    const data = { search: { totalCount: 1, edges: [{ cursor: 'c', node: { id: 'x' } }] } };
    expect(itemsOf(plan, data)).toEqual([{ id: 'x' }]);
    expect(itemsOf(plan, { search: null })).toBeUndefined();
  });

  it('takes a plain list of objects, descends through single objects, and falls back to one row', () => {
    const ex = op('{ exchanges { id name } }');
    expect(planMainList(apiSchema, ex.document, ex.operation)).toMatchObject({ path: ['exchanges'], columns: ['id', 'name'], single: false });

    const nested = op('query($c: ID!) { provider(creditCode: $c) { name datasets { edges { node { id } } } } }');
    const plan = planMainList(apiSchema, nested.document, nested.operation);
    expect(plan.path).toEqual(['provider', 'datasets', 'edges']);
    expect(plan.connection?.pagingProblem).toMatch(/after/);

    const one = op('{ exchange(id: "beijing") { id name } }');
    const single = planMainList(apiSchema, one.document, one.operation);
    expect(single).toMatchObject({ single: true, columns: ['exchange.id', 'exchange.name'] });
    expect(itemsOf(single, { exchange: { id: 'beijing' } })).toEqual([{ exchange: { id: 'beijing' } }]);
  });

  it('expands named fragments and respects aliases', () => {
    const f = op('query { list: search { edges { node { ...F } } } } fragment F on Dataset { id t: title }');
    const plan = planMainList(apiSchema, f.document, f.operation);
    expect(plan.path).toEqual(['list', 'edges']);
    expect(plan.columns).toEqual(['id', 't']);
    expect(plan.connection?.pagingProblem).toMatch(/after/);
  });
});
