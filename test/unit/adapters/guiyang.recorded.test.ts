// Guiyang's mappings on payloads recorded from its simulator (test/fixtures/guiyang/record.ts):
// list dates without a time of day, gateway replies with JSON inside a string, inner error codes.

import { expect, it } from 'vitest';
import { mapGatewayResponse, mapListResponse } from '../../../subgraphs/guiyang/mapping.ts';
import { describeRecorded, expectWholePage } from './recorded-harness.ts';

describeRecorded('guiyang', (recorded) => {
  it('maps every listing of a real page', () => {
    const page = mapListResponse(recorded('list'));
    expectWholePage('guiyang', page, page.count, /^[1-9]\d*$/);
    for (const r of page.records) {
      expect(r.updatedAt).toMatch(/T00:00:00\+08:00$/);
      expect(r.sectors.length).toBeGreaterThan(0);
      expect(r.headlinePrice).not.toBeNull();
    }
  });

  it('decodes recorded gateway replies and inner error codes', () => {
    for (const n of [1, 2, 3]) {
      const text = recorded(`gateway-${n}`);
      const id = JSON.parse(JSON.parse(text).data).data.serviceId as number;
      const d = mapGatewayResponse(text, id)!;
      expect(d.id).toBe(`guiyang:${id}`);
      if (d.sample) for (const row of d.sample.rows) expect(row).toHaveLength(d.sample.columns.length);
    }
    expect(mapGatewayResponse(recorded('gateway-e404'), 1)).toBeNull();
    expect(() => mapGatewayResponse(recorded('gateway-e401'), 1)).toThrow(/E401/);
    expect(() => mapGatewayResponse(recorded('gateway-outer-400'), 1)).toThrow(/gateway code 400/);
  });
});
