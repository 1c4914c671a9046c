// Saved queries over HTTP on the real stack with the file store: life cycle, multi-page
// exports, error cases (nothing changes), permissions, and errors in the middle of an export.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseCsv } from 'csv-parse/sync';
import { simCall, startTestStack, type TestStack } from '../helpers/stack.ts';
import { EXCHANGES } from '../../subgraphs/exchanges.ts';
import { bearer, createKeys, jsonHeaders, lifecycle, PENALTY_DOC, type Keys } from '../unit/saved-queries/lifecycle.ts';

let stack: TestStack;
let keys: Keys;

beforeAll(async () => {
  stack = await startTestStack({ DATAEX_PLAYGROUND: 'false' });
  keys = await createKeys(stack);
});

afterAll(async () => {
  await stack?.close();
});

const put = (name: string, body: unknown, key: string | null = keys.analyst) =>
  stack.http(`/saved-queries/${name}`, { method: 'PUT', headers: jsonHeaders(key ?? undefined), body: JSON.stringify(body) });

const storeFile = () => {
  try {
    return readFileSync(join(stack.config.dataDir, 'saved-queries.json'), 'utf8');
  } catch {
    return '';
  }
};

describe('saved queries, file store', () => {
  it('save → list → run as JSON, CSV, NDJSON → update → delete', async () => {
    await lifecycle(stack, keys, 'file', 'cheap-penalties');
  });

  it('keeps saved queries in saved-queries.json under the data directory', async () => {
    expect((await put('kept', { document: '{ exchanges { id } }' })).status).toBe(201);
    const data = JSON.parse(storeFile());
    expect(data.queries.kept).toMatchObject({ name: 'kept', owner: 'ana', document: '{ exchanges { id } }' });
  });
});

describe('exports of every page', () => {
  beforeAll(async () => {
    const res = await put('penalties', { document: PENALTY_DOC, defaultVariables: { text: '行政处罚', maxPriceFen: '100000', first: 50 } });
    expect(res.status, res.text).toBe(201);
  });

  it('CSV has exactly totalCount rows, parses back, and keeps Chinese text', async () => {
    const direct = await stack.gql(
      'query($after: String) { search(text: "行政处罚", filter: { maxPriceFen: "100000" }, first: 100, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { id title exchange { name } } } } }',
    );
    const total = direct.data.search.totalCount as number;
    expect(total).toBeGreaterThan(100); // several pages of 50
    const byId = new Map<string, { title: string; exchange: { name: string } }>();
    let page = direct;
    for (;;) {
      for (const e of page.data.search.edges) byId.set(e.node.id, e.node);
      if (!page.data.search.pageInfo.hasNextPage) break;
      page = await stack.gql(
        'query($after: String) { search(text: "行政处罚", filter: { maxPriceFen: "100000" }, first: 100, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { id title exchange { name } } } } }',
        { after: page.data.search.pageInfo.endCursor },
      );
    }
    expect(byId.size).toBe(total);

    const res = await stack.http('/saved-queries/penalties/run?format=csv&all=true');
    expect(res.status).toBe(200);
    expect(res.headers['transfer-encoding']).toBe('chunked'); // streamed, not buffered
    expect(Number(res.headers['x-dataex-total-count'])).toBe(total);
    const records = parseCsv(Buffer.from(res.text, 'utf8'), { bom: true }) as string[][];
    const [header, ...rows] = records;
    expect(header[0]).toBe('id');
    expect(rows).toHaveLength(total);
    expect(rows.some((r) => r[0] === '#ERROR')).toBe(false);
    const ids = new Set(rows.map((r) => r[0]));
    expect(ids.size).toBe(total);
    const col = (name: string) => header.indexOf(name);
    for (const r of rows) {
      const node = byId.get(r[0]);
      expect(node, r[0]).toBeDefined();
      expect(r[col('title')]).toBe(node!.title);
      expect(r[col('exchange.name')]).toBe(node!.exchange.name);
    }
    expect(rows.filter((r) => /行政处罚/.test(r[col('title')])).length).toBeGreaterThan(0);
  });

  it('NDJSON and JSON exports have every item too', async () => {
    const ndjson = await stack.http('/saved-queries/penalties/run?format=ndjson&all=true&first=100');
    const total = Number(ndjson.headers['x-dataex-total-count']);
    const lines = ndjson.text
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(total);
    expect(lines.every((l) => typeof l.id === 'string' && !('errors' in l))).toBe(true);

    const json = await stack.http('/saved-queries/penalties/run', { method: 'POST', headers: jsonHeaders(), body: JSON.stringify({ all: true, variables: { first: 100 } }) });
    expect(json.status).toBe(200);
    const body = JSON.parse(json.text);
    expect(body).toMatchObject({ savedQuery: 'penalties', count: total, totalCount: total, pages: Math.ceil(total / 100) });
    expect(body.items).toHaveLength(total);
    expect(body.errors).toBeUndefined();
  });

  it('an empty result still has the CSV header', async () => {
    const res = await stack.http('/saved-queries/penalties/run?format=csv&all=true&text=zzzqqqxxx');
    expect(res.status).toBe(200);
    expect(parseCsv(res.text, { bom: true })).toEqual([['id', 'title', 'exchange.id', 'exchange.name', 'provider.name', 'headlinePrice.text', 'headlinePrice.price.yuan', 'sectors.code', 'keywords']]);
  });

  it('shipped queries run: providers on two or more exchanges, exchange status', async () => {
    const providers = await stack.http('/saved-queries/multi-exchange-providers/run?format=csv&first=10');
    expect(providers.status).toBe(200);
    const rows = parseCsv(providers.text, { bom: true, columns: true }) as Array<Record<string, string>>;
    expect(rows).toHaveLength(10);
    for (const r of rows) expect(r['exchanges.id'].split('; ').length).toBeGreaterThanOrEqual(2);

    const status = await stack.http('/saved-queries/exchange-status/run?format=csv');
    const ex = parseCsv(status.text, { bom: true, columns: true }) as Array<Record<string, string>>;
    expect(ex.map((r) => r.id).sort()).toEqual(EXCHANGES.map((e) => e.id).sort());
    expect(ex[0].name).toMatch(/交易所/);

    const week = await stack.http('/saved-queries/changed-this-week/run?first=5');
    const body = JSON.parse(week.text);
    expect(body.errors).toBeUndefined();
    expect(body.data.search.totalCount).toBeGreaterThan(0);
  });
});

