// Fuzzing Taiyuan's search and package_show mappings, the certificates' JSON-in-a-string layer
// included (engine and invariants: ./fuzz-harness.ts). The detail target reads a reply as the
// adapter does: a CKAN error reply by its HTTP status (taken from the unmutated fixture).

import { ckanFailure, mapSearchResponse, mapShowResponse, PACKAGE_NAME } from '../../../subgraphs/taiyuan/mapping.ts';
import { describeFuzz, detailOutcome, fuzzedExchange, pageOutcome, pagingViolations } from './fuzz-harness.ts';

const TAIYUAN = fuzzedExchange('taiyuan', (key) => PACKAGE_NAME.test(key));

const STATUS_OF_ERROR: Record<string, number> = { 'Not Found Error': 404, 'Authorization Error': 403, 'Validation Error': 409 };

/** The HTTP status the fixture was answered with, and the package it names. */
function replyOf(original: string): { status: number; name: string } {
  const body = JSON.parse(original) as { success?: boolean; result?: { name?: string }; error?: { __type?: string } };
  const status = body.success === false ? (STATUS_OF_ERROR[body.error?.__type ?? ''] ?? 409) : 200;
  return { status, name: body.result?.name ?? 'no-such-package' };
}

describeFuzz({
  upstream: 'taiyuan',
  targets: [
    {
      name: 'taiyuan search',
      fixtures: ['taiyuan/recorded-search.json', 'taiyuan/recorded-search-default-sort.json', 'taiyuan/search-quirks.json', 'taiyuan/recorded-search-409.json'],
      run: (text) => {
        const p = mapSearchResponse(text);
        const extra = pagingViolations({ count: p.count, returned: p.returned });
        if (p.returned !== p.records.length + p.skipped.length) extra.push(`returned ${p.returned} ≠ records + skipped`);
        return pageOutcome(TAIYUAN, p, extra);
      },
    },
    {
      name: 'taiyuan package_show',
      fixtures: ['taiyuan/recorded-show-1.json', 'taiyuan/recorded-show-3.json', 'taiyuan/show-ok.json', 'taiyuan/recorded-show-404.json', 'taiyuan/recorded-show-403.json'],
      run: (text, original) => {
        const { status, name } = replyOf(original);
        if (status !== 200) {
          const failure = ckanFailure(status, text, `taiyuan detail ${name}`);
          if (failure.notFound) return detailOutcome(null, `taiyuan:${name}`);
          throw failure.error;
        }
        return detailOutcome(mapShowResponse(text, name), `taiyuan:${name}`);
      },
    },
  ],
  throwing: ['taiyuan/recorded-search-409.json', 'taiyuan/recorded-show-403.json'],
  notFound: ['taiyuan/recorded-show-404.json'],
});
