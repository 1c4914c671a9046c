import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../../simulators/index.ts';
import { SIM_CREDENTIALS } from '../../../simulators/wire.ts';
import { call, parseExact, reset, shanghaiToken } from './helpers.ts';

const SEARCH = '/dex-api/dex-es/query/all/search';
const BATCH = '/dex-api/product/detail/batch';
let sim: RunningSimulator;
let token: string;

beforeAll(async () => {
  sim = await startSimulator('shanghai', { port: 0, seed: 20240506, scale: 1 });
  token = await shanghaiToken(sim.url);
});
afterAll(() => sim.close());

const auth = () => ({ authorization: `Bearer ${token}` });
const search = (body: unknown) => call(sim.url, 'POST', SEARCH, { json: body, headers: auth() });
const batch = (keys: unknown[]) => call(sim.url, 'POST', BATCH, { body: JSON.stringify({ keys }), headers: { ...auth(), 'content-type': 'application/json' } });

describe('Shanghai OAuth', () => {
  it('issues client-credentials tokens (default 300 s) and refuses bad clients', async () => {
    const { clientId, clientSecret } = SIM_CREDENTIALS.shanghai;
    const ok = await call(sim.url, 'POST', '/oauth/token', { json: { grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret } });
    expect(ok.json()).toMatchObject({ token_type: 'bearer', expires_in: 300 });
    const form = await call(sim.url, 'POST', '/oauth/token', { form: { grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret } });
    expect(typeof form.json().access_token).toBe('string');
    const bad = await call(sim.url, 'POST', '/oauth/token', { json: { grant_type: 'client_credentials', client_id: clientId, client_secret: 'nope' } });
    expect(bad.status).toBe(401);
    expect(bad.json()).toEqual({ code: 401, message: 'invalid_client', data: null });
  });

  it('answers 401 "token expired" without a valid bearer token', async () => {
    const none = await call(sim.url, 'POST', SEARCH, { json: { pageNum: 1, pageSize: 1, serviceType: 2 } });
    expect(none.status).toBe(401);
    expect(none.json()).toEqual({ code: 401, message: 'token expired', data: null });
    const bogus = await call(sim.url, 'POST', SEARCH, { json: { pageNum: 1, pageSize: 1, serviceType: 2 }, headers: { authorization: 'Bearer abc' } });
    expect(bogus.status).toBe(401);
  });

  it('expires tokens after tokenTtlSeconds', async () => {
    const shortLived = await startSimulator('shanghai', { port: 0, tokenTtlSeconds: 0.3 });
    try {
      const t = await shanghaiToken(shortLived.url);
      const body = { pageNum: 1, pageSize: 1, serviceType: 1 };
      const before = await call(shortLived.url, 'POST', SEARCH, { json: body, headers: { authorization: `Bearer ${t}` } });
      expect(before.status).toBe(200);
      await new Promise((r) => setTimeout(r, 400));
      const after = await call(shortLived.url, 'POST', SEARCH, { json: body, headers: { authorization: `Bearer ${t}` } });
      expect(after.status).toBe(401);
      expect(after.json().message).toBe('token expired');
    } finally {
      await shortLived.close();
    }
  });
});