describe('refusals change nothing', () => {
  it('an invalid document is a 400 with the GraphQL errors, and nothing is stored', async () => {
    const before = storeFile();
    const res = await put('broken', { document: '{ search { edges { node { id nope } } } }' });
    expect(res.status).toBe(400);
    const body = JSON.parse(res.text);
    expect(body.message).toMatch(/not saved/);
    expect(body.errors[0]).toMatchObject({ message: expect.stringMatching(/Cannot query field "nope"/), extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
    expect(body.errors[0].locations).toBeDefined();
    const syntax = await put('broken', { document: '{ search { ' });
    expect(syntax.status).toBe(400);
    expect(JSON.parse(syntax.text).errors[0].extensions.code).toBe('GRAPHQL_PARSE_FAILED');
    expect((await stack.http('/saved-queries/broken')).status).toBe(404);

    // Replacing an existing query with an invalid one leaves the old one.
    const bad = await put('penalties', { document: 'query { exchanges { id } } query Two { exchanges { id } }' });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.text).errors[0].message).toMatch(/exactly one operation/);
    const badDefaults = await put('penalties', { document: PENALTY_DOC, defaultVariables: { first: 'many' } });
    expect(badDefaults.status).toBe(400);
    expect(JSON.parse(badDefaults.text).errors[0].message).toMatch(/"\$first".*Int/);
    const unknownDefault = await put('penalties', { document: PENALTY_DOC, defaultVariables: { price: 1 } });
    expect(unknownDefault.status).toBe(400);
    expect(JSON.parse(unknownDefault.text).errors[0].message).toMatch(/unknown variable "price"/);
    expect((await put('penalties', { document: PENALTY_DOC, extra: 1 })).status).toBe(400);
    expect((await put('Not_A_Slug', { document: '{ exchanges { id } }' })).status).toBe(400);
    expect(storeFile()).toBe(before);
  });

  it('unknown variables, wrong types and unknown names are 4xx with a clear message', async () => {
    const unknown = await stack.http('/saved-queries/penalties/run?format=csv&maxPrice=5');
    expect(unknown.status).toBe(400);
    expect(JSON.parse(unknown.text).message).toMatch(/unknown variable "maxPrice".*\$maxPriceFen/);
    const wrong = await stack.http('/saved-queries/penalties/run?first=lots');
    expect(wrong.status).toBe(400);
    expect(JSON.parse(wrong.text).errors[0]).toMatchObject({ message: expect.stringMatching(/"\$first" got invalid value "lots"; Int cannot represent/), extensions: { code: 'BAD_USER_INPUT' } });
    const postWrong = await stack.http('/saved-queries/penalties/run', { method: 'POST', headers: jsonHeaders(), body: JSON.stringify({ variables: { first: [1, 2] } }) });
    expect(postWrong.status).toBe(400);
    expect((await stack.http('/saved-queries/penalties/run?format=pdf')).status).toBe(400);
    expect((await stack.http('/saved-queries/exchange-status/run?all=true&format=csv')).status).toBe(400);
    const missing = await stack.http('/saved-queries/no-such-query/run?format=csv');
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.text).message).toBe('no saved query named "no-such-query"');
    expect((await stack.http('/saved-queries/no-such-query')).status).toBe(404);
    expect((await stack.http('/saved-queries/no-such-query', { method: 'DELETE', headers: bearer(keys.analyst) })).status).toBe(404);
    expect((await stack.http('/saved-queries/penalties', { method: 'POST' })).status).toBe(405);
  });

  it('saving and deleting need an analyst or admin key; shipped queries are read-only', async () => {
    const before = storeFile();
    const doc = { document: '{ exchanges { id } }' };
    expect((await put('mine', doc, null)).status).toBe(401);
    const pub = await put('mine', doc, keys.public);
    expect(pub.status).toBe(403);
    expect(JSON.parse(pub.text).errors[0].extensions.code).toBe('FORBIDDEN');
    expect((await put('mine', doc, 'dx_not-a-key')).status).toBe(401);
    expect((await stack.http('/saved-queries/penalties', { method: 'DELETE' })).status).toBe(401);
    expect((await stack.http('/saved-queries/penalties', { method: 'DELETE', headers: bearer(keys.public) })).status).toBe(403);
    const shipped = await put('exchange-status', doc, keys.admin);
    expect(shipped.status).toBe(409);
    expect(JSON.parse(shipped.text).message).toMatch(/read-only/);
    expect((await stack.http('/saved-queries/exchange-status', { method: 'DELETE', headers: bearer(keys.admin) })).status).toBe(409);
    expect(storeFile()).toBe(before);
    expect((await stack.http('/saved-queries/penalties')).status).toBe(200);
  });

  it('runs as the caller: the same answer as /graphql for that caller, and a bad key is refused', async () => {
    const doc = '{ search(first: 3, filter: { containsPersonalInfo: true, productTypes: [DATASET] }) { edges { node { id sample(rows: 2) { masked rows } } } } }';
    expect((await put('pi-samples', { document: doc })).status).toBe(201);
    const samples: Record<string, any[]> = {};
    for (const [who, key] of [
      ['anonymous', undefined],
      ['public', keys.public],
      ['admin', keys.admin],
    ] as const) {
      const headers = key ? bearer(key) : {};
      const direct = await stack.gql(doc, undefined, headers);
      expect(direct.status, who).toBe(200);
      expect(direct.errors, who).toBeUndefined();
      const run = await stack.http('/saved-queries/pi-samples/run', { headers });
      expect(run.status, `${who}: ${run.text.slice(0, 200)}`).toBe(200);
      const ran = JSON.parse(run.text);
      expect(ran.errors, who).toBeUndefined();
      // Real answers (both undefined after a 401 or a 5xx would be "equal" too).
      expect(ran.data?.search?.edges, who).toHaveLength(3);
      expect(ran.data).toEqual(direct.data);
      samples[who] = ran.data.search.edges.map((e: any) => e.node.sample);
      for (const sample of samples[who]) {
        expect(sample.rows.length, who).toBeGreaterThan(0);
        // The caller's masking: only the admin is cleared for personal information.
        expect(sample.masked, who).toBe(who !== 'admin');
      }
    }
    // Masking changed the rows: the admin's differ from the public caller's, which carry masks.
    expect(samples.admin).not.toEqual(samples.public);
    expect(JSON.stringify(samples.public)).toMatch(/\*{4}/);
    expect(JSON.stringify(samples.admin)).not.toMatch(/\*{4}/);
    const bad = await stack.http('/saved-queries/pi-samples/run?format=csv', { headers: bearer('dx_revoked') });
    expect(bad.status).toBe(401);
  });
});

