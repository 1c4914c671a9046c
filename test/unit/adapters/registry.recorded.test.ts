// The enterprise registry's mapping on payloads recorded from its simulator
// (test/fixtures/registry/record.ts).

import { expect, it } from 'vitest';
import { isValidUscc } from '../../../subgraphs/common/identifiers.ts';
import { mapLookupResponse } from '../../../subgraphs/registry/mapping.ts';
import { describeRecorded } from './recorded-harness.ts';

describeRecorded('registry', (recorded) => {
  it('maps every enterprise; region codes from the USCC; legacy codes kept', () => {
    const text = recorded('lookup');
    const result = mapLookupResponse(text);
    expect(result.skipped).toEqual([]);
    expect(result.registrations).toHaveLength(JSON.parse(text).data.length);
    for (const r of result.registrations) {
      expect(r.regionCode).toBe(r.creditCode.slice(2, 8));
      if (r.registeredCapitalFen !== null) expect(Number.isSafeInteger(r.registeredCapitalFen)).toBe(true);
    }
    expect(result.registrations.some((r) => !isValidUscc(r.creditCode))).toBe(true);
    expect(() => mapLookupResponse(recorded('lookup-401'))).toThrow(/code 401/);
  });
});
