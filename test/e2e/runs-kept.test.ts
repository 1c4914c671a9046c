// Runs kept on request (keep=true) over HTTP, and Excel workbooks (format=xlsx) opened with
// exceljs: numbers are numbers, DateTime values are dates in China time, 18-character credit
// codes and ids stay text, the header row is frozen and filtered, and a second sheet says what
// the rows are. Retention keeps DATAEX_RUNS_KEEP runs; a result over DATAEX_RUN_MAX_BYTES is
// kept cut, and says so.

import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { startTestStack, type TestStack } from '../helpers/stack.ts';
import { bearer, jsonHeaders } from '../unit/saved-queries/lifecycle.ts';

const DOCUMENT = `query Penalties($after: String) {
  search(text: "行政处罚", orderBy: TITLE_ASC, first: 40, after: $after) {
    totalCount
    pageInfo { endCursor hasNextPage }
    edges { node { id updatedAt provider { creditCode name } headlinePrice { price { amountFen yuan } } classification { grade } } }
  }
}`;

let stack: TestStack;
let analyst: string;

async function run(name: string, body: Record<string, unknown>, headers: Record<string, string> = {}) {
  const res = await request(`${stack.baseUrl}/saved-queries/${name}/run`, { method: 'POST', headers: { ...jsonHeaders(analyst), ...headers }, body: JSON.stringify(body) });
  return { status: res.statusCode, headers: res.headers, body: Buffer.from(await res.body.arrayBuffer()) };
}

beforeAll(async () => {
  stack = await startTestStack({ DATAEX_PLAYGROUND: 'false', DATAEX_RUNS_KEEP: '3' });
  analyst = (await stack.keys.create({ principalId: 'ana', role: 'analyst' })).key;
  for (const name of ['penalties', 'penalties-small']) {
    const put = await stack.http(`/saved-queries/${name}`, { method: 'PUT', headers: jsonHeaders(analyst), body: JSON.stringify({ document: DOCUMENT }) });
    expect(put.status).toBe(201);
  }
}, 120_000);

afterAll(async () => {
  await stack?.close();
});

