// The exchanges' SDL is rendered from the exchange list (schema/exchange-sdl.ts): the committed
// files are what the templates render, and a new entry alone yields a subgraph SDL and a catalog
// type that compose with the others into a supergraph serving the new `<Label>Dataset` — a new
// exchange needs no hand-written SDL.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, type GraphQLInterfaceType, type GraphQLObjectType } from 'graphql';
import { composeServices } from '@apollo/composition';
import { REGION_END, REGION_START, catalogSdl, exchangeSdlFiles, exchangeSubgraphSdl } from '../../schema/exchange-sdl.ts';
import { subgraphSdl } from '../../schema/compose.ts';
import { SCHEMA_DIR } from '../../schema/paths.ts';
import { CATALOG, EXCHANGES, REGISTRY, type ExchangeDefinition } from '../../subgraphs/exchanges.ts';

const TESTLAND: ExchangeDefinition = {
  id: 'testland',
  name: '测试数据交易所',
  city: '测试',
  label: 'Testland',
  typeName: 'TestlandDataset',
  subgraphPort: 4090,
  simulatorPort: 4190,
  credentials: [{ key: 'apiKey', description: 'Testland API key.', development: 'dataex-tl' }],
  sdl: { listing: 'A listing on the Testland "Open" Data Exchange.', idForm: '<slug>', nativeId: 'Lowercase slug.', keywords: 'Tags.' },
};

const onDisk = (path: string) => readFileSync(join(SCHEMA_DIR, '..', path), 'utf8');

describe('the exchange SDL templates', () => {
  it('render the committed SDL files byte for byte, one subgraph per exchange and the catalog', () => {
    const files = exchangeSdlFiles();
    expect(files.map((f) => f.path)).toEqual([...EXCHANGES.map((e) => `schema/${e.id}.graphql`), 'schema/catalog.graphql']);
    for (const f of files) expect(f.content, f.path).toBe(onDisk(f.path));
  });

  it("own only the catalog's marked region and the two descriptions naming every exchange", () => {
    const catalog = onDisk('schema/catalog.graphql');
    const [before, rest] = catalog.split(`${REGION_START}\n`);
    const after = rest.slice(rest.indexOf(REGION_END));
    // An emptied region is rendered again; the rest of the file is kept.
    expect(catalogSdl(EXCHANGES, `${before}${REGION_START}\n${after}`)).toBe(catalog);
    const inRegion = catalog.indexOf('"Title in Chinese."', catalog.indexOf(REGION_START));
    expect(catalogSdl(EXCHANGES, `${catalog.slice(0, inRegion)}"Hand-edited."${catalog.slice(inRegion + '"Title in Chinese."'.length)}`)).toBe(catalog);
    const handEdit = catalog.replace('"Every exchange dataex federates, with harvest status."', '"Kept."');
    expect(catalogSdl(EXCHANGES, handEdit)).toBe(handEdit);
    expect(() => catalogSdl(EXCHANGES, catalog.replace(REGION_END, '# the end'))).toThrow(/marker lines/);
    expect(() => catalogSdl(EXCHANGES, catalog.replace('  exchange(id: ID!)', '  exchangeById(id: ID!)'))).toThrow(/Query\.exchange/);
  });

  it('give a new exchange its subgraph SDL and catalog type, which compose into the supergraph', () => {
    const exchanges = [...EXCHANGES, TESTLAND];
    const files = new Map(exchangeSdlFiles(exchanges).map((f) => [f.path, f.content]));
    const testland = files.get('schema/testland.graphql')!;
    const catalog = files.get('schema/catalog.graphql')!;
    expect(testland).toContain(exchangeSubgraphSdl(TESTLAND));
    expect(testland.startsWith('# Written by `npm run generate`')).toBe(true);
    expect(testland).toContain('type TestlandDataset @key(fields: "id")');
    expect(catalog).toContain('type TestlandDataset implements Dataset @key(fields: "id")');
    expect(catalog).toContain('"Price plans (live, from Testland)."');
    // The founding exchanges' SDL is unchanged by the new entry.
    for (const e of EXCHANGES) expect(files.get(`schema/${e.id}.graphql`)).toBe(onDisk(`schema/${e.id}.graphql`));

    const subgraphs = [CATALOG.name, ...exchanges.map((e) => e.id), REGISTRY.name].map((name, i) => ({
      name,
      url: `http://127.0.0.1:${4001 + i}/graphql`,
      typeDefs: parse(files.get(`schema/${name}.graphql`) ?? subgraphSdl(name)),
    }));
    const result = composeServices(subgraphs);
    expect(result.errors?.map((e) => e.message)).toBeUndefined();
    const api = result.schema!.toAPISchema().toGraphQLJSSchema();

    const dataset = api.getType('TestlandDataset') as GraphQLObjectType;
    const contract = Object.keys((api.getType('Dataset') as GraphQLInterfaceType).getFields());
    expect(dataset.getInterfaces().map((i) => i.name)).toEqual(['Dataset']);
    expect(Object.keys(dataset.getFields())).toEqual(expect.arrayContaining(contract));
    expect(dataset.description).toBe('A listing on the Testland "Open" Data Exchange.');
    expect(dataset.getFields().id.description).toBe('dataex id `testland:<slug>`.');
    expect(dataset.getFields().keywords.description).toBe('Tags.');
    const query = api.getQueryType()!.getFields();
    const ids = exchanges.map((e) => `\`${e.id}\``).join(', ');
    expect(ids).toMatch(/^`beijing`, .*, `testland`$/);
    expect(query.exchange.description).toBe(`One exchange by id (${ids}); null when unknown.`);
    expect((api.getType('Exchange') as GraphQLObjectType).getFields().id.description).toBe(`Id: ${ids}.`);
    // The live fields are resolved by the new exchange's subgraph.
    const supergraph = result.supergraphSdl!;
    const joined = supergraph.slice(supergraph.indexOf('type TestlandDataset implements Dataset'));
    expect(joined.slice(0, joined.indexOf('{'))).toContain('@join__type(graph: TESTLAND, key: "id")');
    const pricing = joined.split('\n').find((line) => line.startsWith('  pricing:'))!;
    expect(pricing).toContain('@join__field(graph: TESTLAND)');
    expect(pricing).toContain('@join__field(graph: CATALOG, external: true)');
  });
});
