// dataex's executor of query plans (gateway/plan-execution.ts), beyond what the conformance
// suite compares (test/conformance/: the same answers as stock @apollo/gateway): what it sends.
// On the public benchmark's nested query the same product and user stand at up to 96 places of
// one fetch's path; stock @apollo/gateway sends a representation per place, dataex one per
// distinct entity, and both answer the same.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import { FEDERATION_QUERY, SUBGRAPHS } from '../../../bench/federation-bench/subgraphs.ts';
import { comparable, dataexGateway, stockGateway, type Fixture, type GatewayUnderTest } from '../../conformance/harness.ts';

type Resolvers = Record<string, Record<string, (...args: never[]) => unknown>>;

/** The benchmark's subgraphs, counting the representations each subgraph resolves, by type. */
function counted(counts: Map<string, number>): Fixture {
  return () =>
    SUBGRAPHS.map((def) => {
      const resolvers: Resolvers = {};
      for (const [type, fields] of Object.entries(def.resolvers as Resolvers)) {
        resolvers[type] = { ...fields };
        const resolve = fields.__resolveReference;
        if (!resolve) continue;
        const name = `${def.name}.${type}`;
        resolvers[type].__resolveReference = (...args: never[]) => {
          counts.set(name, (counts.get(name) ?? 0) + 1);
          return resolve(...args);
        };
      }
      return { ...def, resolvers: resolvers as GraphQLResolverMap<unknown> };
    });
}

describe('plan execution: each distinct representation sent once', () => {
  const stockCounts = new Map<string, number>();
  const dataexCounts = new Map<string, number>();
  let stock: GatewayUnderTest;
  let dataex: GatewayUnderTest;
  beforeAll(async () => {
    [stock, dataex] = await Promise.all([stockGateway(counted(stockCounts)), dataexGateway(counted(dataexCounts), { DATAEX_RESPONSE_CACHE: 'false' })]);
  });
  afterAll(async () => {
    await Promise.all([stock?.close(), dataex?.close()]);
  });

  it('answers the nested query as stock @apollo/gateway does, resolving each entity once per fetch', async () => {
    const op = { query: FEDERATION_QUERY, operationName: 'TestQuery' };
    const reference = await stock.run(op);
    const answer = await dataex.run(op);
    expect(reference.errors).toBeUndefined();
    expect(comparable(answer)).toEqual(comparable(reference));

    // Stock: a representation per place (hundreds); dataex: one per distinct entity and fetch.
    const inventory = 'inventory.Product';
    expect(stockCounts.get(inventory)).toBeGreaterThan(100);
    expect(dataexCounts.get(inventory)).toBeGreaterThan(0);
    expect(dataexCounts.get(inventory)!).toBeLessThanOrEqual(stockCounts.get(inventory)! / 10);
    for (const [name, n] of stockCounts) {
      expect(dataexCounts.get(name), name).toBeGreaterThan(0);
      expect(dataexCounts.get(name)!, name).toBeLessThanOrEqual(n);
    }
  });

  it('sends the same representations again for the next request (nothing is kept between requests)', async () => {
    const before = dataexCounts.get('inventory.Product')!;
    await dataex.run({ query: FEDERATION_QUERY, operationName: 'TestQuery' });
    expect(dataexCounts.get('inventory.Product')! - before).toBe(before);
  });
});
