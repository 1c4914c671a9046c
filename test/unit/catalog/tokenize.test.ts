import { describe, expect, it } from 'vitest';
import { forEachIndexTokenKey, indexTokens, queryTokens, stemWord, tokenKeyToString } from '../../../subgraphs/catalog/tokenize.ts';

describe('tokenize', () => {
  it('indexes CJK runs as characters plus overlapping bigrams', () => {
    expect(indexTokens('行政处罚')).toEqual(['行', '行政', '政', '政处', '处', '处罚', '罚']);
  });

  it('queries CJK runs as bigrams, a lone character as itself', () => {
    expect(queryTokens('行政处罚')).toEqual(['处罚', '政处', '行政'].sort());
    expect(queryTokens('税')).toEqual(['税']);
  });

  it('splits scripts, punctuation and spaces; lowercases Latin; keeps digits as words', () => {
    expect(queryTokens('2023年API接口，Beijing-Data')).toEqual(['2023', 'api', 'beijing', 'data', '年', '接口'].sort());
  });

  it('folds full-width Latin and digits (NFKC)', () => {
    expect(queryTokens('ＡＰＩ２０２４')).toEqual(['api2024']);
  });

  it('strips plurals lightly and drops English stop words', () => {
    expect(stemWord('records')).toBe('record');
    expect(stemWord('companies')).toBe('company');
    expect(stemWord('taxes')).toBe('tax');
    expect(stemWord('business')).toBe('business');
    expect(stemWord('analysis')).toBe('analysis');
    expect(stemWord('status')).toBe('status');
    expect(queryTokens('the Records of Penalties')).toEqual(['penalty', 'record']);
  });

  it('returns no tokens for punctuation-only text', () => {
    expect(queryTokens('  ！？ -- ')).toEqual([]);
  });

  it('emits the same tokens through the allocation-free key API', () => {
    for (const text of ['北京市行政处罚记录（2023年）', 'ＡＰＩ接口 for Tax-records 𠀀𠀁 かな', '', '  ', 'a the of']) {
      const keys: string[] = [];
      forEachIndexTokenKey(text, (k) => keys.push(tokenKeyToString(k)));
      expect(keys.sort()).toEqual(indexTokens(text).sort());
    }
  });
});
