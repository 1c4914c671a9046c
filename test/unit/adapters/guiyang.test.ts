import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { SIM_CREDENTIALS } from '../../../simulators/wire.ts';
import type { ExchangeAdapter } from '../../../subgraphs/common/adapter.ts';
import { UpstreamError } from '../../../subgraphs/common/errors.ts';
import { createGuiyangAdapter, gatewayForm } from '../../../subgraphs/guiyang/adapter.ts';
import { mapGatewayResponse, mapListResponse, sampleFromJson, signGateway } from '../../../subgraphs/guiyang/mapping.ts';
import { collect, fixture, formOf, stubServer, type Stub, type StubRequest } from './helpers.ts';

describe('guiyang mapping: list', () => {
  const page = mapListResponse(fixture('guiyang/list-quirks.json'));
  const byId = new Map(page.records.map((r) => [r.nativeId, r]));

  it('maps a listing into the unified model', () => {
    expect(byId.get('512')).toEqual({
      id: 'guiyang:512',
      nativeId: '512',
      exchange: 'guiyang',
      title: '企业用电数据',
      titleEn: 'Enterprise electricity usage',
      description: '企业月度用电量',
      productType: 'API_SERVICE', // from ServiceType, capital S
      status: 'LISTED',
      providerCode: '91330127MA28NJBQ8X',
      providerName: '贵州某某能源数据有限公司',
      sectors: ['D'], // dataDomains 494
      scenarios: ['风控', '信贷'],
      keywords: ['电力', '企业', '用电'], // full-width comma split too
      classification: { level: 'GENERAL', grade: 2, containsPersonalInfo: false, sensitivePersonalInfo: false, openness: 'CONDITIONAL' },
      headlinePrice: { model: 'PER_CALL', amountFen: 5, currency: 'CNY', unit: '次', negotiable: false, text: '0.05元/次' },
      updatedAt: '2024-05-06T00:00:00+08:00',
    });
  });

  it('maps free-text prices', () => {
    expect(byId.get('513')!.headlinePrice).toMatchObject({ model: 'MONTHLY', amountFen: 300000, unit: '月' });
    expect(byId.get('514')!.headlinePrice).toMatchObject({ model: 'NEGOTIABLE', amountFen: null, negotiable: true, text: '按需收费' });
    expect(byId.get('515')!.headlinePrice).toMatchObject({ model: 'YEARLY', amountFen: 1200000 });
    expect(byId.get('516')!.headlinePrice).toMatchObject({ model: 'PER_RECORD', amountFen: 500, unit: '千条' });
    expect(byId.get('517')!.headlinePrice).toMatchObject({ model: 'FREE', amountFen: 0 });
  });

  it('maps dataDomains 491..510 to A..T, falling back to comma-joined names', () => {
    expect(byId.get('513')!.sectors).toEqual(['I', 'S']); // "499,509,499"
    expect(byId.get('514')!.sectors).toEqual(['A', 'F']); // names "农、林、牧、渔业,批发和零售业"
    expect(byId.get('515')!.sectors).toEqual(['T']);
    expect(byId.get('516')!.sectors).toEqual(['A']);
  });

  it('maps levels, statuses, openness, flags and 年月日 dates', () => {
    expect(byId.get('513')!.classification).toEqual({ level: 'IMPORTANT', grade: null, containsPersonalInfo: true, sensitivePersonalInfo: true, openness: 'CONDITIONAL' });
    expect(byId.get('513')!).toMatchObject({ status: 'PUBLICIZING', productType: 'REPORT', updatedAt: '2023-01-09T00:00:00+08:00' });
    expect(byId.get('514')!).toMatchObject({ status: 'REGISTERED', productType: 'DATASET', classification: { grade: 4, openness: 'UNCONDITIONAL' } });
    expect(byId.get('515')!).toMatchObject({ status: 'DELISTED', productType: 'TOOL', classification: { level: 'CORE', openness: 'NOT_OPEN' } });
    expect(byId.get('516')!).toMatchObject({ productType: 'MODEL', classification: { grade: 1 } });
  });

  it('skips bad items with a reason', () => {
    expect(page.records).toHaveLength(6);
    expect(page.skipped).toEqual([
      { nativeId: '600', reason: 'dataDomains: "600" is not 491..510' },
      { nativeId: null, reason: expect.stringMatching(/^serviceId: .*expected number/) },
      { nativeId: '601', reason: 'updateDate: "2024-05-06" is not yyyy年MM月dd日' },
      { nativeId: '602', reason: expect.stringMatching(/^ServiceType: /) },
    ]);
    expect(page).toMatchObject({ total: 10, page: 1, count: 10 });
  });

  it('turns `success: 0` and truncated JSON into UPSTREAM_ERROR', () => {
    expect(() => mapListResponse(fixture('guiyang/list-error.json'))).toThrow('guiyang list: upstream error (服务暂不可用)');
    expect(() => mapListResponse(fixture('guiyang/list-quirks.json').slice(0, 300))).toThrow(UpstreamError);
  });
});

