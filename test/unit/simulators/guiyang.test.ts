import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isValidResidentId } from '../../../subgraphs/common/identifiers.ts';
import { SECTORS } from '../../../subgraphs/common/sectors.ts';
import { startSimulator, type RunningSimulator } from '../../../simulators/index.ts';
import { call, guiyangForm } from './helpers.ts';

const LIST = '/apaas/serviceapp/v3/servicemarket/dataShop/list';
const GATEWAY = '/interface/gateway.do';
let sim: RunningSimulator;

beforeAll(async () => {
  sim = await startSimulator('guiyang', { port: 0, seed: 20240506, scale: 1 });
});
afterAll(() => sim.close());

const list = async (query: string) => (await call(sim.url, 'GET', `${LIST}?${query}`)).json();
const gateway = (form: Record<string, string>) => call(sim.url, 'POST', GATEWAY, { form });

describe('Guiyang list', () => {
  it('pages with page/size, caps size at 200 and harvests all 2,018 listings by serviceId', async () => {
    const first = await list('page=1&size=1000');
    expect(first.success).toBe(1);
    expect(first.total).toBe(2018);
    expect(first.page).toBe(1);
    expect(first.data.length).toBe(200);
    const ids: number[] = [];
    for (let page = 1; ; page++) {
      const res = await list(`page=${page}&size=200`);
      if (res.data.length === 0) break;
      ids.push(...res.data.map((i: any) => i.serviceId));
    }
    expect(ids.length).toBe(2018);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(ids).toEqual(sim.world.listings.guiyang.map((l) => l.serviceId));
  });

  it('filters by dataDomains but silently ignores the singular dataDomain', async () => {
    const health = SECTORS.findIndex((s) => s.code === 'Q') + 491;
    const expected = sim.world.listings.guiyang.filter((l) => l.sectors.includes('Q')).length;
    const filtered = await list(`page=1&size=200&dataDomains=${health}`);
    expect(filtered.total).toBe(expected);
    expect(filtered.data.every((i: any) => i.dataDomains.split(',').includes(String(health)))).toBe(true);
    const ignored = await list(`page=1&size=10&dataDomain=${health}`);
    expect(ignored.total).toBe(2018);
  });

  it('renders the GBDEx shape: comma-joined names, Chinese dates, free-text prices', async () => {
    const res = await list('page=1&size=200');
    const item = res.data[0];
    const listing = sim.world.listings.guiyang[0];
    expect(item.serviceName).toBe(listing.title);
    expect(item.ProviderUSCC).toBe(listing.providerCode);
    expect(item.updateDate).toMatch(/^\d{4}年\d{2}月\d{2}日$/);
    expect(typeof item.ServiceType).toBe('string');
    const multiSector = sim.world.listings.guiyang.find((l) => l.sectors.length > 1)!;
    const multiItem = (await list(`page=1&size=200&keyword=${encodeURIComponent(multiSector.title)}`)).data.find((i: any) => i.serviceId === multiSector.serviceId);
    expect(multiItem.sectors_name.split(',').length).toBe(2);
    const prices = res.data.map((i: any) => i.priceDesc);
    expect(prices.every((p: string) => /^(\d+(\.\d+)?元(\/(次|千条|月|年))?|按需收费|免费)$/.test(p))).toBe(true);
    expect(res.data.map((i: any) => i.safeLevel).every((s: string) => /^(一般[1-4]级|重要|核心)$/.test(s))).toBe(true);
  });

  it('answers malformed paging with success 0', async () => {
    expect(await list('page=abc')).toEqual({ success: 0, errMsg: expect.any(String) });
    expect((await list('dataDomains=x')).success).toBe(0);
  });
});

describe('Guiyang gateway', () => {
  const personal = () => sim.world.listings.guiyang.find((l) => l.kind === 'judicial-record' && l.productType === 'DATASET')!;

  it('double-encodes the reply: outer code 200, inner JSON string with code "1"', async () => {
    const res = await gateway(guiyangForm(personal().serviceId));
    expect(res.status).toBe(200);
    const outer = res.json();
    expect(outer.code).toBe(200);
    expect(typeof outer.data).toBe('string');
    const inner = JSON.parse(outer.data);
    expect(inner.code).toBe('1');
    expect(inner.data.serviceId).toBe(personal().serviceId);
    const detail = sim.world.detailOf(personal());
    expect(inner.data.priceItems.length).toBe(detail.pricing.length);
    const rows = JSON.parse(inner.data.sampleJson);
    expect(rows.length).toBe(detail.sample!.rows.length);
    for (const row of rows) expect(isValidResidentId(row.身份证号)).toBe(true);
    if (inner.data.certificateDate !== null) expect(inner.data.certificateDate).toMatch(/^\d{4}年\d{2}月\d{2}日$/);
  });

  it('reports a bad sign only in the inner code', async () => {
    const res = await gateway(guiyangForm(personal().serviceId, {}, 'wrong-secret'));
    expect(res.status).toBe(200);
    const outer = res.json();
    expect(outer.code).toBe(200);
    expect(JSON.parse(outer.data)).toMatchObject({ code: 'E401', data: null });
    // Tampering with a signed parameter breaks the sign too.
    const tampered = { ...guiyangForm(personal().serviceId), biz_content: JSON.stringify({ serviceId: 1 }) };
    expect(JSON.parse((await gateway(tampered)).json().data).code).toBe('E401');
  });

  it('answers unknown services with inner E404 and missing parameters with outer 400', async () => {
    expect(JSON.parse((await gateway(guiyangForm(99_999_999))).json().data)).toMatchObject({ code: 'E404', data: null });
    const { sign: _sign, ...unsigned } = guiyangForm(personal().serviceId);
    expect((await gateway(unsigned)).json()).toMatchObject({ code: 400, data: null });
  });
});
