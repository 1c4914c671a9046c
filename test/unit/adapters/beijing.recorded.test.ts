// Beijing's mappings on payloads recorded from its simulator (test/fixtures/beijing/record.ts):
// real wire text maps without a single skipped item, and the recorded quirks behave.

import { expect, it } from 'vitest';
import { mapDetailResponse, mapListResponse, UUID } from '../../../subgraphs/beijing/mapping.ts';
import { UpstreamError } from '../../../subgraphs/common/errors.ts';
import { describeRecorded, expectWholePage, ISO_CN } from './recorded-harness.ts';

describeRecorded('beijing', (recorded) => {
  const page = mapListResponse(recorded('list'));

  it('maps every listing of a real page', () => {
    // The simulator writes product uuids in lower case.
    expectWholePage('beijing', page, JSON.parse(recorded('list')).data.records.length, (key) => UUID.test(key) && key === key.toLowerCase());
    for (const r of page.records) {
      expect(r.sectors).toHaveLength(1);
      const fen = r.headlinePrice?.amountFen;
      if (fen !== null && fen !== undefined) expect(Number.isInteger(fen)).toBe(true);
    }
  });

  it('records the pageNum quirk: the wrong field name silently gives page 1', () => {
    const quirk = mapListResponse(recorded('list-pagenum-quirk'));
    expect(quirk.current).toBe(1);
    expect(quirk.records[0].id).toBe(page.records[0].id);
  });

  it('maps recorded details and detail errors', () => {
    for (const n of [1, 2, 3]) {
      const text = recorded(`detail-${n}`);
      const uuid = JSON.parse(text).data.uuid as string;
      const d = mapDetailResponse(text, uuid)!;
      expect(d.id).toBe(`beijing:${uuid}`);
      expect(d.pricing.length).toBeGreaterThan(0);
      for (const c of d.certificates) expect(c.issuedAt).toMatch(ISO_CN);
    }
    expect(mapDetailResponse(recorded('detail-404'), '0'.repeat(32))).toBeNull();
    expect(() => mapDetailResponse(recorded('detail-401'), '0'.repeat(32))).toThrow(UpstreamError);
  });
});
