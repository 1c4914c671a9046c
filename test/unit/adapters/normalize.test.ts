import { describe, expect, it } from 'vitest';
import { UpstreamError } from '../../../subgraphs/common/errors.ts';
import {
  chinaLocalToIso,
  chineseDateToIso,
  epochMsToIso,
  formatChinaTime,
  gradeFor,
  isoDateOnly,
  mapItems,
  modelFromChargeMode,
  normalizeUnit,
  parseCapital,
  parseDelivery,
  parseFrequency,
  parseJson,
  parseJsonLossless,
  parseLevel,
  parseOpenness,
  parsePriceText,
  parseYesNo,
  planFromFen,
  planFromYuan,
  reject,
  sectorCodeFromName,
  splitList,
  yuanToFen,
} from '../../../subgraphs/common/normalize.ts';
import { LosslessNumber } from 'lossless-json';

describe('yuanToFen', () => {
  it('converts decimal text exactly, without float error', () => {
    expect(yuanToFen('1200.00')).toBe(120000);
    expect(yuanToFen('0.05')).toBe(5);
    expect(yuanToFen('0.1')).toBe(10);
    expect(yuanToFen('19.99')).toBe(1999);
    expect(yuanToFen('1,200.5')).toBe(120050);
    expect(yuanToFen('3')).toBe(300);
    // 0.29 * 100 is 28.999999999999996 as a double; string arithmetic gives 29.
    expect(yuanToFen('0.29')).toBe(29);
    expect(yuanToFen('90071992547409.91')).toBe(9007199254740991);
  });

  it('rounds sub-fen amounts half up, but never a positive price down to 0', () => {
    expect(yuanToFen('0.125')).toBe(13);
    expect(yuanToFen('0.124')).toBe(12);
    expect(yuanToFen('0.0028')).toBe(1);
    expect(yuanToFen('0.005')).toBe(1);
    expect(yuanToFen('0.000')).toBe(0);
  });

  it('rejects what is not a number or does not fit a safe integer', () => {
    expect(yuanToFen('面议')).toBeNull();
    expect(yuanToFen('')).toBeNull();
    expect(yuanToFen('1e3')).toBeNull();
    expect(yuanToFen('99999999999999999999')).toBeNull();
  });
});

