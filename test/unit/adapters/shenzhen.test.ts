import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { DEVELOPMENT_CREDENTIALS, createAdapter, createShenzhenAdapter, signDetail, type ShenzhenAdapterOptions } from '../../../subgraphs/shenzhen/adapter.ts';
import { boundedEpochMsToIso, mapDetailResponse, mapListItem, mapListResponse } from '../../../subgraphs/shenzhen/mapping.ts';
import { PacerRegistry, RatePacer, type PacerClock } from '../../../subgraphs/shenzhen/pacer.ts';
import type { ExchangeAdapter } from '../../../subgraphs/common/adapter.ts';
import { UpstreamError } from '../../../subgraphs/common/errors.ts';
import { UpstreamClient } from '../../../subgraphs/common/upstream.ts';
import { collect, failure, fixture, stubServer, type Stub, type StubReply, type StubRequest } from './helpers.ts';

const SP1 = 'SZ20231108000123';
const T0 = 1_714_969_800_000;

const row = (page: number, i: number) => JSON.parse(fixture(`shenzhen/list-page-${page}.json`)).data.rows[i];

describe('shenzhen mapping: list', () => {
  const page0 = mapListResponse(fixture('shenzhen/list-page-0.json'));
  const page1 = mapListResponse(fixture('shenzhen/list-page-1.json'));
  // Page 1 repeats SP1 (it moved pages during the harvest): the first one seen is the one described here.
  const byId = new Map([...page1.records, ...page0.records].map((r) => [r.nativeId, r]));

  it('maps a listing into the unified model', () => {
    expect(byId.get(SP1)).toEqual({
      id: `shenzhen:${SP1}`,
      nativeId: SP1,
      exchange: 'shenzhen',
      title: '企业工商信息核验接口',
      titleEn: 'Enterprise registration verification API',
      description: '按统一社会信用代码核验企业工商登记信息',
      productType: 'API_SERVICE',
      status: 'LISTED',
      providerCode: '91310110666007217T',
      providerName: '深圳某某数据科技有限公司',
      sectors: ['I'],
      scenarios: ['风控', '营销'],
      keywords: ['工商', '企业', '信用'],
      // L3 with sjfj "4": general data of grade 4.
      classification: { level: 'GENERAL', grade: 4, containsPersonalInfo: true, sensitivePersonalInfo: false, openness: 'CONDITIONAL' },
      headlinePrice: { model: 'PER_CALL', amountFen: 5, currency: 'CNY', unit: '次', negotiable: false, text: '0.05元/次' },
      // gxsj 1714969800 is in seconds.
      updatedAt: '2024-05-06T12:30:00+08:00',
    });
  });

  it('keeps a withdrawn listing (sjzt "0") as DELISTED; "-1" is negotiable; L4 is important data', () => {
    const r = byId.get('SZ20231109000001')!;
    expect(r.status).toBe('DELISTED');
    expect(r.headlinePrice).toEqual({ model: 'NEGOTIABLE', amountFen: null, currency: 'CNY', unit: null, negotiable: true, text: '面议' });
    // Sensitive personal information implies personal information.
    expect(r.classification).toEqual({ level: 'IMPORTANT', grade: null, containsPersonalInfo: true, sensitivePersonalInfo: true, openness: 'NOT_OPEN' });
    expect(r).toMatchObject({ productType: 'DATASET', titleEn: null, description: null, scenarios: [], keywords: [], providerCode: '91350100M0001TGQXM' });
    // Seconds, crossing midnight into the China-time new year's eve.
    expect(r.updatedAt).toBe('2023-12-31T23:59:59+08:00');
  });

  it('reads codes as strings or numbers, "0.00" as free, L1/L2 grades, lower-case hyfl', () => {
    const free = byId.get('SZ20240101000004')!;
    expect(free.headlinePrice).toEqual({ model: 'FREE', amountFen: 0, currency: 'CNY', unit: null, negotiable: false, text: '0.00元/次' });
    expect(free).toMatchObject({ productType: 'REPORT', status: 'LISTED', sectors: ['Q'], keywords: ['疫苗', '接种'], updatedAt: '2024-01-01T00:00:00+08:00' });
    expect(free.classification).toEqual({ level: 'GENERAL', grade: 1, containsPersonalInfo: false, sensitivePersonalInfo: false, openness: 'UNCONDITIONAL' });
    const model = byId.get('SZ20240101000005')!;
    expect(model).toMatchObject({ productType: 'MODEL', sectors: ['G'], scenarios: ['交通规划', '智慧城市'], updatedAt: '2024-02-29T16:00:00+08:00' });
    expect(model.classification).toMatchObject({ level: 'GENERAL', grade: 2 });
    expect(model.headlinePrice).toMatchObject({ model: 'YEARLY', amountFen: 128000, unit: '年', text: '1280.00元/年' });
  });

  it('skips a gxsj in milliseconds (not mis-dated) and an L3 without sjfj, with the reason', () => {
    expect(page0.records.map((r) => r.nativeId)).toEqual([SP1, 'SZ20231109000001']);
    expect(page0.skipped).toEqual([
      { nativeId: 'SZ20231110000002', reason: 'gxsj: 1714969800000 is not epoch seconds in 2000..2100' },
      { nativeId: 'SZ20231111000003', reason: 'sjfj: L3 needs grade 3 or 4, got none' },
    ]);
    expect(page0).toMatchObject({ totalCount: 7, count: 4 });
    expect(page1).toMatchObject({ totalCount: 7, count: 3, skipped: [] });
  });

  it('rejects unknown codes, contradicting grades, bad prices and times in the wrong unit', () => {
    const good = row(0, 0);
    expect(mapListItem(good).id).toBe(`shenzhen:${SP1}`);
    expect(() => mapListItem({ ...good, spId: 'SZ2023110800012' })).toThrow(/^spId: /);
    expect(() => mapListItem({ ...good, spId: 'sz20231108000123' })).toThrow(/^spId: /);
    expect(() => mapListItem({ ...good, cplx: 5 })).toThrow('cplx: unknown value "5" (1-4)');
    expect(() => mapListItem({ ...good, cplx: 'API' })).toThrow(/^cplx: /);
    expect(() => mapListItem({ ...good, sjzt: '2' })).toThrow(/^sjzt: /);
    expect(() => mapListItem({ ...good, hyfl: 'Z' })).toThrow('hyfl: "Z" is not a GB/T 4754 section A-T');
    expect(() => mapListItem({ ...good, hyfl: '信息传输、软件和信息技术服务业' })).toThrow(/^hyfl: /);
    expect(() => mapListItem({ ...good, sjdj: 'L5' })).toThrow(/^sjdj: unknown value "L5"/);
    expect(() => mapListItem({ ...good, sjdj: '核心数据' })).toThrow(/^sjdj: /);
    expect(() => mapListItem({ ...good, sjdj: 'L3', sjfj: '2' })).toThrow('sjfj: L3 needs grade 3 or 4, got "2"');
    expect(() => mapListItem({ ...good, sjdj: 'L1', sjfj: '3' })).toThrow('sjfj: "3" contradicts sjdj L1 (grade 1)');
    expect(() => mapListItem({ ...good, kflx: '4' })).toThrow(/^kflx: /);
    expect(() => mapListItem({ ...good, sfhgrxx: '是否' })).toThrow(/^sfhgrxx: /);
    expect(() => mapListItem({ ...good, fbfTyshxydm: '12345' })).toThrow(/^fbfTyshxydm: /);
    expect(() => mapListItem({ ...good, xsjg: '-2' })).toThrow(/^xsjg: "-2"/);
    expect(() => mapListItem({ ...good, xsjg: '约10元' })).toThrow(/^xsjg: /);
    // cjsj is milliseconds: a seconds value would date the listing January 1970.
    expect(() => mapListItem({ ...good, cjsj: 1699405200 })).toThrow('cjsj: 1699405200 is not epoch milliseconds in 2000..2100');
    expect(() => mapListItem({ ...good, gxsj: 1699405 })).toThrow(/^gxsj: /);
    expect(() => mapListItem({ ...good, gxsj: -1 })).toThrow(/^gxsj: /);
    expect(() => mapListItem(null)).toThrow();
    // Optional fields may be absent.
    const { cjsj: _c, xsjg: _x, jgdw: _j, spYwmc: _y, yycj: _s, gjc: _g, ...bare } = good;
    expect(mapListItem(bare)).toMatchObject({ headlinePrice: null, titleEn: null, scenarios: [], keywords: [] });
  });

  it('bounds epoch times to 2000..2100', () => {
    expect(boundedEpochMsToIso(T0)).toBe('2024-05-06T12:30:00+08:00');
    expect(boundedEpochMsToIso(T0 / 1000)).toBeNull(); // seconds read as ms: 1970
    expect(boundedEpochMsToIso(T0 * 1000)).toBeNull(); // ms read as s: year ~56,000
    expect(boundedEpochMsToIso(Number.MAX_SAFE_INTEGER)).toBeNull();
  });

  it('turns the error envelope, truncated JSON and wrong shapes into UPSTREAM_ERROR', () => {
    expect(() => mapListResponse(fixture('shenzhen/list-error.json'))).toThrow('shenzhen list: upstream error code 50000 (系统异常)');
    const text = fixture('shenzhen/list-page-0.json');
    expect(() => mapListResponse(text.slice(0, text.length / 2))).toThrow(/shenzhen list: response is not valid JSON/);
    expect(() => mapListResponse('{"code":200,"msg":"成功","data":{"rows":{},"totalCount":1}}')).toThrow(/shenzhen list: unexpected page \(rows: /);
    expect(() => mapListResponse('{"code":200,"msg":"成功","data":null}')).toThrow(UpstreamError);
    expect(() => mapListResponse('[]')).toThrow(/unexpected envelope/);
  });
});

describe('shenzhen mapping: detail', () => {
  it('maps price plans, delivery, the compliance certificate, frequency and sample', () => {
    expect(mapDetailResponse(fixture('shenzhen/detail-ok.json'), SP1)).toEqual({
      id: `shenzhen:${SP1}`,
      pricing: [
        { model: 'PER_CALL', amountFen: 5, currency: 'CNY', unit: '次', negotiable: false, text: '0.05元/次' },
        { model: 'YEARLY', amountFen: 1200000, currency: 'CNY', unit: '年', negotiable: false, text: '12000.00元/年' },
        { model: 'NEGOTIABLE', amountFen: null, currency: 'CNY', unit: null, negotiable: true, text: '面议' },
        { model: 'FREE', amountFen: 0, currency: 'CNY', unit: null, negotiable: false, text: '0.00' },
      ],
      delivery: [
        { method: 'API', format: 'JSON', description: null },
        { method: 'FILE', format: 'CSV', description: '每日更新' },
        { method: 'PRIVACY_COMPUTING', format: null, description: null },
      ],
      certificates: [{ number: 'SZDE-HG-2024-000123', issuer: '深圳数据交易所', issuedAt: '2024-03-15T00:00:00+08:00', kind: '合规评估报告' }],
      updateFrequency: 'DAILY',
      sample: {
        columns: ['姓名', '身份证号', '手机号', '年龄'],
        rows: [
          ['张三丰', '11010519491231002X', '13812341234', '35'],
          ['李四', null, '13912345678', null],
        ],
      },
    });
  });

  it('maps a detail without certificate, frequency or sample to empty/null', () => {
    const env = JSON.parse(fixture('shenzhen/detail-ok.json'));
    env.data = { ...env.data, hgpg: null, gxpl: null, yl: null, jgfa: [], jffs: [] };
    expect(mapDetailResponse(JSON.stringify(env), SP1)).toEqual({ id: `shenzhen:${SP1}`, pricing: [], delivery: [], certificates: [], updateFrequency: null, sample: null });
  });

  it('maps code 40004 to null, 40001 to a signature UPSTREAM_ERROR, other codes to UPSTREAM_ERROR', () => {
    expect(mapDetailResponse(fixture('shenzhen/detail-40004.json'), SP1)).toBeNull();
    const e = (() => {
      try {
        mapDetailResponse(fixture('shenzhen/detail-40001.json'), SP1);
      } catch (err) {
        return err;
      }
      return undefined;
    })();
    expect(e).toBeInstanceOf(UpstreamError);
    expect(e).toMatchObject({ code: 'UPSTREAM_ERROR', upstream: 'shenzhen' });
    expect((e as Error).message).toBe(`shenzhen detail ${SP1}: request signature rejected (code 40001 签名错误); check the app key, secret and clock`);
    expect(() => mapDetailResponse(fixture('shenzhen/detail-429.json'), SP1)).toThrow(`shenzhen detail ${SP1}: upstream error code 429 (请求过于频繁)`);
    expect(() => mapDetailResponse('{"code":200,"msg":"成功","data":null}', SP1)).toThrow(/code 200 without data/);
  });

  it('rejects a detail for another listing, unknown words, a certificate date in seconds and ragged sample rows', () => {
    const ok = () => JSON.parse(fixture('shenzhen/detail-ok.json'));
    expect(() => mapDetailResponse(fixture('shenzhen/detail-ok.json'), 'SZ20231109000001')).toThrow(/another listing/);
    const env = ok();
    env.data.jffs[0].fs = '飞鸽传书';
    expect(() => mapDetailResponse(JSON.stringify(env), SP1)).toThrow(/jffs\[0\]\.fs: unknown value/);
    const jflx = ok();
    jflx.data.jgfa[1].jflx = '按季';
    expect(() => mapDetailResponse(JSON.stringify(jflx), SP1)).toThrow(/jgfa\[1\]\.jflx: unknown value "按季"/);
    const fzrq = ok();
    fzrq.data.hgpg.fzrq = 1710432000;
    expect(() => mapDetailResponse(JSON.stringify(fzrq), SP1)).toThrow(/hgpg\.fzrq: 1710432000 is not epoch milliseconds/);
    const ragged = ok();
    ragged.data.yl.sj[1].pop();
    expect(() => mapDetailResponse(JSON.stringify(ragged), SP1)).toThrow('yl.sj[1]: 3 cells for 4 columns');
    const gxpl = ok();
    gxpl.data.gxpl = '偶尔';
    expect(() => mapDetailResponse(JSON.stringify(gxpl), SP1)).toThrow(/gxpl: unknown value/);
  });
});

/** A clock that only moves when someone sleeps on it: pacing tests take no real time. */
function virtualClock(start = T0): PacerClock & { sleeps: number[] } {
  let t = start;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => t,
    sleep: async (ms) => {
      sleeps.push(ms);
      // Let the caller that was just let through read the clock before it moves.
      await new Promise((resolve) => setImmediate(resolve));
      t += ms;
    },
  };
}

