// Fuzzing the enterprise registry's lookup mapping (engine and invariants: ./fuzz-harness.ts).

import { REGISTRY } from '../../../subgraphs/exchanges.ts';
import { mapLookupResponse } from '../../../subgraphs/registry/mapping.ts';
import { describeFuzz, registrationViolations } from './fuzz-harness.ts';

describeFuzz({
  upstream: REGISTRY.name,
  targets: [
    {
      name: 'registry lookup',
      fixtures: ['registry/recorded-lookup.json', 'registry/lookup.json', 'registry/recorded-lookup-401.json'],
      run: (text) => {
        const result = mapLookupResponse(text);
        const violations = result.registrations.flatMap((r, i) => registrationViolations(r).map((v) => `registrations[${i}] ${v}`));
        result.skipped.forEach((s, i) => {
          if (!(s.creditCode === null || typeof s.creditCode === 'string') || typeof s.reason !== 'string') violations.push(`skipped[${i}]`);
        });
        return { violations, produced: result.registrations.length, rejected: result.skipped.length };
      },
    },
  ],
  throwing: ['registry/recorded-lookup-401.json'],
  notFound: [],
});
