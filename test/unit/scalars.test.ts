// The custom scalars (DateTime, Long): one definition of their parsing, used by the subgraphs'
// scalar types, by the gateway (attached to the supergraph's API schema, which is built from SDL
// and would otherwise take anything) and by the saved-query variables.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildSchema, getVariableValues, parse, validate, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import { SCHEMA_DIR } from '../../schema/paths.ts';
import { DateTimeScalar, LongScalar } from '../../subgraphs/common/scalars.ts';
import { checkVariables, runVariables, VariableError } from '../../gateway/saved-queries/variables.ts';

/** A fresh client schema from SDL: its custom scalars have graphql's default (accept-anything) parsing. */
const sdlSchema = (): GraphQLSchema => buildSchema(readFileSync(join(SCHEMA_DIR, 'api.graphql'), 'utf8'));

const operationOf = (source: string) => parse(source).definitions[0] as OperationDefinitionNode;

const messageOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected an error');
};

const variableErrorsOf = (fn: () => unknown): string[] => {
  try {
    fn();
  } catch (e) {
    if (e instanceof VariableError) return e.errors.map((x) => x.message);
    throw e;
  }
  return [];
};

/** The gateway's schema as Apollo Server hands it to plugins once the supergraph has loaded. */
async function gatewaySchema(): Promise<GraphQLSchema> {
  const { scalarInputPlugin } = await import('../../gateway/plugins/scalar-input.ts');
  const schema = sdlSchema();
  const listener = await scalarInputPlugin().serverWillStart!({} as never);
  listener!.schemaDidLoadOrUpdate!({ apiSchema: schema, coreSupergraphSdl: '' });
  return schema;
}

describe('DateTime', () => {
  it('reads offsets and bare dates into China time, and refuses impossible dates', () => {
    expect(DateTimeScalar.parseValue('2024-05-06')).toBe('2024-05-06T00:00:00+08:00');
    expect(DateTimeScalar.parseValue('2024-05-06T04:00:00Z')).toBe('2024-05-06T12:00:00+08:00');
    expect(DateTimeScalar.parseValue('2024-05-06T12:30:00+08:00')).toBe('2024-05-06T12:30:00+08:00');
    // Date.parse rolls 30 February over into March; a DateTime does not.
    expect(messageOf(() => DateTimeScalar.parseValue('2024-02-30'))).toMatch(/2024-02-30/);
    expect(messageOf(() => DateTimeScalar.parseValue('2024-05-06T24:10:00+08:00'))).toMatch(/24:10/);
  });

  it('names the bad value and lists the forms it takes, relative dates included', () => {
    for (const bad of ['yesterday', 'now-7d', '2024-05-06T12:00:00', 20240506]) {
      const message = messageOf(() => DateTimeScalar.parseValue(bad));
      expect(message).toContain(JSON.stringify(bad));
      expect(message).toMatch(/2024-05-06T12:00:00\+08:00/);
      expect(message).toMatch(/2024-05-06\b/);
      expect(message).toMatch(/now-7d/);
      expect(message).toMatch(/saved-query variables/);
    }
  });
});

describe('Long', () => {
  it('takes decimal strings and safe integers, and names what it refuses', () => {
    expect(LongScalar.parseValue('100000')).toBe(100000);
    expect(LongScalar.parseValue(-5)).toBe(-5);
    for (const bad of ['cheap', '1.5', '9007199254740992', '', true]) {
      const message = messageOf(() => LongScalar.parseValue(bad));
      expect(message).toContain(JSON.stringify(bad));
      expect(message).toMatch(/decimal string/);
    }
  });
});