describe('kept runs and workbooks', () => {
  let runId: string;
  let items: Array<{ id: string; updatedAt: string; provider: { creditCode: string }; headlinePrice: { price: { amountFen: string } | null } | null }>;

  it('keeps every page of a run asked to keep it, named in x-dataex-run', async () => {
    const res = await run('penalties', { keep: true }, { 'x-dataex-client': 'cli' });
    expect(res.status).toBe(200);
    runId = String(res.headers['x-dataex-run']);
    const body = JSON.parse(res.body.toString());
    items = body.items;
    expect(body.run).toMatchObject({ id: runId, trigger: 'cli', principal: 'ana', role: 'analyst', outcome: 'ok', truncated: false });
    expect(items.length).toBe(body.run.totalCount);
    expect(body.run.pages).toBe(Math.ceil(body.run.totalCount / 40));
    const kept = await stack.http(`/saved-queries/penalties/runs/${runId}`, { headers: bearer(analyst) });
    expect(JSON.parse(kept.text).items).toEqual(items);
  });

  it('writes a workbook with typed cells, a frozen filtered header and an about sheet', async () => {
    const res = await stack.http(`/saved-queries/penalties/runs/${runId}?format=xlsx`, { headers: bearer(analyst) });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    const raw = await request(`${stack.baseUrl}/saved-queries/penalties/runs/${runId}?format=xlsx`, { headers: bearer(analyst) });
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(Buffer.from(await raw.body.arrayBuffer()) as unknown as ExcelJS.Buffer);
    const sheet = workbook.getWorksheet('rows')!;
    const header = (sheet.getRow(1).values as unknown[]).slice(1);
    expect(header).toEqual(['id', 'updatedAt', 'provider.creditCode', 'provider.name', 'headlinePrice.price.amountFen', 'headlinePrice.price.yuan', 'classification.grade']);
    expect(sheet.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
    expect(sheet.autoFilter).toBeTruthy();
    expect(sheet.rowCount).toBe(items.length + 1);
    const col = (name: string) => header.indexOf(name) + 1;
    for (let i = 0; i < items.length; i++) {
      const row = sheet.getRow(i + 2);
      const item = items[i];
      const code = row.getCell(col('provider.creditCode'));
      expect(code.type, item.provider.creditCode).toBe(ExcelJS.ValueType.String);
      expect(code.value).toBe(item.provider.creditCode);
      expect(row.getCell(col('id')).value).toBe(item.id);
      const updated = row.getCell(col('updatedAt'));
      expect(updated.type).toBe(ExcelJS.ValueType.Date);
      // The China wall-clock time of the DateTime (2025-09-30T08:48:24+08:00 shows 08:48:24).
      expect((updated.value as Date).toISOString().slice(0, 19)).toBe(item.updatedAt.slice(0, 19));
      const fen = row.getCell(col('headlinePrice.price.amountFen'));
      if (item.headlinePrice?.price) {
        expect(fen.type).toBe(ExcelJS.ValueType.Number);
        expect(fen.value).toBe(Number(item.headlinePrice.price.amountFen));
      }
    }
    const about = workbook.getWorksheet('about')!;
    const facts = Object.fromEntries(
      about
        .getSheetValues()
        .slice(2)
        .map((r) => [(r as unknown[])[1], (r as unknown[])[2]]),
    );
    expect(facts).toMatchObject({ 'saved query': 'penalties', run: runId, 'ran as': 'ana (analyst)', trigger: 'cli', rows: items.length });
    expect(String(facts.document)).toContain('query Penalties');
  });

  it('answers format=xlsx on a run that is not kept, and keeps nothing', async () => {
    const res = await run('penalties-small', { format: 'xlsx', variables: {} });
    expect(res.status).toBe(200);
    expect(res.headers['x-dataex-run']).toBeUndefined();
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(res.body as unknown as ExcelJS.Buffer);
    expect(workbook.getWorksheet('rows')!.rowCount).toBe(41);
    expect(JSON.parse((await stack.http('/saved-queries/penalties-small/runs', { headers: bearer(analyst) })).text).runs).toEqual([]);
  });

  it('keeps the newest DATAEX_RUNS_KEEP runs of a query', async () => {
    const ids = [runId];
    for (let i = 0; i < 3; i++) ids.push(String((await run('penalties', { keep: true })).headers['x-dataex-run']));
    const { runs } = JSON.parse((await stack.http('/saved-queries/penalties/runs', { headers: bearer(analyst) })).text);
    expect(runs.map((r: { id: string }) => r.id)).toEqual(ids.slice(1).reverse());
    expect((await stack.http(`/saved-queries/penalties/runs/${runId}`, { headers: bearer(analyst) })).status).toBe(404);
  });

  it('audits every page of a kept run, and every read of it with the datasets it showed', async () => {
    const admin = (await stack.keys.create({ principalId: 'root', role: 'admin' })).key;
    const runId2 = String((await run('penalties', { keep: true })).headers['x-dataex-run']);
    await stack.http(`/saved-queries/penalties/runs/${runId2}?format=csv`, { headers: bearer(analyst) });
    const audit = JSON.parse((await stack.http('/admin/audit?principal=ana&limit=1000', { headers: bearer(admin) })).text) as {
      entries: Array<{ savedQuery?: string; operationName: string | null; datasets: string[]; outcome: string }>;
    };
    const pages = audit.entries.filter((e) => e.savedQuery === 'penalties' && e.operationName === 'Penalties');
    expect(pages.length).toBeGreaterThanOrEqual(Math.ceil(items.length / 40));
    const read = audit.entries.find((e) => e.operationName === `kept run ${runId2}`);
    expect(read).toMatchObject({ savedQuery: 'penalties', outcome: 'ok' });
    expect(new Set(read!.datasets)).toEqual(new Set(items.map((i) => i.id)));
  });

  it('keeps runs for analysts and admins only: anonymous 401, a public key 403, nothing stored', async () => {
    // Counted in the store itself: a run kept for someone else would not show in the analyst's list.
    const before = (await stack.gateway.history.runs.list('penalties')).length;
    const anonymous = await request(`${stack.baseUrl}/saved-queries/penalties/run`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ keep: true }) });
    expect(anonymous.statusCode).toBe(401);
    await anonymous.body.dump();
    const pub = (await stack.keys.create({ principalId: 'pub', role: 'public' })).key;
    const refused = await request(`${stack.baseUrl}/saved-queries/penalties/run`, { method: 'POST', headers: jsonHeaders(pub), body: JSON.stringify({ keep: true }) });
    expect(refused.statusCode).toBe(403);
    await refused.body.dump();
    expect((await stack.gateway.history.runs.list('penalties')).length).toBe(before);
  });

  it('refuses bad run options with 400 and a clear message', async () => {
    const bad = await run('penalties', { keep: 'sometimes' });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body.toString()).message).toBe('keep must be true or false (got "sometimes")');
    const format = await run('penalties', { format: 'pdf' });
    expect(JSON.parse(format.body.toString()).message).toBe('format must be one of json, csv, ndjson, xlsx (got "pdf")');
    const id = await stack.http('/saved-queries/penalties/runs/not-a-run', { headers: bearer(analyst) });
    expect(id.status).toBe(404);
  });
});

describe('a kept run over DATAEX_RUN_MAX_BYTES', () => {
  it('keeps the rows that fit and says it was cut', async () => {
    const small = await startTestStack({ DATAEX_PLAYGROUND: 'false', DATAEX_RUN_MAX_BYTES: '4000' });
    try {
      const key = (await small.keys.create({ principalId: 'ana', role: 'analyst' })).key;
      await small.http('/saved-queries/penalties', { method: 'PUT', headers: jsonHeaders(key), body: JSON.stringify({ document: DOCUMENT }) });
      const res = await request(`${small.baseUrl}/saved-queries/penalties/run`, { method: 'POST', headers: jsonHeaders(key), body: JSON.stringify({ keep: true }) });
      const body = (await res.body.json()) as { run: { truncated: boolean; rowCount: number; totalCount: number; resultBytes: number; outcome: string; errors: Array<{ message: string }> } };
      expect(body.run.truncated).toBe(true);
      expect(body.run.rowCount).toBeGreaterThan(0);
      expect(body.run.rowCount).toBeLessThan(body.run.totalCount);
      expect(body.run.resultBytes).toBeLessThanOrEqual(4000);
      expect(body.run.outcome).toBe('partial');
      expect(body.run.errors[0].message).toMatch(/larger than the 4000 bytes one kept run may hold/);
    } finally {
      await small.close();
    }
  }, 120_000);
});
