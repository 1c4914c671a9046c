import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { SIM_CREDENTIALS } from '../../../simulators/wire.ts';
import { createBeijingAdapter, signDetail } from '../../../subgraphs/beijing/adapter.ts';
import { mapDetailResponse, mapListItem, mapListResponse } from '../../../subgraphs/beijing/mapping.ts';
import type { ExchangeAdapter } from '../../../subgraphs/common/adapter.ts';
import { UpstreamError } from '../../../subgraphs/common/errors.ts';
import { collect, fixture, stubServer, type Stub, type StubRequest } from './helpers.ts';

const UUID1 = '3f2a9c0e5b7d4e1fa2c3d4e5f6a7b8c9';

describe('beijing mapping: list', () => {
  const page = mapListResponse(fixture('beijing/list-quirks.json'));
  const byId = new Map(page.records.map((r) => [r.nativeId, r]));

  it('maps a listing into the unified model', () => {
    expect(byId.get(UUID1)).toEqual({
      id: `beijing:${UUID1}`,
      nativeId: UUID1,
      exchange: 'beijing',
      title: '企业工商信息核验接口',
      titleEn: 'Enterprise registration verification API',
      description: '按统一社会信用代码核验企业工商登记信息',
      productType: 'API_SERVICE',
      status: 'LISTED',
      providerCode: '91310110666007217T',
      providerName: '上海某某数据科技有限公司',
      sectors: ['I'],
      scenarios: ['风控', '营销'],
      keywords: ['工商', '企业', '信用'],
      classification: { level: 'GENERAL', grade: 4, containsPersonalInfo: true, sensitivePersonalInfo: false, openness: 'CONDITIONAL' },
      // "0.0028" yuan is 0.28 fen: a paid price never rounds to free, the text stays exact.
      headlinePrice: { model: 'PER_CALL', amountFen: 1, currency: 'CNY', unit: '次', negotiable: false, text: '0.0028元/次' },
      updatedAt: '2024-05-06T12:30:00+08:00',
    });
  });

  it('maps "面议", yuan strings per year and per thousand records', () => {
    expect(byId.get('00000000000000000000000000000abc')!.headlinePrice).toMatchObject({ model: 'NEGOTIABLE', amountFen: null, negotiable: true, text: '面议' });
    expect(byId.get('ffffffffffffffffffffffffffffffff')!.headlinePrice).toMatchObject({ model: 'YEARLY', amountFen: 120000, unit: '年' });
    expect(byId.get('0123456789abcdef0123456789abcdef')!.headlinePrice).toMatchObject({ model: 'PER_RECORD', amountFen: 500, unit: '千条' });
  });

  it('maps goodsIndustry 0..19 to sections A..T, statuses, levels and openness', () => {
    const a = byId.get('00000000000000000000000000000abc')!;
    const t = byId.get('ffffffffffffffffffffffffffffffff')!;
    expect(a.sectors).toEqual(['A']);
    expect(t.sectors).toEqual(['T']);
    expect(a.status).toBe('PUBLICIZING');
    expect(t.status).toBe('DELISTED');
    expect(byId.get('0123456789abcdef0123456789abcdef')!.status).toBe('REGISTERED');
    expect(a.classification).toEqual({ level: 'IMPORTANT', grade: null, containsPersonalInfo: false, sensitivePersonalInfo: false, openness: 'NOT_OPEN' });
    // Sensitive personal information implies personal information.
    expect(t.classification).toMatchObject({ level: 'CORE', containsPersonalInfo: true, sensitivePersonalInfo: true });
    expect(t.productType).toBe('REPORT');
    expect(a.updatedAt).toBe('2023-12-31T23:59:59+08:00');
  });

  it('keeps legacy credit codes that fail the check (flag later, never reject)', () => {
    expect(byId.get('00000000000000000000000000000abc')!.providerCode).toBe('91350100M0001TGQXM');
  });

  it('skips bad items with a precise reason', () => {
    expect(page.records).toHaveLength(4);
    expect(page.skipped).toEqual([
      { nativeId: '1111111111111111111111111111111a', reason: expect.stringMatching(/^goodsName: .*expected string/) },
      { nativeId: '2222222222222222222222222222222b', reason: expect.stringMatching(/^goodsType: .*expected number/) },
      { nativeId: '3333333333333333333333333333333c', reason: 'goodsIndustry: 25 is not 0..19' },
      { nativeId: '4444444444444444444444444444444d', reason: expect.stringMatching(/^updateTime: "2024\/01\/15 08:00"/) },
    ]);
    expect(page).toMatchObject({ total: 8, pages: 1, current: 1 });
  });

  it('skips unknown enum words and out-of-range grades', () => {
    const good = JSON.parse(fixture('beijing/list-quirks.json')).data.records[0];
    expect(() => mapListItem({ ...good, goodsType: 9 })).toThrow('goodsType: unknown value 9');
    expect(() => mapListItem({ ...good, goodsStatus: '审核中' })).toThrow(/goodsStatus/);
    expect(() => mapListItem({ ...good, dataGrade: 7 })).toThrow('dataGrade: 7 is not 1..4');
    expect(() => mapListItem({ ...good, openType: '开放' })).toThrow(/openType/);
    expect(() => mapListItem({ ...good, price: '约10元' })).toThrow(/price/);
    expect(() => mapListItem(null)).toThrow();
  });

  it('turns the HTTP-200 error envelope into UPSTREAM_ERROR', () => {
    expect(() => mapListResponse(fixture('beijing/list-error.json'))).toThrow(UpstreamError);
    expect(() => mapListResponse(fixture('beijing/list-error.json'))).toThrow('beijing list: upstream error code 500 (系统繁忙)');
  });

  it('turns truncated or wrongly shaped JSON into UPSTREAM_ERROR', () => {
    const text = fixture('beijing/list-quirks.json');
    expect(() => mapListResponse(text.slice(0, text.length / 2))).toThrow(/beijing list: response is not valid JSON/);
    expect(() => mapListResponse('{"code":0,"msg":"ok","data":{"records":{}}}')).toThrow(/beijing list: unexpected page \(records: /);
    expect(() => mapListResponse('[]')).toThrow(/unexpected envelope/);
    expect(() => mapListResponse('')).toThrow(UpstreamError);
  });
});

describe('beijing mapping: detail', () => {
  it('maps prices, delivery, certificates, frequency and sample', () => {
    expect(mapDetailResponse(fixture('beijing/detail-ok.json'), UUID1)).toEqual({
      id: `beijing:${UUID1}`,
      pricing: [
        { model: 'PER_CALL', amountFen: 5, currency: 'CNY', unit: '次', negotiable: false, text: '0.05元/次' },
        { model: 'YEARLY', amountFen: 1200000, currency: 'CNY', unit: '年', negotiable: false, text: '12000.00元/年' },
        { model: 'NEGOTIABLE', amountFen: null, currency: 'CNY', unit: null, negotiable: true, text: '面议' },
        { model: 'FREE', amountFen: 0, currency: 'CNY', unit: null, negotiable: false, text: '免费' },
      ],
      delivery: [
        { method: 'API', format: 'JSON', description: null },
        { method: 'FILE', format: 'CSV', description: '每日更新' },
        { method: 'PRIVACY_COMPUTING', format: null, description: null },
      ],
      certificates: [{ number: 'BJDEX-2024-000123', issuer: '北京国际大数据交易所', issuedAt: '2024-03-15T00:00:00+08:00', kind: '数据产品登记凭证' }],
      updateFrequency: 'DAILY',
      sample: {
        columns: ['姓名', '身份证号', '手机号'],
        rows: [
          ['张三丰', '11010519491231002X', '13812341234'],
          ['李四', null, '13912345678'],
        ],
      },
    });
  });

  it('maps code 404 to null and other codes to UPSTREAM_ERROR', () => {
    expect(mapDetailResponse(fixture('beijing/detail-404.json'), UUID1)).toBeNull();
    expect(() => mapDetailResponse(fixture('beijing/detail-401.json'), UUID1)).toThrow(/upstream error code 401/);
  });

  it('rejects a detail for another listing or with unknown words', () => {
    const env = JSON.parse(fixture('beijing/detail-ok.json'));
    expect(() => mapDetailResponse(JSON.stringify(env), 'ffffffffffffffffffffffffffffffff')).toThrow(/another listing/);
    env.data.deliveryModes[0].mode = '飞鸽传书';
    expect(() => mapDetailResponse(JSON.stringify(env), UUID1)).toThrow(/deliveryModes\[0\]\.mode: unknown value/);
  });
});

describe('beijing adapter (stub upstream)', () => {
  let stub: Stub | undefined;
  let adapter: ExchangeAdapter | undefined;
  afterEach(async () => {
    await adapter?.close();
    await stub?.close();
    adapter = stub = undefined;
  });

  const listing = (uuid: string) => ({ ...JSON.parse(fixture('beijing/list-quirks.json')).data.records[0], uuid });
  const hex = (n: number) => n.toString(16).padStart(32, '0');

  /** A list endpoint of `total` listings that honours pageNo/pageSize like the real one. */
  function listHandler(total: number) {
    return (r: StubRequest) => {
      const body = JSON.parse(r.body) as { pageNo?: number; pageSize: number };
      const size = Math.min(body.pageSize, 500);
      const current = body.pageNo ?? 1; // a wrong field name silently gives page 1
      const records = Array.from({ length: total }, (_, i) => listing(hex(i + 1))).slice((current - 1) * size, current * size);
      return { body: { code: 0, msg: 'success', data: { records, total, size, current, pages: Math.ceil(total / size) } } };
    };
  }

  it('harvests with pageNo and pageSize 500 until `pages`', async () => {
    stub = await stubServer(listHandler(1234));
    adapter = createBeijingAdapter({ baseUrl: stub.url });
    const pages = await collect(adapter);
    expect(pages.map((p) => p.records.length)).toEqual([500, 500, 234]);
    expect(new Set(pages.flatMap((p) => p.records.map((r) => r.id))).size).toBe(1234);
    expect(stub.requests.map((r) => JSON.parse(r.body))).toEqual([
      { pageNo: 1, pageSize: 500 },
      { pageNo: 2, pageSize: 500 },
      { pageNo: 3, pageSize: 500 },
    ]);
  });

  it('fails loudly when the upstream answers another page than asked', async () => {
    stub = await stubServer((r) => {
      const res = listHandler(1000)(r);
      res.body.data.current = 1;
      return res;
    });
    adapter = createBeijingAdapter({ baseUrl: stub.url });
    await expect(collect(adapter)).rejects.toThrow('beijing list: asked for page 2, got page 1');
  });

  it('surfaces the HTTP-200 error envelope as UPSTREAM_ERROR', async () => {
    stub = await stubServer(() => ({ body: fixture('beijing/list-error.json') }));
    adapter = createBeijingAdapter({ baseUrl: stub.url });
    await expect(collect(adapter)).rejects.toMatchObject({ code: 'UPSTREAM_ERROR', upstream: 'beijing' });
  });

  it('signs detail calls, bounds concurrency and de-duplicates ids', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const now = 1714969800000;
    stub = await stubServer(async (r) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((res) => setTimeout(res, 20));
      inFlight--;
      const path = r.url;
      const { appKey, appSecret } = SIM_CREDENTIALS.beijing;
      const expected = createHmac('sha256', appSecret).update(`${appKey}\n${now}\nGET\n${path}`).digest('hex');
      if (r.headers['x-app-key'] !== appKey || r.headers['x-timestamp'] !== String(now) || r.headers['x-sign'] !== expected) {
        return { status: 401, body: fixture('beijing/detail-401.json') };
      }
      const uuid = path.split('/').pop()!;
      if (uuid === hex(404)) return { body: fixture('beijing/detail-404.json') };
      const env = JSON.parse(fixture('beijing/detail-ok.json'));
      env.data.uuid = uuid;
      return { body: env };
    });
    adapter = createBeijingAdapter({ baseUrl: stub.url, detailConcurrency: 3, now: () => now });
    const ids = [...Array.from({ length: 10 }, (_, i) => hex(i + 1)), hex(1), hex(2), hex(404), 'not-a-uuid'];
    const out = await adapter.details(ids);
    expect(out.size).toBe(12);
    expect(stub.requests).toHaveLength(11); // 10 + the 404, duplicates and the malformed id never sent
    expect(maxInFlight).toBeLessThanOrEqual(3);
    expect(out.get(hex(1))).toMatchObject({ id: `beijing:${hex(1)}`, updateFrequency: 'DAILY' });
    expect(out.get(hex(404))).toBeNull();
    expect(out.get('not-a-uuid')).toBeNull();
    expect(signDetail('k', 's', '1', '/p')).toBe(createHmac('sha256', 's').update('k\n1\nGET\n/p').digest('hex'));
  });

  it('maps HTTP 401 (bad signature) to UPSTREAM_ERROR per id, without the secret', async () => {
    stub = await stubServer(() => ({ status: 401, body: fixture('beijing/detail-401.json') }));
    adapter = createBeijingAdapter({ baseUrl: stub.url, appSecret: 'wrong-secret-xyz' });
    const out = await adapter.details([UUID1]);
    const e = out.get(UUID1);
    expect(e).toBeInstanceOf(UpstreamError);
    expect(e).toMatchObject({ code: 'UPSTREAM_ERROR', upstream: 'beijing' });
    expect((e as Error).message).toMatch(/signature rejected \(HTTP 401\)/);
    expect((e as Error).message).not.toContain('wrong-secret-xyz');
  });

  it('reports an unreachable upstream per id as UPSTREAM_UNAVAILABLE', async () => {
    stub = await stubServer(() => ({ status: 502, body: '' }));
    adapter = createBeijingAdapter({ baseUrl: stub.url });
    expect((await adapter.details([UUID1])).get(UUID1)).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
  });

  it('exposes the exchange info it is given (its entry in the list)', () => {
    const info = { id: 'beijing', name: '北京国际大数据交易所', city: '北京' };
    adapter = createBeijingAdapter({ baseUrl: 'http://127.0.0.1:1', info });
    expect(adapter.info).toEqual(info);
  });
});
