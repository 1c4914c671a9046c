// Fuzzing Guiyang's list and gateway-detail mappings, the JSON-in-a-string layers included
// (engine and invariants: ./fuzz-harness.ts).

import { mapGatewayResponse, mapListResponse } from '../../../subgraphs/guiyang/mapping.ts';
import { describeFuzz, detailOutcome, fuzzedExchange, pageOutcome, pagingViolations } from './fuzz-harness.ts';

// A serviceId as a string: a non-negative safe integer without leading zeros (the mapping exports no pattern).
const GUIYANG = fuzzedExchange('guiyang', (key) => /^(0|[1-9]\d{0,15})$/.test(key));

const fixtureServiceId = (text: string): number => {
  const outer = JSON.parse(text) as { data?: unknown };
  try {
    const inner = JSON.parse(String(outer.data)) as { data?: { serviceId?: number } };
    return inner.data?.serviceId ?? 1;
  } catch {
    return 1;
  }
};

describeFuzz({
  upstream: 'guiyang',
  targets: [
    {
      name: 'guiyang list',
      fixtures: ['guiyang/recorded-list.json', 'guiyang/list-quirks.json', 'guiyang/list-error.json'],
      run: (text) => {
        const p = mapListResponse(text);
        const extra = pagingViolations({ total: p.total, page: p.page, count: p.count });
        if (p.count !== p.records.length + p.skipped.length) extra.push(`count ${p.count} ≠ records + skipped`);
        return pageOutcome(GUIYANG, p, extra);
      },
    },
    {
      name: 'guiyang gateway detail',
      fixtures: ['guiyang/recorded-gateway-1.json', 'guiyang/recorded-gateway-2.json', 'guiyang/gateway-ok.json', 'guiyang/recorded-gateway-e404.json', 'guiyang/recorded-gateway-outer-400.json'],
      run: (text, original) => {
        const serviceId = fixtureServiceId(original);
        return detailOutcome(mapGatewayResponse(text, serviceId), `guiyang:${serviceId}`);
      },
    },
  ],
  throwing: ['guiyang/list-error.json', 'guiyang/recorded-gateway-outer-400.json'],
  notFound: ['guiyang/recorded-gateway-e404.json'],
});
