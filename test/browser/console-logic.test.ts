// The console's DOM-free logic: the saved-query form typed from variable definitions, results
// as a table, the helpers around the saved-queries API, and the content security policy.

import { describe, expect, it } from 'vitest';
import { collectVariables, coerceField, formFields, parseTypeRef, type SchemaHints } from '../../gateway/playground/console/variables.ts';
import { flattenRecord, tableFromData, tableFromRunResponse } from '../../gateway/playground/console/table.ts';
import { dispositionFilename, keyFromHeadersText, parseJsonc, runUrl } from '../../gateway/playground/console/api.ts';
import { DEFAULT_HEADERS, exampleTabs } from '../../gateway/playground/console/examples.ts';
import { contentSecurityPolicy } from '../../gateway/playground/routes.ts';

const HINTS: SchemaHints = {
  enums: { ProductType: ['DATASET', 'API_SERVICE', 'REPORT', 'MODEL', 'TOOL'], DatasetOrder: ['RELEVANCE', 'PRICE_ASC'] },
  inputs: {
    DatasetFilter: [
      { name: 'exchanges', type: '[ID!]' },
      { name: 'maxPriceFen', type: 'Long' },
    ],
  },
};

describe('variable form', () => {
  it('parses GraphQL type strings', () => {
    expect(parseTypeRef('Int')).toEqual({ kind: 'named', name: 'Int', nonNull: false });
    expect(parseTypeRef('[ID!]!')).toEqual({ kind: 'list', nonNull: true, ofType: { kind: 'named', name: 'ID', nonNull: true } });
    expect(parseTypeRef(' [ [ String ] ] ')).toMatchObject({ kind: 'list', ofType: { kind: 'list' } });
    expect(() => parseTypeRef('[Int')).toThrow(/unbalanced/);
    expect(() => parseTypeRef('Int!!')).toThrow(/not a GraphQL type/);
  });

  it('gives every variable a field of its kind, with defaults from the saved query', () => {
    const fields = formFields(
      [
        { name: 'text', type: 'String', required: false, defaultValue: null },
        { name: 'first', type: 'Int', required: false, defaultValue: 20 },
        { name: 'ratio', type: 'Float', required: false },
        { name: 'maxPriceFen', type: 'Long', required: false },
        { name: 'personal', type: 'Boolean', required: false, defaultValue: true },
        { name: 'orderBy', type: 'DatasetOrder', required: false },
        { name: 'types', type: '[ProductType!]', required: false, defaultValue: ['REPORT'] },
        { name: 'sectors', type: '[String!]', required: false },
        { name: 'ids', type: '[ID!]!', required: true },
        { name: 'filter', type: 'DatasetFilter', required: false },
        { name: 'since', type: 'DateTime', required: false },
      ],
      HINTS,
      { text: '交通', sectors: ['Q', 'S'] },
    );
    const byName = Object.fromEntries(fields.map((f) => [f.name, f]));
    expect(Object.fromEntries(fields.map((f) => [f.name, f.kind]))).toEqual({
      text: 'string',
      first: 'int',
      ratio: 'float',
      maxPriceFen: 'long',
      personal: 'boolean',
      orderBy: 'enum',
      types: 'enum-list',
      sectors: 'list',
      ids: 'list',
      filter: 'json',
      since: 'datetime',
    });
    expect(byName.text.initial).toBe('交通');
    expect(byName.first.initial).toBe('20');
    expect(byName.personal.initial).toBe('true');
    expect(byName.orderBy.enumValues).toEqual(['RELEVANCE', 'PRICE_ASC']);
    expect(byName.types.initial).toEqual(['REPORT']);
    expect(byName.sectors.initial).toBe('Q, S');
    expect(byName.ids.itemKind).toBe('id');
    expect(byName.filter.placeholder).toBe('{ "exchanges": …, "maxPriceFen": … }');
  });

  it('offers the served exchanges as choices for exchange variables, and free text without them', () => {
    const exchanges = [
      { id: 'beijing', name: '北京国际大数据交易所' },
      { id: 'taiyuan', name: '太原数据交易中心' },
    ];
    const variables = [
      { name: 'exchanges', type: '[ID!]', required: false },
      { name: 'exchange', type: 'ID', required: false },
      { name: 'ids', type: '[ID!]', required: false },
    ];
    const [list, one, ids] = formFields(variables, { ...HINTS, exchanges }, { exchanges: ['taiyuan', 'gone', 'gone'] });
    expect(list).toMatchObject({ kind: 'enum-list', enumValues: ['beijing', 'taiyuan', 'gone'], initial: ['taiyuan', 'gone', 'gone'] });
    expect(list.valueLabels).toEqual({ beijing: '北京国际大数据交易所', taiyuan: '太原数据交易中心' });
    expect(list.itemKind).toBeUndefined();
    expect(coerceField(list, ['beijing'])).toEqual({ ok: true, omit: false, value: ['beijing'] });
    expect(one).toMatchObject({ kind: 'enum', enumValues: ['beijing', 'taiyuan'] });
    expect(coerceField(one, 'nowhere')).toMatchObject({ ok: false, error: /must be one of beijing, taiyuan/ });
    expect(ids.kind).toBe('list');
    // Before the gateway could ask the API (no exchanges): ids as text, as before.
    expect(formFields(variables, HINTS).map((f) => f.kind)).toEqual(['list', 'id', 'list']);
  });

  it('coerces what was typed into GraphQL values, or says what is wrong', () => {
    const [int, long, bool, en, list, enumList, json, req] = formFields(
      [
        { name: 'first', type: 'Int', required: false },
        { name: 'fen', type: 'Long', required: false },
        { name: 'flag', type: 'Boolean', required: false },
        { name: 'order', type: 'DatasetOrder', required: false },
        { name: 'counts', type: '[Int!]', required: false },
        { name: 'types', type: '[ProductType!]', required: false },
        { name: 'filter', type: 'DatasetFilter', required: false },
        { name: 'id', type: 'ID!', required: true },
      ],
      HINTS,
    );
    expect(coerceField(int, '42')).toEqual({ ok: true, omit: false, value: 42 });
    expect(coerceField(int, '2.5')).toMatchObject({ ok: false, error: 'must be a whole number' });
    expect(coerceField(int, '3000000000')).toMatchObject({ ok: false, error: /32-bit/ });
    expect(coerceField(int, '')).toEqual({ ok: true, omit: true });
    // Long stays a string: 9007199254740993 is not a JS number.
    expect(coerceField(long, '9007199254740993')).toEqual({ ok: true, omit: false, value: '9007199254740993' });
    expect(coerceField(long, '9223372036854775808')).toMatchObject({ ok: false, error: /64-bit/ });
    expect(coerceField(bool, 'false')).toEqual({ ok: true, omit: false, value: false });
    expect(coerceField(en, 'PRICE_ASC')).toMatchObject({ ok: true, value: 'PRICE_ASC' });
    expect(coerceField(en, 'CHEAPEST')).toMatchObject({ ok: false, error: /one of RELEVANCE, PRICE_ASC/ });
    expect(coerceField(list, '1, 2，3')).toEqual({ ok: true, omit: false, value: [1, 2, 3] });
    expect(coerceField(list, '1, x')).toMatchObject({ ok: false, error: 'item 2 must be a whole number' });
    expect(coerceField(enumList, ['DATASET', 'MODEL'])).toEqual({ ok: true, omit: false, value: ['DATASET', 'MODEL'] });
    expect(coerceField(enumList, [])).toEqual({ ok: true, omit: true });
    expect(coerceField(json, '{"exchanges":["beijing"]}')).toEqual({ ok: true, omit: false, value: { exchanges: ['beijing'] } });
    expect(coerceField(json, '{exchanges')).toMatchObject({ ok: false, error: /not valid JSON/ });
    expect(coerceField(req, ' ')).toEqual({ ok: false, error: 'is required' });

    const { variables, errors } = collectVariables([int, long, req], { first: '5', fen: '', id: 'beijing:1' });
    expect(variables).toEqual({ first: 5, id: 'beijing:1' });
    expect(errors).toEqual({});
    expect(collectVariables([int, req], { first: 'x', id: '' }).errors).toEqual({ first: 'first must be a whole number', id: 'id is required' });
  });
});