/** Detail requests as the exchange checks them: the signature recomputed from what arrived. */
function verify(r: StubRequest, secrets: Record<string, string>): { ok: boolean; spId: string; appKey: string; timestamp: number } {
  const url = new URL(r.url, 'http://stub');
  const appKey = String(r.headers['x-sz-appkey'] ?? '');
  const timestamp = String(r.headers['x-sz-timestamp'] ?? '');
  const secret = secrets[appKey];
  const expected =
    secret === undefined
      ? ''
      : createHmac('sha256', secret)
          .update(`${appKey}${timestamp}${url.pathname}${url.search.slice(1)}`)
          .digest('hex');
  return { ok: expected !== '' && r.headers['x-sz-sign'] === expected, spId: url.searchParams.get('spId') ?? '', appKey, timestamp: Number(timestamp) };
}

const SECRETS: Record<string, string> = { [DEVELOPMENT_CREDENTIALS.appKey]: DEVELOPMENT_CREDENTIALS.appSecret, 'key-a': 'secret-a', 'key-b': 'secret-b' };

function detailBody(spId: string): object {
  const env = JSON.parse(fixture('shenzhen/detail-ok.json'));
  env.data.spId = spId;
  return env;
}

const spIdOf = (n: number) => `SZ2024${String(n).padStart(10, '0')}`;