describe('prices', () => {
  it('parses free-text prices into plans, keeping the wording', () => {
    expect(parsePriceText('0.05元/次')).toEqual({ model: 'PER_CALL', amountFen: 5, currency: 'CNY', unit: '次', negotiable: false, text: '0.05元/次' });
    expect(parsePriceText('3000元/月')).toMatchObject({ model: 'MONTHLY', amountFen: 300000, unit: '月' });
    expect(parsePriceText('12000元/年')).toMatchObject({ model: 'YEARLY', amountFen: 1200000, unit: '年' });
    expect(parsePriceText('5元/千条')).toMatchObject({ model: 'PER_RECORD', amountFen: 500, unit: '千条' });
    expect(parsePriceText('1.2万元/年')).toMatchObject({ model: 'YEARLY', amountFen: 1200000 });
    expect(parsePriceText('0.0028元/次')).toMatchObject({ model: 'PER_CALL', amountFen: 1, text: '0.0028元/次' });
    expect(parsePriceText('800元')).toMatchObject({ model: 'ONE_TIME', amountFen: 80000, unit: null });
    expect(parsePriceText('¥20/次')).toMatchObject({ model: 'PER_CALL', amountFen: 2000 });
  });

  it('recognises negotiable and free wording', () => {
    expect(parsePriceText('面议')).toEqual({ model: 'NEGOTIABLE', amountFen: null, currency: 'CNY', unit: null, negotiable: true, text: '面议' });
    expect(parsePriceText('按需收费')).toMatchObject({ model: 'NEGOTIABLE', negotiable: true, text: '按需收费' });
    expect(parsePriceText('价格请咨询客服')).toMatchObject({ model: 'NEGOTIABLE' });
    expect(parsePriceText('免费')).toMatchObject({ model: 'FREE', amountFen: 0, negotiable: false });
    expect(parsePriceText('0元/次')).toMatchObject({ model: 'FREE', amountFen: 0 });
  });

  it('never guesses an amount from text it cannot read', () => {
    expect(parsePriceText('约3-5元/次')).toBeNull();
    expect(parsePriceText('')).toBeNull();
  });

  it('combines a yuan string with a unit (Beijing)', () => {
    expect(planFromYuan('1200.00', '元/年')).toMatchObject({ model: 'YEARLY', amountFen: 120000, unit: '年', text: '1200.00元/年' });
    expect(planFromYuan('面议', '')).toMatchObject({ model: 'NEGOTIABLE', amountFen: null, negotiable: true, text: '面议' });
    expect(planFromYuan('', '', 'NEGOTIABLE')).toMatchObject({ model: 'NEGOTIABLE', text: '面议' });
    expect(planFromYuan('', '', 'FREE')).toMatchObject({ model: 'FREE', amountFen: 0 });
    expect(planFromYuan('0.05', '元/次', 'PER_CALL')).toMatchObject({ model: 'PER_CALL', amountFen: 5 });
    expect(planFromYuan('200', '元')).toMatchObject({ model: 'ONE_TIME', unit: null });
    expect(planFromYuan('abc', '元/次')).toBeNull();
  });

  it('takes integer fen as is (Shanghai)', () => {
    expect(planFromFen(5, 'PER_CALL', null)).toMatchObject({ amountFen: 5, unit: '次', negotiable: false });
    expect(planFromFen(null, 'PER_CALL', null)).toMatchObject({ model: 'NEGOTIABLE', amountFen: null, negotiable: true });
    expect(planFromFen(1200000, 'YEARLY', '元/年')).toMatchObject({ unit: '年' });
  });

  it('normalises units and charge modes', () => {
    expect(normalizeUnit('元/次')).toBe('次');
    expect(normalizeUnit('元')).toBeNull();
    expect(normalizeUnit('')).toBeNull();
    expect(modelFromChargeMode('包月')).toBe('MONTHLY');
    expect(modelFromChargeMode('按条')).toBe('PER_RECORD');
    expect(modelFromChargeMode('按季')).toBeNull();
  });

  it('parses registered capital with 万/亿 and currency', () => {
    expect(parseCapital('1000万元人民币')).toEqual({ amountMinor: 1_000_000_000, currency: 'CNY' });
    expect(parseCapital('300万元')).toEqual({ amountMinor: 300_000_000, currency: 'CNY' });
    expect(parseCapital('1.5亿元')).toEqual({ amountMinor: 15_000_000_000, currency: 'CNY' });
    expect(parseCapital('50万美元')).toEqual({ amountMinor: 50_000_000, currency: 'USD' });
    expect(parseCapital('未知')).toBeNull();
    expect(parseCapital('1000')).toBeNull();
  });
});

describe('times', () => {
  it('reads naive China time as +08:00', () => {
    expect(chinaLocalToIso('2024-05-06 12:30:00')).toBe('2024-05-06T12:30:00+08:00');
    expect(chinaLocalToIso('2024-03-15')).toBe('2024-03-15T00:00:00+08:00');
    expect(chinaLocalToIso('2024-02-30 00:00:00')).toBeNull();
    expect(chinaLocalToIso('2024/05/06 12:30:00')).toBeNull();
    expect(chinaLocalToIso('2024-05-06 24:00:00')).toBeNull();
  });

  it('converts epoch milliseconds to China time', () => {
    // 2024-05-06T04:30:00Z is 12:30 in Beijing.
    expect(epochMsToIso(Date.UTC(2024, 4, 6, 4, 30, 0))).toBe('2024-05-06T12:30:00+08:00');
    expect(epochMsToIso(Date.UTC(2024, 4, 6, 20, 0, 0, 999))).toBe('2024-05-07T04:00:00+08:00');
    expect(epochMsToIso(Number.NaN)).toBeNull();
  });

  it('reads 年月日 dates', () => {
    expect(chineseDateToIso('2024年05月06日')).toBe('2024-05-06T00:00:00+08:00');
    expect(chineseDateToIso('2023年1月9日')).toBe('2023-01-09T00:00:00+08:00');
    expect(chineseDateToIso('2024-05-06')).toBeNull();
    expect(chineseDateToIso('2023年02月29日')).toBeNull();
  });

  it('formats China wall-clock time and validates plain dates', () => {
    expect(formatChinaTime(Date.UTC(2024, 11, 31, 16, 0, 5))).toBe('2025-01-01 00:00:05');
    expect(isoDateOnly('2015-03-02')).toBe('2015-03-02');
    expect(isoDateOnly('2016-02-30')).toBeNull();
  });
});