describe('errors during an export', () => {
  it('a failing first page is an error status; partial errors end the CSV with #ERROR records', async () => {
    const prov = await put('one-provider', { document: 'query($code: ID!) { provider(creditCode: $code) { name datasets { edges { node { id } } } } }' });
    expect(prov.status).toBe(201);
    const failed = await stack.http('/saved-queries/one-provider/run?format=csv&code=123');
    expect(failed.status).toBe(502);
    expect(JSON.parse(failed.text).errors[0].extensions.code).toBe('BAD_USER_INPUT');

    expect(
      (await put('guiyang-prices', { document: '{ search(first: 3, orderBy: TITLE_ASC, filter: { exchanges: ["guiyang"] }) { edges { node { id title pricing { model text } } } } }' })).status,
    ).toBe(201);
    await simCall(stack.upstreamUrls.guiyang, 'POST', '/__sim/faults', { mode: 'error', rate: 1 });
    try {
      const res = await stack.http('/saved-queries/guiyang-prices/run?format=csv');
      expect(res.status).toBe(200);
      const records = parseCsv(res.text, { bom: true }) as string[][];
      const data = records.slice(1).filter((r) => r[0] !== '#ERROR');
      const errors = records.filter((r) => r[0] === '#ERROR');
      expect(data).toHaveLength(3);
      expect(errors.length).toBeGreaterThan(0);
      expect(errors[0][1]).toMatch(/UPSTREAM_ERROR: .*guiyang/);
      expect(res.text.endsWith('\r\n')).toBe(true);
      const nd = await stack.http('/saved-queries/guiyang-prices/run?format=ndjson');
      const last = JSON.parse(nd.text.trimEnd().split('\n').pop()!);
      expect(last.errors[0].extensions.code).toBe('UPSTREAM_ERROR');
    } finally {
      await simCall(stack.upstreamUrls.guiyang, 'POST', '/__sim/faults', { mode: 'none' });
    }
  });
});
