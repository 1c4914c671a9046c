// Errors end to end (issue 17): bad input is the caller's error, not an outage; and every
// error's path names the item it is about, on lists that mix exchanges, with the gateway's
// entity cache on and off.

import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiKey, simCall, startExtraGateway, startTestStack, type TestStack } from '../helpers/stack.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ANONYMOUS = { authorization: '' };
const NO_CACHE = { 'cache-control': 'no-cache' };

let stack: TestStack;
let uncached: Awaited<ReturnType<typeof startExtraGateway>>;
let admin: Record<string, string>;

beforeAll(async () => {
  stack = await startTestStack({ DATAEX_PLAYGROUND: 'false' });
  // A second gateway over the same subgraphs, without the entity cache.
  uncached = await startExtraGateway(stack, { DATAEX_ENTITY_CACHE: 'false' });
  admin = await apiKey(stack, 'admin');
}, 120_000);

afterAll(async () => {
  await uncached?.close();
  await stack?.close();
});

describe('bad input is BAD_USER_INPUT (or a validation error), never an outage', () => {
  it('refuses bad Long and DateTime literals at the gateway, as it refuses a bad Int literal', async () => {
    const int = await stack.gql(`{ search(first: "abc") { totalCount } }`, undefined, ANONYMOUS);
    expect(int.status).toBe(400);
    for (const [literal, value] of [
      ['maxPriceFen: "cheap"', 'cheap'],
      ['updatedSince: "yesterday"', 'yesterday'],
      ['updatedSince: "now-7d"', 'now-7d'],
    ]) {
      const res = await stack.gql(`{ search(filter: { ${literal} }) { totalCount } }`, undefined, ANONYMOUS);
      expect(res.status, literal).toBe(400);
      expect(res.data, literal).toBeUndefined();
      expect(res.errors, literal).toHaveLength(1);
      expect(res.errors![0].extensions?.code).toBe(int.errors![0].extensions?.code);
      expect(res.errors![0].message).toContain(`"${value}"`);
      expect((res.errors![0] as { locations?: unknown[] }).locations).toHaveLength(1);
    }
    const dt = await stack.gql(`{ search(filter: { updatedSince: "now-7d" }) { totalCount } }`, undefined, ANONYMOUS);
    // The forms a DateTime takes are listed, relative ones (and where they are taken) too.
    expect(dt.errors![0].message).toMatch(/2024-05-06T12:00:00\+08:00.*now-7d.*saved-query variables/);
  });

  it('refuses bad variables with HTTP 400 and BAD_USER_INPUT naming the variable', async () => {
    const long = await stack.gql(`query Q($m: Long) { search(filter: { maxPriceFen: $m }) { totalCount } }`, { m: 'cheap' }, ANONYMOUS);
    expect(long.status).toBe(400);
    expect(long.errors).toEqual([expect.objectContaining({ message: expect.stringMatching(/^Variable "\$m" got invalid value "cheap"; .*Long/), extensions: { code: 'BAD_USER_INPUT' } })]);
    const nested = await stack.gql(`query Q($f: DatasetFilter) { search(filter: $f) { totalCount } }`, { f: { updatedSince: 'yesterday' } }, ANONYMOUS);
    expect(nested.status).toBe(400);
    expect(nested.errors).toEqual([
      expect.objectContaining({ message: expect.stringMatching(/^Variable "\$f" got invalid value "yesterday" at "f\.updatedSince"; .*now-7d/), extensions: { code: 'BAD_USER_INPUT' } }),
    ]);
    // Good values still answer.
    const res = await stack.gql(
      `query Q($m: Long, $since: DateTime) { a: search(filter: { maxPriceFen: $m, updatedSince: $since }) { totalCount } b: search(filter: { maxPriceFen: 100000, updatedSince: "2020-01-01" }) { totalCount } }`,
      { m: '100000', since: '2020-01-01T00:00:00Z' },
      ANONYMOUS,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data.a.totalCount).toBeGreaterThan(0);
  });

  it('saved-query runs: 400 naming the variable; relative dates resolved', async () => {
    const week = await stack.http('/saved-queries/changed-this-week/run', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ variables: { since: 'yesterday' } }),
    });
    expect(week.status, week.text).toBe(400);
    expect(JSON.parse(week.text).errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(week.text).toMatch(/\$since.*yesterday/);
    const cheap = await stack.http('/saved-queries/judicial-penalty-under-1000-yuan/run?maxPriceFen=cheap');
    expect(cheap.status, cheap.text).toBe(400);
    expect(cheap.text).toMatch(/\$maxPriceFen.*cheap/);
    const relative = await stack.http('/saved-queries/changed-this-week/run?since=now-2w&first=3');
    expect(relative.status, relative.text).toBe(200);
    expect(JSON.parse(relative.text).errors).toBeUndefined();
  });

  it('the CLI exits 5 (refused) on a bad variable', async () => {
    const run = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [join(ROOT, 'bin/dataex.mjs'), 'query', 'changed-this-week', '--var', 'since=yesterday'], {
        cwd: ROOT,
        env: { ...process.env, DATAEX_URL: stack.baseUrl, DATAEX_DATA_DIR: stack.config.dataDir, DATAEX_API_KEY: '' },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stderr }));
    });
    expect(run.code, run.stderr).toBe(5);
    expect(run.stderr).toMatch(/\$since.*yesterday/);
  });
});

type Result = { status: number; data?: any; errors?: Array<{ message: string; path?: (string | number)[]; extensions?: Record<string, any> }> };

const exchangeOf = (id: string) => id.slice(0, id.indexOf(':'));