describe('results as a table', () => {
  const data = {
    search: {
      totalCount: 120,
      pageInfo: { hasNextPage: true, endCursor: 'c2' },
      edges: [
        { cursor: 'c1', node: { id: 'beijing:1', title: '交通数据', exchange: { id: 'beijing' }, pricing: [{ text: '面议' }, { text: '0.05元/次' }], keywords: ['交通', '违法'] } },
        { cursor: 'c2', node: { id: 'guiyang:2', title: '信用数据', exchange: { id: 'guiyang' }, pricing: null, keywords: [] } },
      ],
    },
  };

  it('takes the rows from the first connection, with dotted columns and joined lists', () => {
    const table = tableFromData(data)!;
    expect(table.source).toBe('search.edges');
    expect(table.columns).toEqual(['id', 'title', 'exchange.id', 'pricing.text', 'keywords', 'pricing']);
    expect(table.rows[0]).toEqual(['beijing:1', '交通数据', 'beijing', '面议; 0.05元/次', '交通; 违法', null]);
    expect(table.rows[1]).toEqual(['guiyang:2', '信用数据', 'guiyang', null, '', null]);
    expect(table.totalCount).toBe(120);
    expect(table.pageInfo).toEqual({ hasNextPage: true, endCursor: 'c2' });
  });

  it('uses a plain list of objects, or one row when there is no list', () => {
    expect(
      tableFromData({
        exchanges: [
          { id: 'beijing', status: 'ONLINE' },
          { id: 'shanghai', status: 'DEGRADED' },
        ],
      }),
    ).toMatchObject({
      source: 'exchanges',
      columns: ['id', 'status'],
      rows: [
        ['beijing', 'ONLINE'],
        ['shanghai', 'DEGRADED'],
      ],
    });
    expect(tableFromData({ dataset: { id: 'x', provider: { name: 'p' } } })).toMatchObject({ columns: ['dataset.id', 'dataset.provider.name'], rows: [['x', 'p']] });
    expect([...flattenRecord({ a: { b: [1, 2] }, c: true }).entries()]).toEqual([
      ['a.b', '1; 2'],
      ['c', 'true'],
    ]);
  });

  it('reads run responses: GraphQL answers, row sets, errors', () => {
    expect(tableFromRunResponse({ data, errors: [{ message: 'shanghai is down' }] })).toMatchObject({ table: { source: 'search.edges' }, errors: ['shanghai is down'] });
    expect(tableFromRunResponse({ columns: ['a', 'b'], rows: [{ a: 1, b: null }] }).table).toMatchObject({ columns: ['a', 'b'], rows: [['1', null]] });
    expect(tableFromRunResponse({ message: 'nope', errors: [{ message: 'invalid variables' }] })).toEqual({ errors: ['invalid variables'] });
    expect(tableFromRunResponse('x').errors[0]).toMatch(/not JSON/);
  });
});

