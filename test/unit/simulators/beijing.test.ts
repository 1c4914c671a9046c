import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../../simulators/index.ts';
import { beijingHeaders, call } from './helpers.ts';

const LIST = '/product/api/productIndex/getProductList';
let sim: RunningSimulator;

beforeAll(async () => {
  sim = await startSimulator('beijing', { port: 0, seed: 20240506, scale: 1, latencyMs: 0 });
});
afterAll(() => sim.close());

const list = async (body: unknown) => (await call(sim.url, 'POST', LIST, { json: body })).json();

describe('Beijing list', () => {
  it('pages with pageNo/pageSize in a stable order and reports the total', async () => {
    const first = await list({ pageNo: 1, pageSize: 20 });
    expect(first.code).toBe(0);
    expect(first.data.total).toBe(sim.world.listings.beijing.length);
    expect(first.data.size).toBe(20);
    expect(first.data.current).toBe(1);
    expect(first.data.pages).toBe(Math.ceil(2400 / 20));
    expect(first.data.records.map((r: any) => r.uuid)).toEqual(sim.world.listings.beijing.slice(0, 20).map((l) => l.uuid));
    const second = await list({ pageNo: 2, pageSize: 20 });
    expect(second.data.records[0].uuid).toBe(sim.world.listings.beijing[20].uuid);
    expect((await list({ pageNo: 1, pageSize: 20 })).data.records).toEqual(first.data.records);
  });

  it('ignores pageNum (wrong name): the caller silently gets page 1', async () => {
    const res = await list({ pageNum: 3, pageSize: 10 });
    expect(res.code).toBe(0);
    expect(res.data.current).toBe(1);
    expect(res.data.records[0].uuid).toBe(sim.world.listings.beijing[0].uuid);
  });

  it('caps pageSize at 500 and harvests every listing exactly once', async () => {
    const seen = new Set<string>();
    let pages = 0;
    for (let pageNo = 1; ; pageNo++) {
      const res = await list({ pageNo, pageSize: 1000 });
      expect(res.data.size).toBe(500);
      expect(res.data.records.length).toBeLessThanOrEqual(500);
      if (res.data.records.length === 0) break;
      for (const r of res.data.records) seen.add(r.uuid);
      pages = res.data.pages;
    }
    expect(pages).toBe(5);
    expect(seen.size).toBe(2400);
  });

  it('renders items in the BJIDEX style', async () => {
    const listing = sim.world.listings.beijing[0];
    const [item] = (await list({ pageNo: 1, pageSize: 1 })).data.records;
    expect(item.goodsName).toBe(listing.title);
    expect(item.supplierCreditCode).toBe(listing.providerCode);
    expect(item.updateTime).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    expect(item.goodsIndustry).toBeGreaterThanOrEqual(0);
    expect(item.goodsIndustry).toBeLessThanOrEqual(19);
    expect(item.goodsTags).toBe(listing.keywords.join(','));
    expect([0, 1]).toContain(item.hasPersonalInfo);
    // Update time is China wall-clock time of the instant.
    const utc8 = new Date(listing.updatedAtMs + 8 * 3600_000).toISOString().replace('T', ' ').slice(0, 19);
    expect(item.updateTime).toBe(utc8);
    // Prices: yuan strings, 面议, and sub-fen per-call amounts.
    const all = (await list({ pageNo: 1, pageSize: 500 })).data.records as any[];
    expect(all.some((r) => r.price === '面议' && r.priceUnit === '')).toBe(true);
    expect(all.every((r) => r.price === '面议' || /^\d+\.\d{2,4}$/.test(r.price))).toBe(true);
    expect(all.some((r) => r.priceUnit === '元/次')).toBe(true);
  });

  it('filters by goodsIndustry, goodsArea and keyword', async () => {
    const penalties = await list({ pageNo: 1, pageSize: 500, keyword: '行政处罚' });
    const expected = sim.world.listings.beijing.filter((l) => l.title.includes('行政处罚') || (l.description ?? '').includes('行政处罚') || l.keywords.includes('行政处罚')).length;
    expect(penalties.data.total).toBe(expected);
    expect(penalties.data.total).toBeGreaterThan(0);
    const health = await list({ pageNo: 1, pageSize: 500, goodsIndustry: 16 });
    expect(health.data.total).toBe(sim.world.listings.beijing.filter((l) => l.sectors[0] === 'Q').length);
    expect(health.data.records.every((r: any) => r.goodsIndustry === 16)).toBe(true);
    const zone = await list({ pageNo: 1, pageSize: 5, goodsArea: '人工智能专区' });
    expect(zone.data.total).toBe(sim.world.listings.beijing.filter((l) => l.zone === '人工智能').length);
  });

  it('answers malformed bodies with its own HTTP-200 error envelope', async () => {
    const res = await call(sim.url, 'POST', LIST, { body: '{"pageNo":', headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(200);
    expect(res.json()).toMatchObject({ code: 400, data: null });
    expect((await list({ pageNo: 'abc' })).code).toBe(400);
    expect((await list([1, 2])).code).toBe(400);
  });
});

describe('Beijing detail', () => {
  const listing = () => sim.world.listings.beijing.find((l) => l.kind === 'traffic-penalty' && l.productType === 'DATASET')!;
  const path = () => `/product/api/detail/${listing().uuid}`;

  it('refuses unsigned, wrongly signed and stale requests with HTTP 401', async () => {
    const unsigned = await call(sim.url, 'GET', path());
    expect(unsigned.status).toBe(401);
    expect(unsigned.json()).toEqual({ code: 401, msg: '签名无效', data: null });
    expect((await call(sim.url, 'GET', path(), { headers: beijingHeaders(path(), Date.now(), 'wrong-secret') })).status).toBe(401);
    expect((await call(sim.url, 'GET', path(), { headers: beijingHeaders(path(), Date.now() - 6 * 60_000) })).status).toBe(401);
    // A signature for another path does not open this one.
    expect((await call(sim.url, 'GET', path(), { headers: beijingHeaders('/product/api/detail/0') })).status).toBe(401);
  });

  it('serves the signed detail with plans, certificates and checksum-valid sample rows', async () => {
    const res = await call(sim.url, 'GET', path(), { headers: beijingHeaders(path()) });
    expect(res.status).toBe(200);
    const body = res.json();
    expect(body.code).toBe(0);
    const detail = sim.world.detailOf(listing());
    expect(body.data.uuid).toBe(listing().uuid);
    expect(body.data.priceList.length).toBe(detail.pricing.length);
    expect(body.data.certificates.map((c: any) => c.certNo)).toEqual(detail.certificates.map((c) => c.number));
    for (const c of body.data.certificates) expect(c.issueDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(body.data.sample.headers).toContain('身份证号');
    expect(body.data.sample.rows).toEqual(detail.sample!.rows);
    expect(['实时', '每日', '每周', '每月', '每季度', '每年', '不定期', '一次性', null]).toContain(body.data.updateFrequency);
  });

  it('answers an unknown uuid with HTTP 200 and code 404', async () => {
    const p = '/product/api/detail/ffffffffffffffffffffffffffffffff';
    const res = await call(sim.url, 'GET', p, { headers: beijingHeaders(p) });
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ code: 404, msg: '商品不存在', data: null });
  });
});