/** The item an error is about: the last object with an `id` on the way along its path through `data`. */
function itemAt(data: unknown, path: (string | number)[]): { id: string } | undefined {
  let item: { id: string } | undefined;
  let value: any = data;
  for (const key of path) {
    value = value?.[key];
    if (value && typeof value === 'object' && typeof value.id === 'string') item = value;
  }
  return item;
}

const pathOf = (nodePath: (string | number)[], error: { path?: (string | number)[] }) => error.path && nodePath.every((k, i) => error.path![i] === k);

/** The two gateways: with the entity cache (the stack's) and without. */
const GATEWAYS = [
  { name: 'entity cache on', gql: (query: string, headers: Record<string, string>) => stack.gql(query, undefined, headers) as Promise<Result> },
  { name: 'entity cache off', gql: (query: string, headers: Record<string, string>) => uncached.gql(query, headers) as Promise<Result> },
];

describe('error paths name the item they are about', () => {
  for (const gateway of GATEWAYS) {
    it(`anonymous price plans on a mixed list: each FORBIDDEN points at its own node (${gateway.name})`, async () => {
      const res = await gateway.gql(`{ search(text: "疫苗", orderBy: TITLE_ASC, first: 8) { edges { node { id pricing { model } } } } }`, { ...ANONYMOUS, ...NO_CACHE });
      expect(res.status).toBe(200);
      const edges: Array<{ node: { id: string; pricing: unknown } }> = res.data.search.edges;
      const exchanges = edges.map((e) => exchangeOf(e.node.id));
      expect(new Set(exchanges).size, exchanges.join()).toBeGreaterThan(1);
      expect(res.errors?.length).toBe(edges.length);
      for (const error of res.errors!) {
        expect(error.extensions?.code).toBe('FORBIDDEN');
        const item = itemAt(res.data, error.path!);
        expect(item, JSON.stringify(error.path)).toBeDefined();
        expect(exchangeOf(item!.id), JSON.stringify(error)).toBe(error.extensions?.subgraph);
      }
      edges.forEach((edge, i) => {
        expect(edge.node.pricing).toBeNull();
        expect(
          res.errors!.filter((e) => pathOf(['search', 'edges', i, 'node'], e)),
          edge.node.id,
        ).toHaveLength(1);
      });
    });
  }

  // Each step reads its own page of the whole catalogue (by title), so that no earlier step has
  // fetched its listings: the upstream cache would answer those without an error.
  const FAULTS = [
    // `offline` last for an exchange: its breaker may stay open a while after it.
    { exchange: 'shanghai', mode: 'error', page: 10, gateway: GATEWAYS[0] },
    { exchange: 'beijing', mode: 'error', page: 11, gateway: GATEWAYS[1] },
    { exchange: 'guiyang', mode: 'offline', page: 12, gateway: GATEWAYS[0] },
    { exchange: 'shanghai', mode: 'offline', page: 13, gateway: GATEWAYS[1] },
  ] as const;

  for (const { exchange, mode, page, gateway } of FAULTS) {
    it(`${exchange} ${mode}: every error lands on a ${exchange} node, every failed ${exchange} node has one (${gateway.name})`, async () => {
      // A catalog-only query (no live field): it calls no exchange.
      let cursor: string | null = null;
      for (let i = 0; i < page; i++) {
        const skip: Result = await gateway.gql(`{ search(orderBy: TITLE_ASC, first: 100, after: ${JSON.stringify(cursor)}) { pageInfo { endCursor } } }`, { ...admin, ...NO_CACHE });
        cursor = skip.data.search.pageInfo.endCursor;
      }
      const after = JSON.stringify(cursor);
      const query = (first: number) => `{ search(orderBy: TITLE_ASC, first: ${first}, after: ${after}) { edges { node { id pricing { model } delivery { method } } } } }`;
      // Warm the first part (entity cache, upstream cache): the faulty fetch is then a part of the list.
      const warm = await gateway.gql(query(10), { ...admin, ...NO_CACHE });
      expect(warm.errors).toBeUndefined();
      await simCall(stack.simulators[exchange]!.url, 'POST', '/__sim/faults', { mode });
      try {
        const res = await gateway.gql(query(50), { ...admin, ...NO_CACHE });
        expect(res.status).toBe(200);
        const nodes: Array<{ id: string; pricing: unknown; delivery: unknown }> = res.data.search.edges.map((e: any) => e.node);
        const positions = nodes.flatMap((n, i) => (exchangeOf(n.id) === exchange ? [i] : []));
        // The test means something only if the exchange's nodes are not the list's first ones.
        expect(
          positions.some((p, k) => p !== k),
          positions.join(),
        ).toBe(true);
        const failed = positions.filter((i) => nodes[i].pricing === null || nodes[i].delivery === null);
        expect(failed.length).toBeGreaterThan(0);
        for (const error of res.errors ?? []) {
          if (!error.path) continue;
          const item = itemAt(res.data, error.path);
          expect(item, JSON.stringify(error)).toBeDefined();
          expect(exchangeOf(item!.id), JSON.stringify(error)).toBe(exchange);
          expect(error.extensions?.exchange, JSON.stringify(error)).toBe(exchange);
        }
        for (const i of failed) {
          expect(
            (res.errors ?? []).some((e) => pathOf(['search', 'edges', i, 'node'], e)),
            `${nodes[i].id} at ${i} has a null live field and no error pointing at it`,
          ).toBe(true);
        }
      } finally {
        await simCall(stack.simulators[exchange]!.url, 'POST', '/__sim/faults', { mode: 'none' });
      }
    });
  }
});
