// The saved-query life cycle over HTTP on a running stack, shared by the file-store and the
// Redis-store end-to-end suites: save → list → run as JSON, CSV and NDJSON → update → delete.

import { expect } from 'vitest';
import { parse as parseCsv } from 'csv-parse/sync';
import { request } from 'undici';
import type { TestStack } from '../../helpers/stack.ts';

export const PENALTY_DOC = `# a note that is kept with the document
query CheapPenalties($text: String!, $maxPriceFen: Long, $first: Int = 20, $after: String) {
  search(text: $text, filter: { maxPriceFen: $maxPriceFen }, orderBy: PRICE_ASC, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { id title exchange { id name } provider { name } headlinePrice { text price { yuan } } sectors { code } keywords } }
  }
}`;

export interface Keys {
  analyst: string;
  admin: string;
  public: string;
}

export async function createKeys(stack: TestStack): Promise<Keys> {
  const store = stack.keys;
  return {
    analyst: (await store.create({ principalId: 'ana', role: 'analyst' })).key,
    admin: (await store.create({ principalId: 'root', role: 'admin' })).key,
    public: (await store.create({ principalId: 'pub', role: 'public' })).key,
  };
}

export const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
export const jsonHeaders = (key?: string) => ({ 'content-type': 'application/json', ...(key ? bearer(key) : {}) });

export async function lifecycle(stack: TestStack, keys: Keys, source: 'file' | 'redis', name: string): Promise<void> {
  // Save.
  const put = await stack.http(`/saved-queries/${name}`, {
    method: 'PUT',
    headers: jsonHeaders(keys.analyst),
    body: JSON.stringify({ document: PENALTY_DOC, description: '行政处罚 under 1,000 yuan', defaultVariables: { text: '行政处罚', maxPriceFen: 100000 } }),
  });
  expect(put.status, put.text).toBe(201);
  expect(put.headers.location).toBe(`/saved-queries/${name}`);
  const saved = JSON.parse(put.text);
  expect(saved).toMatchObject({ name, owner: 'ana', updatedBy: 'ana', source, readOnly: false, valid: true, defaultVariables: { text: '行政处罚', maxPriceFen: '100000' } });
  expect(saved.variables).toEqual([
    { name: 'text', type: 'String!', required: false, defaultValue: '行政处罚' },
    { name: 'maxPriceFen', type: 'Long', required: false, defaultValue: '100000' },
    { name: 'first', type: 'Int', required: false, defaultValue: 20 },
    { name: 'after', type: 'String', required: false, defaultValue: null },
  ]);

  // List: the new one and the shipped ones.
  const list = JSON.parse((await stack.http('/saved-queries')).text).savedQueries as Array<{ name: string; source: string; readOnly: boolean }>;
  expect(list.find((q) => q.name === name)).toMatchObject({ source, readOnly: false });
  expect(list.filter((q) => q.source === 'shipped' && q.readOnly).length).toBeGreaterThanOrEqual(5);
  const show = await stack.http(`/saved-queries/${name}`);
  expect(show.status).toBe(200);
  expect(JSON.parse(show.text).document).toBe(PENALTY_DOC);

  // Run: JSON is the GraphQL response, the same as asking /graphql directly.
  const direct = await stack.gql(PENALTY_DOC, { text: '行政处罚', maxPriceFen: '100000', first: 5 });
  expect(direct.errors).toBeUndefined();
  const json = await stack.http(`/saved-queries/${name}/run?first=5`);
  expect(json.status, json.text).toBe(200);
  const body = JSON.parse(json.text);
  expect(body.errors).toBeUndefined();
  expect(body.data.search.edges.map((e: any) => e.node.id)).toEqual(direct.data.search.edges.map((e: any) => e.node.id));
  expect(body.data.search.totalCount).toBeGreaterThan(5);

  // CSV: BOM, header from the selection, one row per node, file name with the date.
  const csv = await stack.http(`/saved-queries/${name}/run?format=csv&first=5`);
  expect(csv.status).toBe(200);
  expect(csv.headers['content-type']).toMatch(/^text\/csv; charset=utf-8/);
  expect(csv.headers['content-disposition']).toMatch(new RegExp(`^attachment; filename="${name}-\\d{8}\\.csv"$`));
  // The body starts with a UTF-8 BOM (text() decoding drops it, so look at the bytes).
  const raw = await request(`${stack.baseUrl}/saved-queries/${name}/run?format=csv&first=5`);
  expect([...Buffer.from(await raw.body.arrayBuffer()).subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  const rows = parseCsv(csv.text, { bom: true, columns: true }) as Array<Record<string, string>>;
  expect(rows).toHaveLength(5);
  expect(Object.keys(rows[0])).toEqual(['id', 'title', 'exchange.id', 'exchange.name', 'provider.name', 'headlinePrice.text', 'headlinePrice.price.yuan', 'sectors.code', 'keywords']);
  direct.data.search.edges.forEach((e: any, i: number) => {
    expect(rows[i].id).toBe(e.node.id);
    expect(rows[i].title).toBe(e.node.title);
    expect(rows[i].keywords).toBe(e.node.keywords.join('; '));
  });

  // NDJSON: one node per line.
  const ndjson = await stack.http(`/saved-queries/${name}/run?format=ndjson&first=5`);
  expect(ndjson.status).toBe(200);
  expect(ndjson.headers['content-type']).toMatch(/^application\/x-ndjson/);
  const lines = ndjson.text
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l));
  expect(lines.map((l) => l.id)).toEqual(direct.data.search.edges.map((e: any) => e.node.id));
  expect(lines[0].exchange.name).toMatch(/[\u4e00-\u9fff]/);

  // POST with a JSON body: typed variables and the format.
  const posted = await stack.http(`/saved-queries/${name}/run`, {
    method: 'POST',
    headers: jsonHeaders(),
    body: JSON.stringify({ variables: { first: 2, maxPriceFen: '100000' }, format: 'ndjson' }),
  });
  expect(posted.status, posted.text).toBe(200);
  expect(posted.text.trimEnd().split('\n')).toHaveLength(2);

  // Update: new description and document; created-at and owner stay, updated-at moves.
  await new Promise((r) => setTimeout(r, 5));
  const update = await stack.http(`/saved-queries/${name}`, {
    method: 'PUT',
    headers: jsonHeaders(keys.admin),
    body: JSON.stringify({ document: PENALTY_DOC.replace('orderBy: PRICE_ASC', 'orderBy: UPDATED_DESC'), description: 'newest first', defaultVariables: { text: '行政处罚' } }),
  });
  expect(update.status, update.text).toBe(200);
  const updated = JSON.parse(update.text);
  expect(updated).toMatchObject({ owner: 'ana', updatedBy: 'root', createdAt: saved.createdAt, description: 'newest first', defaultVariables: { text: '行政处罚' } });
  expect(updated.updatedAt > saved.updatedAt).toBe(true);
  expect(JSON.parse((await stack.http(`/saved-queries/${name}`)).text).document).toContain('UPDATED_DESC');

  // Delete.
  const del = await stack.http(`/saved-queries/${name}`, { method: 'DELETE', headers: bearer(keys.analyst) });
  expect(del.status).toBe(204);
  expect((await stack.http(`/saved-queries/${name}`)).status).toBe(404);
  expect((await stack.http(`/saved-queries/${name}/run`)).status).toBe(404);
  const after = JSON.parse((await stack.http('/saved-queries')).text).savedQueries as Array<{ name: string }>;
  expect(after.map((q) => q.name)).not.toContain(name);
}