describe('guiyang mapping: gateway detail', () => {
  it('decodes the double-encoded reply and maps the detail', () => {
    expect(mapGatewayResponse(fixture('guiyang/gateway-ok.json'), 512)).toEqual({
      id: 'guiyang:512',
      pricing: [
        { model: 'PER_CALL', amountFen: 5, currency: 'CNY', unit: '次', negotiable: false, text: '0.05元/次' },
        { model: 'MONTHLY', amountFen: 300000, currency: 'CNY', unit: '月', negotiable: false, text: '3000元/月' },
        { model: 'YEARLY', amountFen: 1200000, currency: 'CNY', unit: '年', negotiable: false, text: '1.2万元/年' },
        { model: 'NEGOTIABLE', amountFen: null, currency: 'CNY', unit: null, negotiable: true, text: '按需收费' },
      ],
      delivery: [
        { method: 'API', format: 'JSON', description: null },
        { method: 'FILE', format: 'JSON', description: null },
        { method: 'PRIVACY_COMPUTING', format: 'JSON', description: null },
      ],
      certificates: [{ number: 'GBDEX-2024-0512', issuer: '贵阳大数据交易所', issuedAt: '2024-05-06T00:00:00+08:00', kind: '数据产品登记凭证' }],
      updateFrequency: 'MONTHLY',
      sample: {
        columns: ['姓名', '身份证号', '手机号', '月用电量', '备注'],
        rows: [
          ['张三丰', '11010519491231002X', '13812341234', '1234.5', null],
          ['李四', null, '13912345678', null],
        ].map((r) => [...r, ...Array(5 - r.length).fill(null)]),
      },
    });
  });

  it('lets the inner code decide: E404 → null, E401/E500 → UPSTREAM_ERROR', () => {
    expect(mapGatewayResponse(fixture('guiyang/gateway-e404.json'), 512)).toBeNull();
    expect(() => mapGatewayResponse(fixture('guiyang/gateway-e401.json'), 512)).toThrow('guiyang detail 512: gateway signature rejected (E401); check app id, secret and clock');
    expect(() => mapGatewayResponse(fixture('guiyang/gateway-e500.json'), 512)).toThrow('guiyang detail 512: inner code E500 (内部错误)');
    expect(() => mapGatewayResponse(fixture('guiyang/gateway-outer-400.json'), 512)).toThrow('guiyang detail 512: gateway code 400 (缺少参数 sign)');
  });

  it('turns a truncated inner string into UPSTREAM_ERROR', () => {
    const outer = JSON.parse(fixture('guiyang/gateway-ok.json'));
    outer.data = outer.data.slice(0, 40);
    expect(() => mapGatewayResponse(JSON.stringify(outer), 512)).toThrow(/guiyang detail 512 \(inner reply\): response is not valid JSON/);
  });

  it('accepts an inner reply encoded once more', () => {
    const outer = JSON.parse(fixture('guiyang/gateway-ok.json'));
    outer.data = JSON.stringify(outer.data);
    expect(mapGatewayResponse(JSON.stringify(outer), 512)).toMatchObject({ id: 'guiyang:512' });
  });

  it('rejects a reply for another service and a bad sample', () => {
    expect(() => mapGatewayResponse(fixture('guiyang/gateway-ok.json'), 999)).toThrow(/reply is for service 512/);
    expect(() => sampleFromJson('{"a":1}')).toThrow(/not an array of row objects/);
    expect(sampleFromJson('[]')).toEqual({ columns: [], rows: [] });
  });

  it('signs per wire.ts: uppercase MD5 of secret + sorted k=v&… + secret', () => {
    const params = { timestamp: '2024-05-06 12:00:00', app_id: 'a', interface_id: 'dataShop.detail', biz_content: '{"serviceId":512}' };
    const expected = createHash('md5').update('Sapp_id=a&biz_content={"serviceId":512}&interface_id=dataShop.detail&timestamp=2024-05-06 12:00:00S').digest('hex').toUpperCase();
    expect(signGateway(params, 'S')).toBe(expected);
    expect(signGateway({ ...params, sign: 'ignored' }, 'S')).toBe(expected);
    // Timestamp in China time whatever the host's time zone.
    expect(gatewayForm('a', 'S', 512, Date.UTC(2024, 4, 6, 4, 0, 0)).timestamp).toBe('2024-05-06 12:00:00');
  });
});