describe('saved-queries API helpers', () => {
  it('finds the API key in the headers editor (JSONC)', () => {
    expect(keyFromHeadersText(DEFAULT_HEADERS)).toBeUndefined();
    expect(keyFromHeadersText('{\n  // mine\n  "Authorization": "Bearer dx_abc",\n}')).toBe('dx_abc');
    expect(keyFromHeadersText('{"x-api-key": " dx_k "}')).toBe('dx_k');
    expect(keyFromHeadersText('{ broken')).toBeUndefined();
    expect(parseJsonc('{ "url": "http://x//y", /* c */ "a": [1,], }')).toEqual({ url: 'http://x//y', a: [1] });
  });

  it('builds run URLs with the variables in the query string', () => {
    const url = runUrl('/saved-queries', 'traffic', { text: '交通', first: 5, types: ['DATASET', 'MODEL'], format: 'x', filter: { exchanges: ['beijing'] } }, 'csv', true);
    const parsed = new URL(url, 'http://h');
    expect(parsed.pathname).toBe('/saved-queries/traffic/run');
    expect(Object.fromEntries(parsed.searchParams)).toEqual({
      format: 'csv',
      all: 'true',
      text: '交通',
      first: '5',
      types: '["DATASET","MODEL"]',
      'var.format': 'x',
      filter: '{"exchanges":["beijing"]}',
    });
  });

  it('reads the file name of a download', () => {
    expect(dispositionFilename('attachment; filename="traffic-20240506.csv"')).toBe('traffic-20240506.csv');
    expect(dispositionFilename('attachment; filename="x.csv"; filename*=UTF-8\'\'%E4%BA%A4%E9%80%9A.csv')).toBe('交通.csv');
    expect(dispositionFilename(null)).toBeUndefined();
  });
});

describe('examples and policy', () => {
  it('opens with example tabs that need nothing but the schema', () => {
    const tabs = exampleTabs({ datasetId: 'beijing:abc', providerCode: '91110105062109108N' });
    expect(tabs.map((t) => /query (\w+)/.exec(t.query)?.[1])).toEqual(['SearchAcrossExchanges', 'DatasetDetail', 'ProvidersOnSeveralExchanges', 'ProviderAcrossExchanges', 'ExchangeStatus']);
    expect(JSON.parse(tabs[1].variables!)).toEqual({ id: 'beijing:abc' });
    expect(tabs[3].query).toContain('"91110105062109108N"');
    expect(exampleTabs({}).length).toBe(4);
    // Without ids from the API, DatasetDetail's id names the first exchange the API has.
    expect(JSON.parse(exampleTabs({}, undefined, [{ id: 'taiyuan' }, { id: 'beijing' }])[1].variables!).id).toMatch(/^taiyuan:</);
    expect(JSON.parse(exampleTabs({})[1].variables!).id).toMatch(/^<exchange>:</);
  });

  it('allows no other origin and no inline script', () => {
    const base = contentSecurityPolicy();
    expect(base).toContain("script-src 'self';");
    expect(base).toContain("style-src 'self';");
    expect(base).not.toMatch(/unsafe-eval|unsafe-inline|\*|https?:/);
    const page = contentSecurityPolicy('abc123');
    expect(page).toContain("style-src 'self' 'nonce-abc123'");
    expect(page).toContain("style-src-attr 'unsafe-inline'");
    expect(page).toContain("script-src 'self';");
  });
});