describe('classification words', () => {
  it('maps level words with grades', () => {
    expect(parseLevel('一般数据')).toEqual({ level: 'GENERAL', grade: null });
    expect(parseLevel('一般3级')).toEqual({ level: 'GENERAL', grade: 3 });
    expect(parseLevel('一般')).toEqual({ level: 'GENERAL', grade: null });
    expect(parseLevel('重要数据')).toEqual({ level: 'IMPORTANT', grade: null });
    expect(parseLevel('重要')).toEqual({ level: 'IMPORTANT', grade: null });
    expect(parseLevel('核心')).toEqual({ level: 'CORE', grade: null });
    expect(parseLevel('一般5级')).toBeNull();
    expect(parseLevel('secret')).toBeNull();
  });

  it('keeps grades only for general data, and flags out-of-range grades', () => {
    expect(gradeFor('GENERAL', 4)).toBe(4);
    expect(gradeFor('IMPORTANT', 4)).toBeNull();
    expect(gradeFor('GENERAL', 9)).toBeUndefined();
  });

  it('maps openness, yes/no, delivery and frequency vocabularies', () => {
    expect(parseOpenness('有条件开放')).toBe('CONDITIONAL');
    expect(parseOpenness('NON_PUBLIC')).toBe('NOT_OPEN');
    expect(parseOpenness('PUBLIC')).toBe('UNCONDITIONAL');
    expect(parseYesNo('是')).toBe(true);
    expect(parseYesNo(0)).toBe(false);
    expect(parseYesNo(2)).toBeNull();
    expect(parseDelivery('文件下载')).toBe('FILE');
    expect(parseDelivery('MPC')).toBe('PRIVACY_COMPUTING');
    expect(parseDelivery('沙箱')).toBe('SANDBOX');
    expect(parseFrequency('每季度')).toBe('QUARTERLY');
    expect(parseFrequency('IRREGULAR')).toBe('IRREGULAR');
  });

  it('maps sector names, tolerating missing punctuation', () => {
    expect(sectorCodeFromName('金融业')).toBe('J');
    expect(sectorCodeFromName(' 农、林、牧、渔业 ')).toBe('A');
    expect(sectorCodeFromName('农林牧渔业')).toBe('A');
    expect(sectorCodeFromName('外星产业')).toBeNull();
  });
});

describe('lists', () => {
  it('splits comma-joined lists: trims, drops empties, de-duplicates, keeps 、 inside names', () => {
    expect(splitList('工商,企业, 信用,,企业')).toEqual(['工商', '企业', '信用']);
    expect(splitList('电力，企业;用电')).toEqual(['电力', '企业', '用电']);
    expect(splitList('农、林、牧、渔业,批发和零售业')).toEqual(['农、林、牧、渔业', '批发和零售业']);
    expect(splitList('')).toEqual([]);
    expect(splitList(null)).toEqual([]);
  });
});

describe('decoding', () => {
  it('turns truncated JSON into UpstreamError, not a crash', () => {
    expect(() => parseJson('{"code":0,"data":{"rec', 'beijing', 'beijing list')).toThrow(UpstreamError);
    try {
      parseJson('{"code":0', 'beijing', 'beijing list');
    } catch (e) {
      expect(e).toMatchObject({ code: 'UPSTREAM_ERROR', upstream: 'beijing' });
      expect((e as Error).message).toMatch(/^beijing list: response is not valid JSON/);
    }
    expect(() => parseJsonLossless('{"id": 17890123456789012', 'shanghai', 'x')).toThrow(UpstreamError);
  });

  it('parses big integers losslessly and small ones as numbers', () => {
    const v = parseJsonLossless('{"id": 1789012345678901234, "n": 5, "f": 0.5}', 'shanghai', 'x') as Record<string, unknown>;
    expect(v.id).toBeInstanceOf(LosslessNumber);
    expect(String(v.id)).toBe('1789012345678901234');
    expect(v.n).toBe(5);
    expect(v.f).toBe(0.5);
  });

  it('collects rejected items as skipped with their reason', () => {
    const out = mapItems(
      [{ id: 'a' }, { id: 'b' }, 7],
      (raw) => (raw as { id?: string }).id ?? null,
      (raw) => ((raw as { id: string }).id === 'b' ? reject('b is bad') : raw === 7 ? reject('not an object') : (raw as { id: string }).id),
    );
    expect(out.records).toEqual(['a']);
    expect(out.skipped).toEqual([
      { nativeId: 'b', reason: 'b is bad' },
      { nativeId: null, reason: 'not an object' },
    ]);
  });
});