describe('guiyang adapter (stub upstream)', () => {
  let stub: Stub | undefined;
  let adapter: ExchangeAdapter | undefined;
  afterEach(async () => {
    await adapter?.close();
    await stub?.close();
    adapter = stub = undefined;
  });

  const good = JSON.parse(fixture('guiyang/list-quirks.json')).data[0];

  function fakeGuiyang(total: number, maxSize = 200) {
    return (r: StubRequest) => {
      const url = new URL(r.url, 'http://x');
      if (url.pathname === '/apaas/serviceapp/v3/servicemarket/dataShop/list') {
        const page = Number(url.searchParams.get('page'));
        const size = Math.min(Number(url.searchParams.get('size')), maxSize);
        const data = Array.from({ length: total }, (_, i) => ({ ...good, serviceId: i + 1 })).slice((page - 1) * size, page * size);
        return { body: { success: 1, data, total, page } };
      }
      const form = formOf(r.body);
      const { appSecret } = SIM_CREDENTIALS.guiyang;
      const inner =
        form.sign !== signGateway(form, appSecret)
          ? { code: 'E401', msg: '签名错误', data: null }
          : JSON.parse(form.biz_content).serviceId === 404
            ? { code: 'E404', msg: '服务不存在', data: null }
            : { code: '1', msg: 'ok', data: { ...JSON.parse(JSON.parse(fixture('guiyang/gateway-ok.json')).data).data, serviceId: JSON.parse(form.biz_content).serviceId } };
      return { body: { code: 200, msg: 'ok', data: JSON.stringify(inner) } };
    };
  }

  it('harvests with page/size 200 until total', async () => {
    stub = await stubServer(fakeGuiyang(450));
    adapter = createGuiyangAdapter({ baseUrl: stub.url });
    const pages = await collect(adapter);
    expect(pages.map((p) => p.records.length)).toEqual([200, 200, 50]);
    expect(stub.requests.map((r) => r.url)).toEqual([
      '/apaas/serviceapp/v3/servicemarket/dataShop/list?page=1&size=200',
      '/apaas/serviceapp/v3/servicemarket/dataShop/list?page=2&size=200',
      '/apaas/serviceapp/v3/servicemarket/dataShop/list?page=3&size=200',
    ]);
  });

  it('misses nothing when the upstream serves smaller pages than asked', async () => {
    stub = await stubServer(fakeGuiyang(450, 100));
    adapter = createGuiyangAdapter({ baseUrl: stub.url });
    const pages = await collect(adapter);
    expect(pages.flatMap((p) => p.records)).toHaveLength(450);
    expect(stub.requests).toHaveLength(5);
  });

  it('calls the signed form gateway with bounded concurrency and de-duplication', async () => {
    stub = await stubServer(fakeGuiyang(0));
    adapter = createGuiyangAdapter({ baseUrl: stub.url, detailConcurrency: 2 });
    const out = await adapter.details(['512', '513', '512', '404', 'x12', '0512']);
    expect(stub.requests).toHaveLength(3);
    const form = formOf(stub.requests[0].body);
    expect(Object.keys(form).sort()).toEqual(['app_id', 'biz_content', 'interface_id', 'sign', 'timestamp']);
    expect(form).toMatchObject({ app_id: SIM_CREDENTIALS.guiyang.appId, interface_id: 'dataShop.detail', biz_content: '{"serviceId":512}' });
    expect(form.timestamp).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    expect(stub.requests[0].headers['content-type']).toMatch(/x-www-form-urlencoded/);
    expect(out.get('512')).toMatchObject({ id: 'guiyang:512', updateFrequency: 'MONTHLY' });
    expect(out.get('513')).toMatchObject({ id: 'guiyang:513' });
    expect(out.get('404')).toBeNull();
    expect(out.get('x12')).toBeNull();
    expect(out.get('0512')).toBeNull();
  });

  it('reports a wrong secret (inner E401) as UPSTREAM_ERROR without the secret', async () => {
    stub = await stubServer(fakeGuiyang(0));
    adapter = createGuiyangAdapter({ baseUrl: stub.url, appSecret: 'not-the-secret-123' });
    const e = (await adapter.details(['512'])).get('512') as UpstreamError;
    expect(e).toMatchObject({ code: 'UPSTREAM_ERROR', upstream: 'guiyang' });
    expect(e.message).not.toContain('not-the-secret-123');
  });
});