describe('the gateway API schema (built from SDL) with dataex scalar parsing attached', () => {
  it('refuses bad literals in validation, with their location, as graphql does for Int', async () => {
    const schema = await gatewaySchema();
    const errors = validate(schema, parse('{ search(filter: { maxPriceFen: "cheap", updatedSince: "yesterday" }) { totalCount } }'));
    expect(errors.map((e) => e.message)).toEqual([expect.stringMatching(/Long.*"cheap"/), expect.stringMatching(/DateTime.*"yesterday".*now-7d/)]);
    expect(errors.every((e) => e.locations?.length === 1)).toBe(true);
    expect(validate(schema, parse('{ search(filter: { maxPriceFen: "100000", updatedSince: "2024-05-06" }) { totalCount } a: search(filter: { maxPriceFen: 100000 }) { totalCount } }'))).toEqual([]);
    // A schema without the parsing attached lets them through (the old behaviour the subgraphs refused with HTTP 400).
    expect(validate(sdlSchema(), parse('{ search(filter: { maxPriceFen: "cheap" }) { totalCount } }'))).toEqual([]);
  });

  it('refuses bad variables, naming the variable (and the field inside an input object)', async () => {
    const schema = await gatewaySchema();
    const op = operationOf('query Q($m: Long, $f: DatasetFilter) { search(filter: $f) { totalCount } a: search(filter: { maxPriceFen: $m }) { totalCount } }');
    const bad = getVariableValues(schema, op.variableDefinitions!, { m: 'cheap', f: { updatedSince: 'now-7d' } });
    expect(bad.errors?.map((e) => e.message)).toEqual([
      expect.stringMatching(/^Variable "\$m" got invalid value "cheap"; .*Long/),
      expect.stringMatching(/^Variable "\$f" got invalid value "now-7d" at "f\.updatedSince"; .*now-7d/),
    ]);
    const good = getVariableValues(schema, op.variableDefinitions!, { m: '100000', f: { updatedSince: '2024-05-06', maxPriceFen: 5 } });
    expect(good.errors).toBeUndefined();
  });
});

describe('saved-query variables use the same parsing', () => {
  const Q = operationOf(`query Q($max: Long, $since: DateTime, $filter: DatasetFilter) {
    search(filter: $filter) { totalCount }
    a: search(filter: { maxPriceFen: $max, updatedSince: $since }) { totalCount }
  }`);

  it('refuses a bad Long or DateTime with a VariableError naming the variable, even on a schema built from SDL', () => {
    expect(variableErrorsOf(() => runVariables(sdlSchema(), Q, {}, { max: 'cheap' }))).toEqual([expect.stringMatching(/"\$max" got invalid value "cheap".*Long/)]);
    expect(variableErrorsOf(() => runVariables(sdlSchema(), Q, {}, { since: 'yesterday' }))).toEqual([expect.stringMatching(/"\$since" got invalid value "yesterday".*now-7d/)]);
    expect(variableErrorsOf(() => runVariables(sdlSchema(), Q, {}, { filter: '{"maxPriceFen": "cheap"}' }))).toEqual([expect.stringMatching(/"\$filter".*"filter\.maxPriceFen".*Long/)]);
  });

  it('resolves relative dates wherever a DateTime is, inside input objects and lists too, and accepts them as saved defaults', () => {
    const now = new Date('2024-05-09T02:30:00+08:00');
    const vars = runVariables(sdlSchema(), Q, { since: 'now-7d' }, { filter: '{"updatedSince": "now-1w", "maxPriceFen": "100"}' }, now);
    expect(vars).toEqual({ since: '2024-05-02T00:00:00+08:00', filter: { updatedSince: '2024-05-02T00:00:00+08:00', maxPriceFen: '100' } });
    // At save time defaults are checked unresolved: a relative date is a valid default.
    expect(() => checkVariables(sdlSchema(), Q, { since: 'now-24h', filter: { updatedSince: 'now-2w' } }, ['since', 'filter'])).not.toThrow();
    expect(variableErrorsOf(() => checkVariables(sdlSchema(), Q, { since: 'now-7x' }, ['since']))).toEqual([expect.stringMatching(/"\$since".*now-7d/)]);
  });
});
