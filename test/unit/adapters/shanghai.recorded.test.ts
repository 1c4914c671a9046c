// Shanghai's mappings on payloads recorded from its simulator (test/fixtures/shanghai/record.ts):
// both id spaces, exact 19-digit ids, a colliding id, detail batches and the recorded errors.

import { isSafeNumber, LosslessNumber, parse as parseLossless } from 'lossless-json';
import { expect, it } from 'vitest';
import { mapDetailBatchResponse, mapSearchResponse, parseNativeKey } from '../../../subgraphs/shanghai/mapping.ts';
import { describeRecorded, expectWholePage, ISO_CN } from './recorded-harness.ts';

const naiveIds = (text: string) => (JSON.parse(text).data.list as Array<{ id: number }>).map((x) => x.id);
const exactIds = (text: string) =>
  (parseLossless(text, null, (v: string) => (isSafeNumber(v) ? Number(v) : new LosslessNumber(v))) as { data: { list: Array<{ id: unknown }> } }).data.list.map((x) => String(x.id));

describeRecorded('shanghai', (recorded) => {
  it('maps every listing of both id spaces with exact 19-digit ids', () => {
    for (const [file, space, type] of [
      ['search-type1', 'registered', 1],
      ['search-type2', 'tradable', 2],
    ] as const) {
      const text = recorded(file);
      const page = mapSearchResponse(text, type);
      const ids = exactIds(text);
      expectWholePage('shanghai', page, ids.length, (key) => parseNativeKey(key)?.serviceType === type);
      expect(page.records.map((r) => r.nativeId)).toEqual(ids.map((id) => `${space}:${id}`));
      for (const id of ids) expect(BigInt(id) > BigInt(Number.MAX_SAFE_INTEGER)).toBe(true);
      // What JSON.parse would have produced: different, wrong ids.
      expect(naiveIds(text).map(String)).not.toEqual(ids);
    }
  });

  it('keeps a recorded colliding id in both spaces apart', () => {
    const text = recorded('search-colliding');
    const [a, b] = exactIds(text);
    expect(a).toBe(b);
    const reg = mapSearchResponse(text, 1);
    const trad = mapSearchResponse(text, 2);
    expect(reg.records.map((r) => r.id)).toEqual([`shanghai:registered:${a}`]);
    expect(trad.records.map((r) => r.id)).toEqual([`shanghai:tradable:${a}`]);
    expect(reg.records[0].title).not.toBe(trad.records[0].title);
  });

  it('maps a recorded detail batch: both spaces, unknown keys absent', () => {
    const batch = mapDetailBatchResponse(recorded('detail-batch'));
    expect(batch.unattributable).toBe(0);
    const colliding = exactIds(recorded('search-colliding'))[0];
    expect(batch.details.get(`registered:${colliding}`)).toMatchObject({ id: `shanghai:registered:${colliding}` });
    expect(batch.details.get(`tradable:${colliding}`)).toMatchObject({ id: `shanghai:tradable:${colliding}` });
    expect(batch.details.has('tradable:1000000000000000001')).toBe(false);
    for (const d of batch.details.values()) {
      if (d instanceof Error) throw d;
      for (const c of d.certificates) expect(c.issuedAt).toMatch(ISO_CN);
    }
  });

  it('turns the recorded 50-key limit and token errors into UPSTREAM_ERROR', () => {
    expect(() => mapDetailBatchResponse(recorded('detail-batch-too-many'))).toThrow(/upstream error code 400 \(keys 超过上限 50\)/);
    expect(() => mapSearchResponse(recorded('token-expired'), 1)).toThrow(/upstream error code 401 \(token expired\)/);
  });
});
