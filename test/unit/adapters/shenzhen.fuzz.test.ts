// Fuzzing Shenzhen's list and detail mappings (engine and invariants: ./fuzz-harness.ts).

import { describe, expect, it } from 'vitest';
import { mapDetailResponse, mapListResponse, SP_ID } from '../../../subgraphs/shenzhen/mapping.ts';
import { describeFuzz, detailOutcome, fuzzedExchange, pageOutcome } from './fuzz-harness.ts';
import { fixture } from './helpers.ts';

const SHENZHEN = fuzzedExchange('shenzhen', (key) => SP_ID.test(key));

const fixtureSpId = (text: string) => {
  try {
    const spId = (JSON.parse(text) as { data?: { spId?: unknown } }).data?.spId;
    return typeof spId === 'string' ? spId : 'SZ00000000000000';
  } catch {
    return 'SZ00000000000000';
  }
};

describeFuzz({
  upstream: 'shenzhen',
  targets: [
    {
      name: 'shenzhen list',
      fixtures: ['shenzhen/recorded-list.json', 'shenzhen/recorded-list-page-1.json', 'shenzhen/list-page-0.json', 'shenzhen/list-page-1.json', 'shenzhen/list-error.json'],
      run: (text) => {
        const p = mapListResponse(text);
        const extra = p.totalCount < 0 || p.count < p.records.length ? [`totalCount ${p.totalCount}, count ${p.count}, records ${p.records.length}`] : [];
        return pageOutcome(SHENZHEN, p, extra);
      },
    },
    {
      name: 'shenzhen detail',
      fixtures: [
        'shenzhen/recorded-detail-1.json',
        'shenzhen/recorded-detail-2.json',
        'shenzhen/detail-ok.json',
        'shenzhen/recorded-detail-40004.json',
        'shenzhen/recorded-detail-40001.json',
        'shenzhen/detail-40004.json',
        'shenzhen/detail-40001.json',
      ],
      run: (text, original) => {
        const spId = fixtureSpId(original);
        return detailOutcome(mapDetailResponse(text, spId), `shenzhen:${spId}`);
      },
    },
  ],
  throwing: ['shenzhen/list-error.json', 'shenzhen/recorded-detail-40001.json', 'shenzhen/detail-40001.json'],
  notFound: ['shenzhen/recorded-detail-40004.json', 'shenzhen/detail-40004.json'],
});

describe('shenzhen regressions the fuzzer guards', () => {
  const page = (patch: Record<string, unknown>) => {
    const body = JSON.parse(fixture('shenzhen/recorded-list.json'));
    Object.assign(body.data.rows[0], patch);
    return mapListResponse(JSON.stringify(body));
  };

  it('skips a row whose gxsj is in milliseconds (not mis-dated) and keeps the rest of the page', () => {
    const rows = JSON.parse(fixture('shenzhen/recorded-list.json')).data.rows.length;
    const p = page({ gxsj: 1714969800000 });
    expect(p.skipped).toEqual([{ nativeId: expect.stringMatching(SP_ID), reason: expect.stringMatching(/^gxsj: /) }]);
    expect(p.records).toHaveLength(rows - 1);
  });
});
