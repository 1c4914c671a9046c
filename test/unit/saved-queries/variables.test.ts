// Typing run variables from text (query string, CLI) and JSON against the operation.

import { describe, expect, it } from 'vitest';
import { GraphQLError } from 'graphql';
import { checkVariables, cstDateStamp, resolveRelativeDates, runVariables, typeVariables, VariableError } from '../../../gateway/saved-queries/variables.ts';
import { describeVariables, registerSavedDocumentCheck, validateSavedDocument } from '../../../gateway/saved-queries/validate.ts';
import { apiSchema, op } from './schema.ts';

const Q = op(`query Q($text: String, $first: Int = 20, $ratio: Float, $pi: Boolean, $max: Long, $order: DatasetOrder,
  $sectors: [String!], $ex: [ID!], $filter: DatasetFilter, $since: DateTime, $code: ID!) {
  search(text: $text, first: $first, orderBy: $order, filter: $filter) { totalCount }
  a: search(filter: { sectors: $sectors, exchanges: $ex, maxPriceFen: $max, containsPersonalInfo: $pi, updatedSince: $since }) { totalCount }
  provider(creditCode: $code) { name }
}`).operation;

const errorsOf = (fn: () => unknown): string[] => {
  try {
    fn();
  } catch (e) {
    if (e instanceof VariableError) return e.errors.map((x) => x.message);
    throw e;
  }
  return [];
};

describe('typing text values', () => {
  it('reads each type from text', () => {
    const vars = typeVariables(apiSchema, Q, {
      text: '行政处罚',
      first: '50',
      ratio: '0.5',
      pi: 'true',
      max: '100000',
      order: 'PRICE_ASC',
      sectors: 'Q,S',
      ex: ['beijing', 'shanghai'],
      filter: '{"exchanges":["guiyang"],"maxPriceFen":"500"}',
      code: '91110000100000000X',
    });
    expect(vars).toEqual({
      text: '行政处罚',
      first: 50,
      ratio: 0.5,
      pi: true,
      max: '100000',
      order: 'PRICE_ASC',
      sectors: ['Q', 'S'],
      ex: ['beijing', 'shanghai'],
      filter: { exchanges: ['guiyang'], maxPriceFen: '500' },
      code: '91110000100000000X',
    });
    expect(() => checkVariables(apiSchema, Q, vars)).not.toThrow();
  });

  it('takes JSON values as they are, with Long numbers as strings and JSON arrays for lists', () => {
    expect(typeVariables(apiSchema, Q, { first: 5, max: 100000, sectors: '["Q"]', pi: false })).toEqual({ first: 5, max: '100000', sectors: ['Q'], pi: false });
  });

  it('names unknown variables and lists the known ones', () => {
    const errors = errorsOf(() => typeVariables(apiSchema, Q, { maxPrice: '1' }));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/unknown variable "maxPrice"/);
    expect(errors[0]).toMatch(/\$max\b/);
  });

  it('reports wrong types with the variable and the expected type', () => {
    expect(errorsOf(() => runVariables(apiSchema, Q, {}, { first: 'ten', code: 'x' }))[0]).toMatch(/"\$first".*Int/);
    expect(errorsOf(() => runVariables(apiSchema, Q, {}, { order: 'CHEAPEST', code: 'x' }))[0]).toMatch(/"\$order".*DatasetOrder/);
    expect(errorsOf(() => runVariables(apiSchema, Q, {}, { pi: 'maybe', code: 'x' }))[0]).toMatch(/"\$pi".*Boolean/);
    expect(errorsOf(() => runVariables(apiSchema, Q, {}, { filter: '{oops', code: 'x' }))[0]).toMatch(/"\$filter" must be a JSON object/);
    expect(errorsOf(() => runVariables(apiSchema, Q, {}, { first: ['1', '2'], code: 'x' }))[0]).toMatch(/given 2 values/);
    expect(errorsOf(() => runVariables(apiSchema, Q, {}, {}))[0]).toMatch(/"\$code" of required type "ID!" was not provided/);
  });

  it('merges saved defaults under the caller values', () => {
    const vars = runVariables(apiSchema, Q, { first: 10, text: '医疗' }, { first: '30', code: 'c' });
    expect(vars).toMatchObject({ first: 30, text: '医疗', code: 'c' });
  });

  it('resolves relative DateTime values in China time', () => {
    const now = new Date('2024-05-08T18:30:00Z'); // 02:30 on 9 May in Beijing
    expect(resolveRelativeDates(apiSchema, Q, { since: 'now-7d', text: 'now-7d' }, now)).toEqual({ since: '2024-05-02T00:00:00+08:00', text: 'now-7d' });
    expect(resolveRelativeDates(apiSchema, Q, { since: 'now-2h' }, now).since).toBe('2024-05-09T00:30:00+08:00');
    expect(resolveRelativeDates(apiSchema, Q, { since: 'now-1w' }, now).since).toBe('2024-05-02T00:00:00+08:00');
    expect(resolveRelativeDates(apiSchema, Q, { since: '2024-01-01T00:00:00+08:00' }, now).since).toBe('2024-01-01T00:00:00+08:00');
    expect(cstDateStamp(now)).toBe('20240509');
  });
});

describe('document validation', () => {
  it('accepts one valid query and describes its variables', () => {
    const checked = validateSavedDocument(apiSchema, 'query($first: Int = 5, $code: ID!, $x: String) { provider(creditCode: $code) { name } search(first: $first, text: $x) { totalCount } }');
    expect(checked.ok).toBe(true);
    if (!checked.ok) return;
    expect(describeVariables(checked.operation, { x: 'saved' }, apiSchema)).toEqual([
      { name: 'first', type: 'Int', required: false, defaultValue: 5 },
      { name: 'code', type: 'ID!', required: true, defaultValue: null },
      { name: 'x', type: 'String', required: false, defaultValue: 'saved' },
    ]);
  });

  it('refuses syntax errors, unknown fields, several operations', () => {
    const syntax = validateSavedDocument(apiSchema, '{ search { ');
    expect(syntax.ok).toBe(false);
    if (!syntax.ok) expect(syntax.errors[0].extensions.code).toBe('GRAPHQL_PARSE_FAILED');
    const unknown = validateSavedDocument(apiSchema, '{ search { nope } }');
    expect(unknown.ok).toBe(false);
    if (!unknown.ok) {
      expect(unknown.errors[0].message).toMatch(/Cannot query field "nope"/);
      expect(unknown.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    }
    const two = validateSavedDocument(apiSchema, 'query A { exchanges { id } } query B { exchanges { id } }');
    expect(two.ok).toBe(false);
    if (!two.ok) expect(two.errors[0].message).toMatch(/exactly one operation/);
  });

  it('runs registered checks (the hook for query limits)', () => {
    const unregister = registerSavedDocumentCheck(() => [new GraphQLError('too deep', { extensions: { code: 'QUERY_TOO_COMPLEX' } })]);
    try {
      const checked = validateSavedDocument(apiSchema, '{ exchanges { id } }');
      expect(checked.ok).toBe(false);
      if (!checked.ok) expect(checked.errors[0].extensions.code).toBe('QUERY_TOO_COMPLEX');
    } finally {
      unregister();
    }
    expect(validateSavedDocument(apiSchema, '{ exchanges { id } }').ok).toBe(true);
  });
});