describe('shenzhen adapter (stub upstream)', () => {
  let stub: Stub | undefined;
  const adapters: ExchangeAdapter[] = [];
  afterEach(async () => {
    for (const a of adapters.splice(0)) await a.close();
    await stub?.close();
    stub = undefined;
  });

  function adapter(options: Partial<ShenzhenAdapterOptions> = {}): ExchangeAdapter {
    const a = createShenzhenAdapter({ baseUrl: stub!.url, pacers: new PacerRegistry(), clock: virtualClock(), ...options });
    adapters.push(a);
    return a;
  }

  /** An exchange: list pages by 0-based pageNo (capped at 50), signed details; `detail` may override a reply. */
  function exchange(total: number, detail?: (r: StubRequest, v: ReturnType<typeof verify>) => StubReply | undefined) {
    return (r: StubRequest): StubReply => {
      if (r.method === 'POST' && r.url === '/szde/api/sp/list') {
        const body = JSON.parse(r.body) as { pageNo: number; pageSize: number };
        const size = Math.min(body.pageSize, 50);
        const rows = Array.from({ length: total }, (_, i) => ({ ...row(0, 0), spId: spIdOf(i + 1) })).slice(body.pageNo * size, (body.pageNo + 1) * size);
        return { body: { code: 200, msg: '成功', data: { rows, totalCount: total } } };
      }
      const v = verify(r, SECRETS);
      if (!v.ok) return { body: fixture('shenzhen/detail-40001.json') };
      const override = detail?.(r, v);
      if (override) return override;
      if (v.spId === spIdOf(404)) return { body: fixture('shenzhen/detail-40004.json') };
      return { body: detailBody(v.spId) };
    };
  }

  const listRequests = () => stub!.requests.filter((r) => r.url.startsWith('/szde/api/sp/list'));
  const detailRequests = () => stub!.requests.filter((r) => r.url.startsWith('/szde/api/sp/detail'));

  it('harvests pageNo 0, 1, 2 with pageSize 50 and stops at ceil(totalCount / 50)', async () => {
    stub = await stubServer(exchange(120));
    const pages = await collect(adapter());
    expect(listRequests().map((r) => JSON.parse(r.body))).toEqual([
      { pageNo: 0, pageSize: 50 },
      { pageNo: 1, pageSize: 50 },
      { pageNo: 2, pageSize: 50 },
    ]);
    expect(pages.map((p) => p.records.length)).toEqual([50, 50, 20]);
    expect(new Set(pages.flatMap((p) => p.records.map((r) => r.id))).size).toBe(120);
    expect(pages[0].records[0].id).toBe(`shenzhen:${spIdOf(1)}`);
    // The list call is not signed (and not paced).
    expect(listRequests().every((r) => r.headers['x-sz-sign'] === undefined)).toBe(true);
  });

  it('stops at an empty page even when totalCount promises more', async () => {
    stub = await stubServer((r) => {
      const reply = exchange(60)(r) as { body: { data: { totalCount: number } } };
      reply.body.data.totalCount = 5000;
      return reply;
    });
    const pages = await collect(adapter());
    expect(listRequests().map((r) => JSON.parse(r.body).pageNo)).toEqual([0, 1, 2]);
    expect(pages.map((p) => p.records.length)).toEqual([50, 10, 0]);
  });

  it('harvests the fixture pages: skipped items counted, a listing that moved pages kept once', async () => {
    stub = await stubServer((r) => {
      const { pageNo } = JSON.parse(r.body) as { pageNo: number };
      return { body: fixture(`shenzhen/list-page-${pageNo}.json`) };
    });
    const pages = await collect(adapter({ pageSize: 4 }));
    expect(listRequests().map((r) => JSON.parse(r.body))).toEqual([
      { pageNo: 0, pageSize: 4 },
      { pageNo: 1, pageSize: 4 },
    ]);
    expect(pages.map((p) => p.records.map((r) => r.nativeId))).toEqual([
      [SP1, 'SZ20231109000001'],
      ['SZ20240101000004', 'SZ20240101000005'],
    ]);
    expect(pages.map((p) => p.skipped.map((s) => s.nativeId))).toEqual([['SZ20231110000002', 'SZ20231111000003'], []]);
  });

  it('fails the harvest on the error envelope with UPSTREAM_ERROR naming shenzhen', async () => {
    stub = await stubServer(() => ({ body: fixture('shenzhen/list-error.json') }));
    await expect(collect(adapter())).rejects.toMatchObject({ code: 'UPSTREAM_ERROR', upstream: 'shenzhen', message: 'shenzhen list: upstream error code 50000 (系统异常)' });
  });

  it('signs detail calls (recomputed by the server), maps 40004 to null and never sends a malformed id', async () => {
    stub = await stubServer(exchange(0));
    const clock = virtualClock();
    const out = await adapter({ clock }).details([SP1, spIdOf(404), SP1, 'SZ123', 'x&spId=SZ20231108000123']);
    expect(out.get(SP1)).toMatchObject({ id: `shenzhen:${SP1}`, updateFrequency: 'DAILY' });
    expect(out.get(spIdOf(404))).toBeNull();
    expect(out.get('SZ123')).toBeNull();
    expect(out.get('x&spId=SZ20231108000123')).toBeNull();
    // Duplicates and malformed ids never sent (the two calls may arrive in either order).
    expect(
      detailRequests()
        .map((r) => r.url)
        .sort(),
    ).toEqual([`/szde/api/sp/detail?spId=${SP1}`, `/szde/api/sp/detail?spId=${spIdOf(404)}`].sort());
    for (const r of detailRequests()) {
      expect(verify(r, SECRETS)).toMatchObject({ ok: true, appKey: 'sim-shenzhen', timestamp: T0 });
      expect(r.method).toBe('GET');
    }
    expect(signDetail('k', 's', '1', '/p', 'a=b')).toBe(createHmac('sha256', 's').update('k1/pa=b').digest('hex'));
  });

  it('signs the path the exchange receives when the base URL has a prefix', async () => {
    stub = await stubServer((r) => {
      const v = verify(r, SECRETS);
      return v.ok && r.url.startsWith('/gw/szde/api/sp/detail?') ? { body: detailBody(v.spId) } : { body: fixture('shenzhen/detail-40001.json') };
    });
    const out = await adapter({ baseUrl: `${stub.url}/gw/` }).details([SP1]);
    expect(out.get(SP1)).toMatchObject({ id: `shenzhen:${SP1}` });
  });

  it('reports a rejected signature (40001) per id as UPSTREAM_ERROR naming shenzhen, without the secret', async () => {
    stub = await stubServer(exchange(0));
    const out = await adapter({ appSecret: 'wrong-secret-xyz' }).details([SP1]);
    const e = out.get(SP1);
    expect(e).toBeInstanceOf(UpstreamError);
    expect(e).toMatchObject({ code: 'UPSTREAM_ERROR', upstream: 'shenzhen' });
    expect((e as Error).message).toMatch(/signature rejected \(code 40001/);
    expect((e as Error).message).not.toContain('wrong-secret-xyz');
    expect(detailRequests()).toHaveLength(1); // not retried: the next one would be rejected too
  });

  it('paces detail calls: no second of the exchange ever sees more than 5 of 20 concurrent calls', async () => {
    stub = await stubServer(exchange(0));
    const ids = Array.from({ length: 20 }, (_, i) => spIdOf(i + 1));
    const out = await adapter({ detailConcurrency: 20 }).details(ids);
    expect([...out.values()].every((d) => d !== null && !(d instanceof Error))).toBe(true);
    const sent = detailRequests()
      .map((r) => verify(r, SECRETS).timestamp - T0)
      .sort((a, b) => a - b);
    expect(sent).toHaveLength(20);
    // Any 6 consecutive calls span more than a second, so no window of 1 s (fixed or sliding) holds 6.
    for (let i = 0; i + 5 < sent.length; i++) expect(sent[i + 5] - sent[i]).toBeGreaterThanOrEqual(1000);
    const perSecond = new Map<number, number>();
    for (const t of sent) perSecond.set(Math.floor(t / 1000), (perSecond.get(Math.floor(t / 1000)) ?? 0) + 1);
    expect(Math.max(...perSecond.values())).toBeLessThanOrEqual(5);
    // …and no slower than needed: 5 at once, then 5 a window later.
    expect(sent.slice(0, 5)).toEqual([0, 0, 0, 0, 0]);
    expect(sent[19]).toBeLessThan(3 * 1050 + 1);
  });

  it('takes its pace from the options, and shares it between adapters of one app key', async () => {
    stub = await stubServer(exchange(0));
    const pacers = new PacerRegistry();
    const clock = virtualClock();
    const a = adapter({ pacers, clock, appKey: 'key-a', appSecret: 'secret-a', callsPerSecond: 2 });
    const b = adapter({ pacers, clock, appKey: 'key-a', appSecret: 'secret-a', callsPerSecond: 2 });
    const c = adapter({ pacers, clock, appKey: 'key-b', appSecret: 'secret-b', callsPerSecond: 2 });
    await Promise.all([a.details([spIdOf(1), spIdOf(2), spIdOf(3)]), b.details([spIdOf(4), spIdOf(5), spIdOf(6)]), c.details([spIdOf(7), spIdOf(8)])]);
    const byKey = (key: string) =>
      detailRequests()
        .map((r) => verify(r, SECRETS))
        .filter((v) => v.ok && v.appKey === key)
        .map((v) => v.timestamp - T0)
        .sort((x, y) => x - y);
    const shared = byKey('key-a');
    expect(shared).toHaveLength(6);
    for (let i = 0; i + 2 < shared.length; i++) expect(shared[i + 2] - shared[i]).toBeGreaterThanOrEqual(1000);
    // Another app key has its own allowance: its two calls go at once.
    expect(byKey('key-b')).toHaveLength(2);
    expect(new Set(byKey('key-b')).size).toBe(1);
    await a.close();
    await b.close();
    await c.close();
    expect(pacers.size).toBe(0);
  });

  it('honours a 429 with Retry-After: waits, re-signs, and answers; the other ids are not failed', async () => {
    let limited = 0;
    stub = await stubServer(
      exchange(0, (_r, v) => {
        if (v.spId === spIdOf(2) && limited++ === 0) return { status: 429, headers: { 'retry-after': '1' }, body: fixture('shenzhen/detail-429.json') };
        return undefined;
      }),
    );
    const clock = virtualClock();
    const out = await adapter({ clock, callsPerSecond: 0 }).details([spIdOf(1), spIdOf(2), spIdOf(3)]);
    for (const id of [spIdOf(1), spIdOf(2), spIdOf(3)]) expect(out.get(id)).toMatchObject({ id: `shenzhen:${id}` });
    const calls = detailRequests()
      .map((r) => verify(r, SECRETS))
      .filter((v) => v.spId === spIdOf(2));
    expect(calls).toHaveLength(2);
    expect(calls.every((v) => v.ok)).toBe(true);
    expect(calls[1].timestamp - calls[0].timestamp).toBeGreaterThanOrEqual(1000);
    expect(clock.sleeps).toContain(1000);
  });

  it('gives up on an id that stays rate-limited (UPSTREAM_UNAVAILABLE with retryAfterSeconds), answering the others', async () => {
    stub = await stubServer(exchange(0, (_r, v) => (v.spId === spIdOf(2) ? { status: 429, headers: { 'retry-after': '1' }, body: fixture('shenzhen/detail-429.json') } : undefined)));
    const out = await adapter({ rateLimitRetries: 2 }).details([spIdOf(1), spIdOf(2)]);
    expect(out.get(spIdOf(1))).toMatchObject({ id: `shenzhen:${spIdOf(1)}` });
    expect(out.get(spIdOf(2))).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', upstream: 'shenzhen', retryAfterSeconds: 1 });
    expect(detailRequests().filter((r) => r.url.endsWith(spIdOf(2)))).toHaveLength(3);
  });

  it('does not wait out a Retry-After longer than retryAfterMaxMs', async () => {
    stub = await stubServer(exchange(0, () => ({ status: 429, headers: { 'retry-after': '120' }, body: fixture('shenzhen/detail-429.json') })));
    const out = await adapter().details([SP1]);
    expect(out.get(SP1)).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', retryAfterSeconds: 120 });
    expect(detailRequests()).toHaveLength(1);
  });

  it('stops waiting for the pace when the caller aborts', async () => {
    stub = await stubServer(exchange(0));
    const never: PacerClock = { now: () => T0, sleep: () => new Promise<void>(() => undefined) };
    const controller = new AbortController();
    const pending = adapter({ clock: never, callsPerSecond: 1 }).details([spIdOf(1), spIdOf(2)], controller.signal);
    await expect.poll(() => detailRequests().length).toBe(1);
    controller.abort(new Error('caller gone'));
    expect((await failure(pending)).message).toBe('caller gone');
  });

  it('is built by createAdapter from the list credentials and the pace setting', async () => {
    stub = await stubServer(exchange(0));
    const info = { id: 'shenzhen', name: '深圳数据交易所', city: '深圳' };
    const made = createAdapter({
      info,
      baseUrl: stub.url,
      client: new UpstreamClient({ upstream: 'shenzhen', baseUrl: stub.url }),
      credentials: { appKey: 'key-b', appSecret: 'secret-b' },
      settings: { callsPerSecond: 0 },
    });
    adapters.push(made);
    expect(made.info).toEqual(info);
    const out = await made.details([SP1]);
    expect(out.get(SP1)).toMatchObject({ id: `shenzhen:${SP1}` });
    expect(verify(detailRequests()[0], SECRETS)).toMatchObject({ ok: true, appKey: 'key-b' });
    const client = new UpstreamClient({ upstream: 'shenzhen', baseUrl: stub.url });
    try {
      expect(() => createAdapter({ info, baseUrl: stub!.url, client, credentials: {}, settings: { callsPerSecond: 'fast' } })).toThrow(/DATAEX_SHENZHEN_CALLS_PER_SECOND/);
    } finally {
      await client.close();
    }
  });
});

describe('shenzhen rate pacer', () => {
  it('lets `limit` calls through per window, in arrival order, and holds off for Retry-After', async () => {
    const clock = virtualClock(0);
    const pacer = new RatePacer({ callsPerSecond: 2.5, marginMs: 0, clock });
    const started: Array<[number, number]> = [];
    await Promise.all(Array.from({ length: 5 }, (_, i) => pacer.acquire().then(() => started.push([i, clock.now()]))));
    // 2.5/s: 2 calls per 800 ms.
    expect(started).toEqual([
      [0, 0],
      [1, 0],
      [2, 800],
      [3, 800],
      [4, 1600],
    ]);
    pacer.holdOff(5000);
    await pacer.acquire();
    expect(clock.now()).toBe(1600 + 5000);
    expect(() => new RatePacer({ callsPerSecond: -1 })).toThrow(RangeError);
    expect(() => new RatePacer({ callsPerSecond: Number.NaN })).toThrow(RangeError);
  });
});
