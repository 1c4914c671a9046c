// Fuzzing Shanghai's search, detail-batch and token mappings (engine and invariants: ./fuzz-harness.ts).

import { describe, expect, it } from 'vitest';
import { UpstreamError } from '../../../subgraphs/common/errors.ts';
import type { UpstreamClient } from '../../../subgraphs/common/upstream.ts';
import { mapDetailBatchResponse, mapSearchResponse, parseNativeKey, type ServiceType } from '../../../subgraphs/shanghai/mapping.ts';
import { createTokenSource } from '../../../subgraphs/shanghai/token.ts';
import { describeFuzz, detailViolations, fuzzedExchange, nonBlank, pageOutcome, pagingViolations } from './fuzz-harness.ts';
import { fixture } from './helpers.ts';

const SHANGHAI = fuzzedExchange('shanghai', (key) => parseNativeKey(key) !== null);

describeFuzz({
  upstream: 'shanghai',
  targets: [
    {
      name: 'shanghai search',
      fixtures: ['shanghai/recorded-search-type1.json', 'shanghai/recorded-search-type2.json', 'shanghai/search-type1.json', 'shanghai/search-type2.json', 'shanghai/search-error.json'],
      run: (text, original) => {
        const type: ServiceType = /"serviceType":\s*2/.test(original) ? 2 : 1;
        const p = mapSearchResponse(text, type);
        const space = type === 1 ? 'registered:' : 'tradable:';
        const wrongSpace = p.records.filter((r) => !r.nativeId.startsWith(space)).map((r) => `record ${r.id} in a serviceType ${type} page`);
        return pageOutcome(SHANGHAI, p, [...wrongSpace, ...pagingViolations({ total: p.total, totalPage: p.totalPage, pageNum: p.pageNum })]);
      },
    },
    {
      name: 'shanghai detail batch',
      fixtures: ['shanghai/recorded-detail-batch.json', 'shanghai/detail-batch.json', 'shanghai/recorded-detail-batch-too-many.json'],
      run: (text) => {
        const reply = mapDetailBatchResponse(text);
        const violations: string[] = [];
        let produced = 0;
        let rejected = reply.unattributable;
        for (const [key, d] of reply.details) {
          if (!SHANGHAI.nativeId(key)) violations.push(`key ${key}`);
          if (d instanceof Error) {
            rejected++;
            if (!(d instanceof UpstreamError) || d.code !== 'UPSTREAM_ERROR' || d.upstream !== 'shanghai') violations.push(`entry ${key}: ${d.name}: ${d.message}`);
          } else {
            produced++;
            violations.push(...detailViolations(d, `shanghai:${key}`).map((v) => `${key} ${v}`));
          }
        }
        return { violations, produced, rejected };
      },
    },
    {
      name: 'shanghai token',
      fixtures: ['shanghai/token.json', 'shanghai/recorded-token-expired.json'],
      run: async (text) => {
        const client = { request: async () => ({ status: 200, headers: {}, text }) } as unknown as UpstreamClient;
        const token = await createTokenSource({ client, clientId: 'id', clientSecret: 'secret' }).get();
        return { violations: nonBlank(token) || (typeof token === 'string' && token.length > 0) ? [] : [`token ${JSON.stringify(token)}`], produced: 1, rejected: 0 };
      },
    },
  ],
  throwing: ['shanghai/recorded-detail-batch-too-many.json', 'shanghai/recorded-token-expired.json', 'shanghai/search-error.json'],
  notFound: [],
});

describe('shanghai regressions found by fuzzing', () => {
  it('rejects Shanghai epoch times that would need a five-digit year', () => {
    const text = fixture('shanghai/recorded-detail-batch.json').replace(/"issuedAt":\d+/, '"issuedAt":1795000000000000');
    const entry = [...mapDetailBatchResponse(text).details.values()].find((d) => d instanceof Error);
    expect(entry).toBeInstanceOf(UpstreamError);
    expect((entry as Error).message).toMatch(/certs\[0\]\.issuedAt/);
  });

  it('rejects blank certificate numbers and trims the rest', () => {
    const text = fixture('shanghai/recorded-detail-batch.json').replace(/"certNo":"[^"]*"/, '"certNo":"  "');
    const entry = [...mapDetailBatchResponse(text).details.values()].find((d) => d instanceof Error);
    expect((entry as Error).message).toMatch(/certs\[0\]\.certNo: blank/);
  });
});