describe('Shanghai search', () => {
  it('writes ids as raw 19-digit JSON numbers that JSON.parse cannot keep', async () => {
    const res = await search({ pageNum: 1, pageSize: 100, serviceType: 2 });
    const expectedIds = sim.world.listings.shanghai
      .filter((l) => l.serviceType === 2)
      .slice(0, 100)
      .map((l) => String(l.snowflakeId));
    for (const id of expectedIds.slice(0, 10)) expect(res.text).toContain(`"id":${id},`);
    expect(res.text).not.toMatch(/"id":"/);
    const lossy = res.json().data.list.map((i: any) => String(BigInt(i.id)));
    expect(lossy.some((id: string, i: number) => id !== expectedIds[i])).toBe(true);
    const exact = parseExact(res.text).data.list.map((i: any) => i.id.toString());
    expect(exact).toEqual(expectedIds);
  });

  it('caps pageSize at 100 silently and pages both id spaces to their totals', async () => {
    const capped = parseExact((await search({ pageNum: 1, pageSize: 500, serviceType: 1 })).text);
    expect(capped.code).toBe(200);
    expect(capped.data.list.length).toBe(100);
    expect(capped.data.total).toBe(1200);
    expect(capped.data.totalPage).toBe(12);
    for (const serviceType of [1, 2]) {
      const ids = new Set<string>();
      for (let pageNum = 1; ; pageNum++) {
        const page = parseExact((await search({ pageNum, pageSize: 100, serviceType })).text);
        if (page.data.list.length === 0) break;
        for (const item of page.data.list) ids.add(item.id.toString());
      }
      expect(ids.size).toBe(sim.world.listings.shanghai.filter((l) => l.serviceType === serviceType).length);
    }
  });

  it('has the same id in both spaces on different listings', async () => {
    const id = sim.world.shanghaiCollidingIds[0];
    const found: any[] = [];
    for (const serviceType of [1, 2] as const) {
      // The list order is the world's order: fetch just the page that holds the id.
      const index = sim.world.listings.shanghai.filter((l) => l.serviceType === serviceType).findIndex((l) => l.snowflakeId === id);
      const page = parseExact((await search({ pageNum: Math.floor(index / 100) + 1, pageSize: 100, serviceType })).text);
      found.push(...page.data.list.filter((i: any) => i.id === id));
    }
    expect(found.map((i) => i.serviceType).sort()).toEqual([1, 2]);
    expect(found[0].productName === found[1].productName && found[0].creditCode === found[1].creditCode).toBe(false);
  });

  it('renders fen, epoch ms, arrays and filters by sectorName and search', async () => {
    const page = parseExact((await search({ pageNum: 1, pageSize: 100, serviceType: 2 })).text);
    const item = page.data.list[0];
    expect(Array.isArray(item.sectorName) && Array.isArray(item.aiTag) && Array.isArray(item.zoneName)).toBe(true);
    expect(item.updateTime).toBe(sim.world.listings.shanghai.find((l) => l.serviceType === 2)!.updatedAtMs);
    expect(page.data.list.every((i: any) => i.priceFen === null || Number.isInteger(i.priceFen))).toBe(true);
    const health = parseExact((await search({ pageNum: 1, pageSize: 10, serviceType: 2, sectorName: '卫生和社会工作' })).text);
    expect(health.data.total).toBe(sim.world.listings.shanghai.filter((l) => l.serviceType === 2 && l.sectors.includes('Q')).length);
    const penalties = parseExact((await search({ pageNum: 1, pageSize: 10, serviceType: 2, search: '行政处罚' })).text);
    expect(penalties.data.total).toBeGreaterThan(0);
    expect(penalties.data.list.every((i: any) => `${i.productName}${i.intro}${i.aiTag}`.includes('行政处罚'))).toBe(true);
  });

  it('answers bad bodies with HTTP 200 and code 400', async () => {
    const res = await search({ pageNum: 1, pageSize: 10 });
    expect(res.status).toBe(200);
    expect(res.json()).toMatchObject({ code: 400, data: null });
    const garbled = await call(sim.url, 'POST', SEARCH, { body: 'not json', headers: auth() });
    expect(garbled.json().code).toBe(400);
  });
});

describe('Shanghai batch detail', () => {
  it('returns details for known keys (ids as strings or raw numbers), absent for unknown', async () => {
    const id = sim.world.shanghaiCollidingIds[1];
    const raw = `{"keys":[{"serviceType":1,"id":"${id}"},{"serviceType":2,"id":${id}},{"serviceType":2,"id":"1000000000000000001"}]}`;
    const res = await call(sim.url, 'POST', BATCH, { body: raw, headers: { ...auth(), 'content-type': 'application/json' } });
    const body = parseExact(res.text);
    expect(body.code).toBe(200);
    expect(body.data.list.length).toBe(2);
    expect(body.data.list.map((d: any) => `${d.serviceType}:${d.id}`)).toEqual([`1:${id}`, `2:${id}`]);
    expect(res.text).toContain(`"id":${id},`);
    const listing = sim.world.listings.shanghai.find((l) => l.serviceType === 1 && l.snowflakeId === id)!;
    const detail = sim.world.detailOf(listing);
    expect(body.data.list[0].plans.length).toBe(detail.pricing.length);
    expect(['REALTIME', 'DAILY', 'WEEKLY', 'MONTHLY', 'QUARTERLY', 'YEARLY', 'IRREGULAR', 'ONCE', null]).toContain(body.data.list[0].updateCycle);
  });

  it('accepts 50 keys and refuses 51', async () => {
    const keys = sim.world.listings.shanghai.slice(0, 51).map((l) => ({ serviceType: l.serviceType, id: String(l.snowflakeId) }));
    const fifty = parseExact((await batch(keys.slice(0, 50))).text);
    expect(fifty.data.list.length).toBe(50);
    const over = (await batch(keys)).json();
    expect(over).toEqual({ code: 400, message: 'keys 超过上限 50', data: null });
  });

  it('revokes tokens on /__sim/reset', async () => {
    const t = await shanghaiToken(sim.url);
    await reset(sim.url);
    const res = await call(sim.url, 'POST', SEARCH, { json: { pageNum: 1, pageSize: 1, serviceType: 2 }, headers: { authorization: `Bearer ${t}` } });
    expect(res.status).toBe(401);
    token = await shanghaiToken(sim.url);
  });
});
