// The committed supergraph and client schema must match what the subgraph SDLs compose to,
// and the client schema must hold the fixed API contract.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildSchema, isNonNullType, type GraphQLObjectType, type GraphQLInterfaceType } from 'graphql';
import { composeSupergraph } from '../../schema/compose.ts';
import { SCHEMA_DIR } from '../../schema/paths.ts';
import { EXCHANGES } from '../../subgraphs/exchanges.ts';

const composed = composeSupergraph();

describe('schema files', () => {
  it('schema/supergraph.graphql is up to date (run `npm run compose`)', () => {
    expect(readFileSync(join(SCHEMA_DIR, 'supergraph.graphql'), 'utf8')).toBe(composed.supergraph);
  });
  it('schema/api.graphql is up to date (run `npm run compose`)', () => {
    expect(readFileSync(join(SCHEMA_DIR, 'api.graphql'), 'utf8')).toBe(composed.api);
  });
});

describe('client-facing contract', () => {
  const api = buildSchema(composed.api);
  const query = api.getQueryType()!;

  it('has the contract root fields with their arguments', () => {
    const fields = query.getFields();
    expect(Object.keys(fields)).toEqual(expect.arrayContaining(['search', 'dataset', 'datasets', 'provider', 'providers', 'exchanges', 'exchange']));
    expect(fields.search.args.map((a) => a.name)).toEqual(['text', 'filter', 'orderBy', 'first', 'after']);
    expect(fields.search.args.find((a) => a.name === 'first')!.defaultValue).toBe(20);
    expect(isNonNullType(fields.search.type)).toBe(true);
    expect(fields.providers.args.map((a) => a.name)).toEqual(['text', 'exchange', 'minExchanges', 'first', 'after']);
  });

  it('has every Dataset field of the contract, on the interface and each exchange type', () => {
    const contract = [
      'id',
      'nativeId',
      'exchange',
      'title',
      'titleEn',
      'description',
      'productType',
      'status',
      'provider',
      'sectors',
      'scenarios',
      'keywords',
      'classification',
      'headlinePrice',
      'updatedAt',
      'pricing',
      'delivery',
      'certificates',
      'updateFrequency',
      'sample',
    ];
    for (const name of ['Dataset', ...EXCHANGES.map((e) => e.typeName)]) {
      const type = api.getType(name) as GraphQLObjectType | GraphQLInterfaceType;
      expect(Object.keys(type.getFields()), name).toEqual(expect.arrayContaining(contract));
    }
    const provider = api.getType('Provider') as GraphQLObjectType;
    expect(Object.keys(provider.getFields())).toEqual(expect.arrayContaining(['creditCode', 'creditCodeValid', 'name', 'datasets', 'exchanges', 'registration']));
  });

  it('describes every type and field', () => {
    const undocumented: string[] = [];
    for (const type of Object.values(api.getTypeMap())) {
      if (type.name.startsWith('__') || ['String', 'Int', 'Float', 'Boolean', 'ID'].includes(type.name)) continue;
      if (!type.description) undocumented.push(type.name);
      if ('getFields' in type) {
        for (const field of Object.values((type as GraphQLObjectType).getFields())) if (!field.description) undocumented.push(`${type.name}.${field.name}`);
      }
    }
    expect(undocumented).toEqual([]);
  });
});
