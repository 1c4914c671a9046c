// Fuzzing Beijing's list and detail mappings (engine and invariants: ./fuzz-harness.ts).

import { describe, expect, it } from 'vitest';
import { mapDetailResponse, mapListResponse, UUID } from '../../../subgraphs/beijing/mapping.ts';
import { describeFuzz, detailOutcome, fuzzedExchange, pageOutcome, pagingViolations } from './fuzz-harness.ts';
import { fixture } from './helpers.ts';

const BEIJING = fuzzedExchange('beijing', (key) => UUID.test(key));

const fixtureUuid = (text: string) => String((JSON.parse(text) as { data?: { uuid?: string } }).data?.uuid ?? '0'.repeat(32));

describeFuzz({
  upstream: 'beijing',
  targets: [
    {
      name: 'beijing list',
      fixtures: ['beijing/recorded-list.json', 'beijing/list-quirks.json', 'beijing/recorded-list-pagenum-quirk.json', 'beijing/list-error.json'],
      run: (text) => {
        const p = mapListResponse(text);
        return pageOutcome(BEIJING, p, pagingViolations({ total: p.total, pages: p.pages, current: p.current }));
      },
    },
    {
      name: 'beijing detail',
      fixtures: ['beijing/recorded-detail-1.json', 'beijing/recorded-detail-2.json', 'beijing/detail-ok.json', 'beijing/recorded-detail-404.json', 'beijing/recorded-detail-401.json'],
      run: (text, original) => {
        const uuid = fixtureUuid(original);
        return detailOutcome(mapDetailResponse(text, uuid), `beijing:${uuid}`);
      },
    },
  ],
  throwing: ['beijing/list-error.json', 'beijing/recorded-detail-401.json'],
  notFound: ['beijing/recorded-detail-404.json'],
});

describe('beijing regressions found by fuzzing', () => {
  const beijingPage = (patch: Record<string, unknown>) => {
    const page = JSON.parse(fixture('beijing/recorded-list.json'));
    Object.assign(page.data.records[0], patch);
    return mapListResponse(JSON.stringify(page));
  };

  it('skips a listing whose provider code is not USCC-shaped (a failing check digit is still fine)', () => {
    for (const bad of ['X', '5000.00', '1330127MA28NJBQ8X', '91110105M0009TEEJR91110105M0009TEEJR']) {
      const page = beijingPage({ supplierCreditCode: bad });
      expect(page.skipped).toEqual([{ nativeId: expect.any(String), reason: expect.stringMatching(/^supplierCreditCode: .* is not a Unified Social Credit Code$/) }]);
    }
    const legacy = beijingPage({ supplierCreditCode: ' 91350100m0001tgqxm ' });
    expect(legacy.skipped).toEqual([]);
    expect(legacy.records[0].providerCode).toBe('91350100M0001TGQXM');
  });
});
