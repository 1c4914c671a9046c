// Shenzhen's mappings on payloads recorded from its simulator (test/fixtures/shenzhen/record.ts):
// real wire text maps without a single skipped item, and the recorded quirks behave.

import { expect, it } from 'vitest';
import { COMPLIANCE_KIND, mapDetailResponse, mapListResponse, SP_ID } from '../../../subgraphs/shenzhen/mapping.ts';
import { UpstreamError } from '../../../subgraphs/common/errors.ts';
import { describeRecorded, expectWholePage, ISO_CN } from './recorded-harness.ts';

describeRecorded('shenzhen', (recorded) => {
  const page = mapListResponse(recorded('list'));

  it('maps every listing of a real page, prices in whole fen, one sector each', () => {
    expectWholePage('shenzhen', page, JSON.parse(recorded('list')).data.rows.length, SP_ID);
    expect(page.totalCount).toBe(1500);
    for (const r of page.records) {
      expect(r.sectors).toHaveLength(1);
      expect(['LISTED', 'DELISTED']).toContain(r.status);
      const fen = r.headlinePrice?.amountFen;
      if (fen !== null && fen !== undefined) expect(Number.isInteger(fen)).toBe(true);
    }
  });

  it('records the 0-based paging: pageNo 1 is the second page, and pageSize is capped at 50', () => {
    const second = mapListResponse(recorded('list-page-1'));
    expect(second.skipped).toEqual([]);
    expect(second.records).toHaveLength(page.records.length);
    expect(new Set([...page.records, ...second.records].map((r) => r.id)).size).toBe(page.records.length * 2);
    const capped = mapListResponse(recorded('list-capped'));
    expect(capped.skipped).toEqual([]);
    expect(capped.count).toBe(50);
    expect(capped.records.slice(0, page.records.length).map((r) => r.id)).toEqual(page.records.map((r) => r.id));
  });

  it('maps recorded details and detail errors', () => {
    for (const n of [1, 2, 3]) {
      const text = recorded(`detail-${n}`);
      const spId = JSON.parse(text).data.spId as string;
      const d = mapDetailResponse(text, spId)!;
      expect(d.id).toBe(`shenzhen:${spId}`);
      expect(d.pricing.length).toBeGreaterThan(0);
      expect(d.certificates.length).toBeLessThanOrEqual(1);
      for (const c of d.certificates) {
        expect(c.issuedAt).toMatch(ISO_CN);
        expect(c.kind).toBe(COMPLIANCE_KIND);
      }
    }
    expect(mapDetailResponse(recorded('detail-40004'), 'SZ00000000000000')).toBeNull();
    expect(() => mapDetailResponse(recorded('detail-40001'), 'SZ00000000000000')).toThrow(UpstreamError);
    expect(() => mapDetailResponse(recorded('detail-40001'), 'SZ00000000000000')).toThrow(/signature/);
  });
});
