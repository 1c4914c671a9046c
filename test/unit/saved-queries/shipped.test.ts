// The saved queries shipped in queries/*.graphql: useful, documented, valid against the client
// schema, with default variables of the right types, and exportable page by page.

import { describe, expect, it } from 'vitest';
import { loadShippedQueries, parseQueryFile } from '../../../gateway/saved-queries/shipped.ts';
import { validateSavedDocument, describeVariables } from '../../../gateway/saved-queries/validate.ts';
import { runVariables, VariableError } from '../../../gateway/saved-queries/variables.ts';
import { planMainList } from '../../../gateway/saved-queries/main-list.ts';
import { apiSchema } from './schema.ts';

const { queries, problems } = loadShippedQueries();

describe('shipped queries', () => {
  it('load without problems, at least five, each described', () => {
    expect(problems).toEqual([]);
    expect(queries.length).toBeGreaterThanOrEqual(5);
    for (const q of queries) {
      expect(q.description.length, q.name).toBeGreaterThan(30);
      expect(q.owner).toBe('dataex');
    }
    const names = queries.map((q) => q.name);
    expect(names).toEqual(
      expect.arrayContaining(['judicial-penalty-under-1000-yuan', 'multi-exchange-providers', 'changed-this-week', 'personal-info-datasets', 'exchange-status', 'health-datasets-pricing']),
    );
  });

  for (const q of queries) {
    it(`${q.name} validates against schema/api.graphql and its defaults type-check`, () => {
      const checked = validateSavedDocument(apiSchema, q.document);
      if (!checked.ok) throw new Error(checked.errors.map((e) => e.message).join('\n'));
      const vars = describeVariables(checked.operation, q.defaultVariables, apiSchema);
      const required = vars.filter((v) => v.required).map((v) => v.name);
      // Defaults alone make a runnable query, except for the variables the query asks for.
      const fill = Object.fromEntries(required.map((name) => [name, name === 'creditCode' ? '91110000100000000X' : 'x']));
      expect(() => runVariables(apiSchema, checked.operation, q.defaultVariables, fill)).not.toThrow();
      const plan = planMainList(apiSchema, checked.document, checked.operation);
      if (plan.connection) {
        expect(plan.connection.pagingProblem, q.name).toBeUndefined();
        expect(plan.connection.paging?.afterVariable).toBe('after');
        expect(plan.connection.totalCountKey).toBe('totalCount');
      }
      expect(plan.columns.length).toBeGreaterThan(3);
    });
  }

  it('the judicial-penalty query asks for 行政处罚 at most 1,000 yuan (100000 fen, a Long string)', () => {
    const q = queries.find((x) => x.name === 'judicial-penalty-under-1000-yuan')!;
    expect(q.defaultVariables).toMatchObject({ text: '行政处罚', maxPriceFen: '100000' });
  });

  it('what-changed-this-week defaults to a relative date resolved at run time', () => {
    const q = queries.find((x) => x.name === 'changed-this-week')!;
    const checked = validateSavedDocument(apiSchema, q.document);
    if (!checked.ok) throw new Error('invalid');
    const now = new Date('2024-05-08T03:00:00Z'); // 11:00 in Beijing, a Wednesday
    const vars = runVariables(apiSchema, checked.operation, q.defaultVariables, {}, now);
    expect(vars.since).toBe('2024-05-01T00:00:00+08:00');
  });

  it('provider-listings refuses to run without its credit code', () => {
    const q = queries.find((x) => x.name === 'provider-listings')!;
    const checked = validateSavedDocument(apiSchema, q.document);
    if (!checked.ok) throw new Error('invalid');
    expect(() => runVariables(apiSchema, checked.operation, q.defaultVariables, {})).toThrow(VariableError);
    const plan = planMainList(apiSchema, checked.document, checked.operation);
    expect(plan.path).toEqual(['provider', 'datasets', 'edges']);
  });
});

describe('query file header', () => {
  it('reads description lines and the variables JSON, ignoring other comments', () => {
    const parsed = parseQueryFile('# description: One\n# a note\n# description: two\n# variables: {"a": 1}\n\nquery { exchanges { id } }\n# description: not header\n');
    expect(parsed.description).toBe('One two');
    expect(parsed.defaultVariables).toEqual({ a: 1 });
    expect(parsed.document).toContain('query { exchanges { id } }');
  });

  it('refuses variables that are not a JSON object', () => {
    expect(() => parseQueryFile('# variables: [1]\n{ exchanges { id } }')).toThrow(/JSON object/);
    expect(() => parseQueryFile('# variables: {a: 1}\n{ exchanges { id } }')).toThrow(/JSON object/);
  });
});
