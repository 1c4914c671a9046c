import { afterEach, describe, expect, it } from 'vitest';
import type { ExchangeAdapter } from '../../../subgraphs/common/adapter.ts';
import { UpstreamError } from '../../../subgraphs/common/errors.ts';
import { UpstreamClient, type UpstreamRequest, type UpstreamResponse } from '../../../subgraphs/common/upstream.ts';
import { createAdapter, createTaiyuanAdapter } from '../../../subgraphs/taiyuan/adapter.ts';
import { certificatesOf, ckanFailure, mapPackage, mapSearchResponse, mapShowResponse, utcNaiveToChinaIso } from '../../../subgraphs/taiyuan/mapping.ts';
import { collect, fixture, stubServer, type Stub, type StubRequest } from './helpers.ts';

const TOKEN = 'sim-taiyuan-token';
const NAME = 'sx-traffic-penalty-2023';

describe('taiyuan: utcNaiveToChinaIso', () => {
  it('reads zone-less UTC and adds 8 hours, crossing midnight, month and year ends', () => {
    expect(utcNaiveToChinaIso('2024-05-06T01:02:03.456789')).toBe('2024-05-06T09:02:03+08:00');
    expect(utcNaiveToChinaIso('2024-05-06T16:00:00')).toBe('2024-05-07T00:00:00+08:00');
    expect(utcNaiveToChinaIso('2024-04-30T20:15:00')).toBe('2024-05-01T04:15:00+08:00');
    expect(utcNaiveToChinaIso('2024-02-28T16:00:00')).toBe('2024-02-29T00:00:00+08:00'); // leap year
    expect(utcNaiveToChinaIso('2023-02-28T16:00:00')).toBe('2023-03-01T00:00:00+08:00');
    expect(utcNaiveToChinaIso('2024-12-31T23:59:59.999999')).toBe('2025-01-01T07:59:59+08:00'); // fraction dropped, not rounded
    expect(utcNaiveToChinaIso('2024-05-06 01:02:03')).toBe('2024-05-06T09:02:03+08:00');
  });

  it('refuses other shapes, zones and impossible dates', () => {
    for (const bad of [
      '2024-05-06',
      '2024-05-06T01:02',
      '2024-05-06T01:02:03Z',
      '2024-05-06T09:02:03+08:00',
      '2023-02-29T00:00:00',
      '2024-13-01T00:00:00',
      '2024-05-06T24:00:00',
      '0099-01-01T00:00:00',
      '',
    ]) {
      expect(utcNaiveToChinaIso(bad), bad).toBeNull();
    }
  });
});

describe('taiyuan mapping: package_search', () => {
  const page = mapSearchResponse(fixture('taiyuan/search-quirks.json'));
  const byId = new Map(page.records.map((r) => [r.nativeId, r]));

  it('maps a package into the unified model', () => {
    expect(byId.get(NAME)).toEqual({
      id: `taiyuan:${NAME}`,
      nativeId: NAME,
      exchange: 'taiyuan',
      title: '山西省交通违法处罚数据（2023）',
      titleEn: 'Shanxi traffic penalty data (2023)',
      // Markdown kept as text.
      description: '**交通违法处罚记录**，按月更新。\n\n- 覆盖全省 11 个地市\n- 字段含处罚决定书编号',
      productType: 'API_SERVICE',
      status: 'LISTED',
      providerCode: '91140100MA0GRUQ81X',
      providerName: '山西某某交通信息有限公司',
      sectors: ['G'],
      scenarios: ['交通治理', '保险定价'],
      keywords: ['交通', '处罚'],
      classification: { level: 'GENERAL', grade: 2, containsPersonalInfo: true, sensitivePersonalInfo: false, openness: 'CONDITIONAL' },
      headlinePrice: { model: 'PER_CALL', amountFen: 20000, currency: 'CNY', unit: '次', negotiable: false, text: '200元/次' },
      updatedAt: '2024-05-06T09:02:03+08:00',
    });
  });

  it('maps 万, 协商 and 免费 prices; the first of several plans is the headline', () => {
    expect(byId.get('ty-coal-output-monthly')!.headlinePrice).toEqual({ model: 'YEARLY', amountFen: 500000, currency: 'CNY', unit: '年', negotiable: false, text: '0.5万元/年' });
    expect(byId.get('ty-enterprise-credit')!.headlinePrice).toMatchObject({ model: 'NEGOTIABLE', amountFen: null, negotiable: true, text: '协商' });
    expect(byId.get('ty-weather-tool')!.headlinePrice).toMatchObject({ model: 'FREE', amountFen: 0, text: '免费' });
  });

  it('turns UTC midnight into the next China day, month and year', () => {
    expect(byId.get('ty-coal-output-monthly')!.updatedAt).toBe('2024-01-01T00:00:00+08:00'); // 2023-12-31T16:00 UTC
    expect(byId.get('ty-enterprise-credit')!.updatedAt).toBe('2024-03-01T07:59:59+08:00'); // 2024-02-29T23:59:59.999999 UTC
    expect(byId.get('ty-weather-tool')!.updatedAt).toBe('2024-02-01T00:30:00+08:00');
  });

  it('maps a missing or blank English title and blank notes to null', () => {
    expect(byId.get('ty-coal-output-monthly')).toMatchObject({ titleEn: null, description: null });
    expect(byId.get('ty-enterprise-credit')).toMatchObject({ titleEn: null, description: null });
    expect(byId.get('ty-weather-tool')).toMatchObject({ titleEn: null, description: '提供**气象**数据清洗。' });
  });

  it('maps gbt4754 groups and section titles to sectors, ignoring thematic groups', () => {
    expect(byId.get('ty-coal-output-monthly')!.sectors).toEqual(['B', 'C']);
    expect(byId.get('ty-enterprise-credit')!.sectors).toEqual(['J', 'L']);
    expect(byId.get('ty-weather-tool')!.sectors).toEqual(['A']);
  });

  it('maps types, statuses, levels with grades, openness, PI flags, scenarios and tags', () => {
    expect(byId.get('ty-coal-output-monthly')).toMatchObject({
      productType: 'DATASET',
      status: 'PUBLICIZING',
      classification: { level: 'IMPORTANT', grade: null, containsPersonalInfo: false, sensitivePersonalInfo: false, openness: 'CONDITIONAL' },
      scenarios: [],
      keywords: [],
    });
    // Sensitive personal information implies personal information.
    expect(byId.get('ty-enterprise-credit')).toMatchObject({
      productType: 'REPORT',
      status: 'DELISTED',
      classification: { level: 'CORE', grade: null, containsPersonalInfo: true, sensitivePersonalInfo: true, openness: 'NOT_OPEN' },
      keywords: ['信用'],
    });
    expect(byId.get('ty-weather-tool')).toMatchObject({
      productType: 'TOOL',
      status: 'REGISTERED',
      providerCode: '91140106MA0HX2K13P', // upper-cased
      classification: { level: 'GENERAL', grade: 4, openness: 'UNCONDITIONAL' },
      scenarios: ['气象', '农业'],
      keywords: ['weather'], // `name` when there is no display_name
    });
  });

  it('skips bad packages with a reason, the organization-less one included', () => {
    expect(page.records.map((r) => r.nativeId)).toEqual([NAME, 'ty-coal-output-monthly', 'ty-enterprise-credit', 'ty-weather-tool']);
    expect(page.skipped).toEqual([
      { nativeId: 'ty-orphan-package', reason: 'organization: missing (null)' },
      { nativeId: 'TY-Upper-Case', reason: expect.stringMatching(/^name: expected a lowercase package name/) },
      { nativeId: 'ty-unknown-type', reason: 'extras.cplx: unknown value "数据服务"' },
      { nativeId: 'ty-zoned-time', reason: 'metadata_modified: "2024-05-06T09:02:03+08:00" is not a zone-less UTC ISO-8601 time' },
      { nativeId: 'ty-no-sector', reason: 'groups: no GB/T 4754 section' },
      // No name: the UUID tells it apart.
      { nativeId: '5c0d1e2f-3a4b-4c5d-6e7f-8a9b0c1d2e3f', reason: expect.stringMatching(/^name: /) },
    ]);
    expect(page).toMatchObject({ count: 10, returned: 10 });
  });

  it('rejects unknown words, bad grades and codes, duplicated extras', () => {
    const good = JSON.parse(fixture('taiyuan/search-quirks.json')).result.results[0];
    const withExtra = (key: string, value: string | null) => ({ ...good, extras: [...good.extras.filter((e: { key: string }) => e.key !== key), ...(value === null ? [] : [{ key, value }])] });
    expect(mapPackage(good).nativeId).toBe(NAME);
    expect(() => mapPackage(withExtra('cpzt', '审核中'))).toThrow('extras.cpzt: unknown value "审核中"');
    expect(() => mapPackage(withExtra('sjfj', '7'))).toThrow('extras.sjfj: "7" is not 1..4');
    expect(() => mapPackage(withExtra('sjfj', 'x'))).toThrow('extras.sjfj: "x" is not 1..4');
    expect(() => mapPackage(withExtra('sjdj', '普通数据'))).toThrow(/extras\.sjdj/);
    expect(() => mapPackage(withExtra('kfsx', '开放'))).toThrow(/extras\.kfsx/);
    expect(() => mapPackage(withExtra('sfhgrxx', '未知'))).toThrow(/extras\.sfhgrxx/);
    expect(() => mapPackage(withExtra('tyshxydm', '12345'))).toThrow(/not a Unified Social Credit Code/);
    expect(() => mapPackage(withExtra('tyshxydm', null))).toThrow('extras.tyshxydm: missing');
    expect(() => mapPackage({ ...good, extras: [...good.extras, { key: 'jg', value: '免费' }] })).toThrow('extras: key "jg" given twice');
    expect(() => mapPackage({ ...good, groups: [{ name: 'gbt4754-z' }] })).toThrow('groups: "gbt4754-z" is not a GB/T 4754 section');
    expect(() => mapPackage({ ...good, title: ' ', title_translated: null })).toThrow('title: blank');
    expect(() => mapPackage(null)).toThrow();
    // A price text with figures that cannot be read safely is no headline, not a guess; the listing stays.
    expect(mapPackage(withExtra('jg', '约100元左右')).headlinePrice).toBeNull();
    expect(mapPackage(withExtra('jg', null)).headlinePrice).toBeNull();
  });

  it('turns an error envelope or a bad shape into UPSTREAM_ERROR naming taiyuan', () => {
    expect(() => mapSearchResponse(fixture('taiyuan/error-409.json'))).toThrow('taiyuan list: upstream error (Validation Error)');
    expect(() => mapSearchResponse('{"success":true,"result":{"count":1}}')).toThrow(/taiyuan list: unexpected result \(results: /);
    expect(() => mapSearchResponse('{"help":"x"}')).toThrow(/taiyuan list: unexpected envelope/);
    const text = fixture('taiyuan/search-quirks.json');
    const e = (() => {
      try {
        mapSearchResponse(text.slice(0, text.length / 2));
      } catch (err) {
        return err;
      }
    })();
    expect(e).toBeInstanceOf(UpstreamError);
    expect(e).toMatchObject({ code: 'UPSTREAM_ERROR', upstream: 'taiyuan', message: expect.stringMatching(/taiyuan list: response is not valid JSON/) });
  });
});

describe('taiyuan mapping: package_show', () => {
  it('maps prices, delivery resources, certificates, frequency and the sample resource', () => {
    expect(mapShowResponse(fixture('taiyuan/show-ok.json'), NAME)).toEqual({
      id: `taiyuan:${NAME}`,
      // Every ；-part; "约100元左右" cannot be read safely and is left out.
      pricing: [
        { model: 'PER_CALL', amountFen: 20000, currency: 'CNY', unit: '次', negotiable: false, text: '200元/次' },
        { model: 'YEARLY', amountFen: 500000, currency: 'CNY', unit: '年', negotiable: false, text: '0.5万元/年' },
        { model: 'NEGOTIABLE', amountFen: null, currency: 'CNY', unit: null, negotiable: true, text: '协商' },
        { model: 'FREE', amountFen: 0, currency: 'CNY', unit: null, negotiable: false, text: '免费' },
      ],
      delivery: [
        { method: 'API', format: 'JSON', description: '按决定书编号查询' },
        { method: 'FILE', format: 'CSV', description: null },
        { method: 'PRIVACY_COMPUTING', format: null, description: null },
      ],
      certificates: [
        { number: '晋数登字〔2024〕第00123号', issuer: '山西省知识产权局', issuedAt: '2024-03-15T00:00:00+08:00', kind: '数据知识产权登记证书' },
        { number: 'SXDE-2024-0456', issuer: '山西数据交易服务中心', issuedAt: '2024-04-01T00:00:00+08:00', kind: '数据产品登记凭证' },
      ],
      updateFrequency: 'MONTHLY',
      sample: {
        columns: ['决定书编号', '当事人', '罚款金额', '备注'],
        // In the order of `fields`, whatever the key order of a record; numbers as text; missing → null.
        rows: [
          ['晋交罚〔2023〕001号', '张三丰', '200', null],
          ['晋交罚〔2023〕002号', '李四', '50.5', null],
        ],
      },
    });
  });

  it('has no sample, certificates or frequency when the package has none', () => {
    const env = JSON.parse(fixture('taiyuan/show-ok.json'));
    env.result.extras = [];
    env.result.resources = env.result.resources.filter((r: { resource_type: string }) => r.resource_type !== 'sample');
    expect(mapShowResponse(JSON.stringify(env), NAME)).toMatchObject({ pricing: [], certificates: [], updateFrequency: null, sample: null });
  });

  it('rejects bad certificates JSON, another package and unknown resource types as UPSTREAM_ERROR', () => {
    const env = JSON.parse(fixture('taiyuan/show-ok.json'));
    expect(() => mapShowResponse(JSON.stringify(env), 'ty-other')).toThrow(`taiyuan detail ty-other: reply is for another package (${NAME})`);
    const zs = env.result.extras.find((e: { key: string }) => e.key === 'zs');
    zs.value = zs.value.slice(0, 30);
    expect(() => mapShowResponse(JSON.stringify(env), NAME)).toThrow(
      expect.objectContaining({ code: 'UPSTREAM_ERROR', upstream: 'taiyuan', message: expect.stringMatching(/\(extras\.zs\): response is not valid JSON/) }),
    );
    expect(() => certificatesOf('{"bh":"x"}')).toThrow(/extras\.zs is not a certificate list/);
    expect(() => certificatesOf('[{"bh":"x","jg":"y","rq":"2024/03/15","lx":"z"}]')).toThrow('taiyuan detail: extras.zs[0].rq: "2024/03/15" is not yyyy-MM-dd');
    expect(certificatesOf(' ')).toEqual([]);
    const env2 = JSON.parse(fixture('taiyuan/show-ok.json'));
    env2.result.resources[0].resource_type = 'ftp';
    expect(() => mapShowResponse(JSON.stringify(env2), NAME)).toThrow('taiyuan detail sx-traffic-penalty-2023: resources[0].resource_type: unknown value "ftp"');
    expect(() => mapShowResponse(fixture('taiyuan/error-404.json'), NAME)).toThrow('taiyuan detail sx-traffic-penalty-2023: upstream error (Not Found Error: Not found)');
  });

  it('reads CKAN 4xx replies: only a Not Found Error 404 is "not found"', () => {
    expect(ckanFailure(404, fixture('taiyuan/error-404.json'), 'w').notFound).toBe(true);
    const bare = ckanFailure(404, '<html>Not Found</html>', 'w');
    expect(bare.notFound).toBe(false);
    expect(bare.error.message).toBe('w: HTTP 404 (not a CKAN error reply)');
    const denied = ckanFailure(403, fixture('taiyuan/error-403.json'), 'w');
    expect(denied.notFound).toBe(false);
    expect(denied.error).toMatchObject({ code: 'UPSTREAM_ERROR', upstream: 'taiyuan' });
    expect(denied.error.message).toBe('w: API token rejected (HTTP 403, Authorization Error: Access denied: invalid API token); check DATAEX_TAIYUAN_API_TOKEN');
    expect(ckanFailure(409, fixture('taiyuan/error-409.json'), 'w').error.message).toBe('w: HTTP 409 (Validation Error)');
  });
});

describe('taiyuan adapter (stub upstream)', () => {
  let stub: Stub | undefined;
  let adapter: ExchangeAdapter | undefined;
  afterEach(async () => {
    await adapter?.close();
    await stub?.close();
    adapter = stub = undefined;
  });

  const good = JSON.parse(fixture('taiyuan/search-quirks.json')).result.results[0];
  const orphan = JSON.parse(fixture('taiyuan/search-quirks.json')).result.results[4];
  const pkg = (i: number) => ({ ...good, id: `uuid-${i}`, name: `pkg-${String(i).padStart(5, '0')}` });
  const paramsOf = (r: StubRequest) => Object.fromEntries(new URL(r.url, 'http://x').searchParams);

  /** A CKAN package_search over `packages` honouring rows (capped at `maxRows`), start and `name asc`. */
  function fakeCkan(packages: () => unknown[], maxRows = 1000) {
    return (r: StubRequest) => {
      if (r.headers.authorization !== TOKEN) return { status: 403, body: fixture('taiyuan/error-403.json') };
      const url = new URL(r.url, 'http://x');
      if (url.pathname === '/api/3/action/package_search') {
        const rows = url.searchParams.get('rows');
        const start = url.searchParams.get('start');
        if (!/^\d+$/.test(rows ?? '') || !/^\d+$/.test(start ?? '')) return { status: 409, body: fixture('taiyuan/error-409.json') };
        const all = packages();
        const results = all.slice(Number(start), Number(start) + Math.min(Number(rows), maxRows));
        return { body: { help: 'h', success: true, result: { count: all.length, sort: url.searchParams.get('sort'), results } } };
      }
      if (url.pathname === '/api/3/action/package_show') {
        const id = url.searchParams.get('id') ?? '';
        if (id.startsWith('gone')) return { status: 404, body: fixture('taiyuan/error-404.json') };
        if (id.startsWith('invalid')) return { status: 409, body: fixture('taiyuan/error-409.json') };
        const env = JSON.parse(fixture('taiyuan/show-ok.json'));
        env.result.name = id;
        return { body: env };
      }
      return { status: 404, body: 'no such path' };
    };
  }

  it('harvests with rows=1000, sort=name asc and start offsets until count, with the token on every call', async () => {
    const packages = Array.from({ length: 2345 }, (_, i) => pkg(i));
    stub = await stubServer(fakeCkan(() => packages));
    adapter = createTaiyuanAdapter({ baseUrl: stub.url });
    const pages = await collect(adapter);
    expect(pages.map((p) => p.records.length)).toEqual([1000, 1000, 345]);
    expect(new Set(pages.flatMap((p) => p.records.map((r) => r.id))).size).toBe(2345);
    expect(stub.requests.map(paramsOf)).toEqual([
      { rows: '1000', start: '0', sort: 'name asc' },
      { rows: '1000', start: '1000', sort: 'name asc' },
      { rows: '1000', start: '2000', sort: 'name asc' },
    ]);
    expect(stub.requests.map((r) => r.headers.authorization)).toEqual([TOKEN, TOKEN, TOKEN]);
  });

  it('advances start by the packages returned when the upstream serves fewer rows, and stops at count', async () => {
    const packages = Array.from({ length: 900 }, (_, i) => pkg(i));
    stub = await stubServer(fakeCkan(() => packages, 300));
    adapter = createTaiyuanAdapter({ baseUrl: stub.url });
    const pages = await collect(adapter);
    expect(pages.flatMap((p) => p.records)).toHaveLength(900);
    // Exactly at count: no further (empty) page is asked for.
    expect(stub.requests.map((r) => paramsOf(r).start)).toEqual(['0', '300', '600']);
  });

  it('counts skipped packages in the offset and reports them', async () => {
    const packages = [pkg(0), { ...orphan, name: 'pkg-00001' }, pkg(2), pkg(3), pkg(4)];
    stub = await stubServer(fakeCkan(() => packages, 2));
    adapter = createTaiyuanAdapter({ baseUrl: stub.url, rows: 2 });
    const pages = await collect(adapter);
    expect(stub.requests.map((r) => paramsOf(r).start)).toEqual(['0', '2', '4']);
    expect(pages.flatMap((p) => p.records.map((r) => r.nativeId))).toEqual(['pkg-00000', 'pkg-00002', 'pkg-00003', 'pkg-00004']);
    expect(pages.flatMap((p) => p.skipped)).toEqual([{ nativeId: 'pkg-00001', reason: 'organization: missing (null)' }]);
  });

  it('yields a package once when an insertion shifts the next page', async () => {
    const packages = Array.from({ length: 6 }, (_, i) => pkg(i + 1));
    let calls = 0;
    // After the first page a package sorting first appears: page 2 starts with page 1's last one again.
    stub = await stubServer(fakeCkan(() => (calls++ === 0 ? packages : [pkg(0), ...packages]), 3));
    adapter = createTaiyuanAdapter({ baseUrl: stub.url, rows: 3 });
    const pages = await collect(adapter);
    const ids = pages.flatMap((p) => p.records.map((r) => r.nativeId));
    expect(ids).toEqual(['pkg-00001', 'pkg-00002', 'pkg-00003', 'pkg-00004', 'pkg-00005', 'pkg-00006']);
    expect(stub.requests.map((r) => paramsOf(r).start)).toEqual(['0', '3', '6']);
  });

  it('stops on an empty page even when count says more', async () => {
    stub = await stubServer(() => ({ body: { success: true, result: { count: 50, results: [] } } }));
    adapter = createTaiyuanAdapter({ baseUrl: stub.url });
    expect(await collect(adapter)).toEqual([{ records: [], skipped: [] }]);
    expect(stub.requests).toHaveLength(1);
  });

  it('reports a rejected token (HTTP 403) as UPSTREAM_ERROR naming taiyuan, without the token', async () => {
    stub = await stubServer(fakeCkan(() => [pkg(0)]));
    adapter = createTaiyuanAdapter({ baseUrl: stub.url, apiToken: 'wrong-token-abc' });
    const e = await collect(adapter).then(
      () => null,
      (err: unknown) => err as UpstreamError,
    );
    expect(e).toBeInstanceOf(UpstreamError);
    expect(e).toMatchObject({ code: 'UPSTREAM_ERROR', upstream: 'taiyuan' });
    expect(e!.message).toMatch(/^taiyuan list \(start 0\): API token rejected \(HTTP 403/);
    expect(e!.message).not.toContain('wrong-token-abc');
    expect(stub.requests[0].headers.authorization).toBe('wrong-token-abc'); // as is: no "Bearer"
  });

  it('reports a 409 Validation Error on the list as UPSTREAM_ERROR', async () => {
    stub = await stubServer(() => ({ status: 409, body: fixture('taiyuan/error-409.json') }));
    adapter = createTaiyuanAdapter({ baseUrl: stub.url });
    await expect(collect(adapter)).rejects.toMatchObject({ code: 'UPSTREAM_ERROR', upstream: 'taiyuan', message: 'taiyuan list (start 0): HTTP 409 (Validation Error)' });
  });

  it('fetches details one by one with bounded concurrency, de-duplicated, the token on each', async () => {
    const limit = 3;
    const names = Array.from({ length: 10 }, (_, i) => `ty-detail-${i}`);
    stub = await stubServer(fakeCkan(() => []));
    // Each call waits one turn of the event loop before it goes out, so every call the adapter
    // starts at once is in flight together: more than `limit` would show, fewer would too.
    let inFlight = 0;
    let maxInFlight = 0;
    class GatedClient extends UpstreamClient {
      override async request(req: UpstreamRequest): Promise<UpstreamResponse> {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        try {
          await new Promise((resolve) => setImmediate(resolve));
          return await super.request(req);
        } finally {
          inFlight--;
        }
      }
    }
    const client = new GatedClient({ upstream: 'taiyuan', baseUrl: stub.url });
    adapter = createTaiyuanAdapter({ baseUrl: stub.url, client, detailConcurrency: limit });
    const out = await adapter.details([...names, names[0], names[1], 'gone-package', 'Not A Name', '../etc']);
    expect(out.size).toBe(13);
    expect(stub.requests).toHaveLength(names.length + 1); // duplicates and impossible names never sent
    expect(maxInFlight).toBe(limit);
    expect(stub.requests.every((r) => r.headers.authorization === TOKEN)).toBe(true);
    expect(stub.requests.map((r) => paramsOf(r).id).sort()).toEqual([...names, 'gone-package'].sort());
    expect(out.get('ty-detail-3')).toMatchObject({ id: 'taiyuan:ty-detail-3', updateFrequency: 'MONTHLY' });
    expect(out.get('gone-package')).toBeNull();
    expect(out.get('Not A Name')).toBeNull();
    expect(out.get('../etc')).toBeNull();
  });

  it('reports 403, 409 and a bare 404 per id as UPSTREAM_ERROR naming taiyuan; 5xx as UPSTREAM_UNAVAILABLE', async () => {
    stub = await stubServer((r) => {
      const id = paramsOf(r).id;
      if (id === 'bare-404') return { status: 404, body: 'Not Found' };
      if (id === 'down') return { status: 502, body: '' };
      return fakeCkan(() => [])(r);
    });
    adapter = createTaiyuanAdapter({ baseUrl: stub.url });
    const out = await adapter.details(['invalid-rows', 'bare-404', 'down', 'ok-package']);
    expect(out.get('invalid-rows')).toMatchObject({ code: 'UPSTREAM_ERROR', upstream: 'taiyuan', message: 'taiyuan detail invalid-rows: HTTP 409 (Validation Error)' });
    expect(out.get('bare-404')).toMatchObject({ code: 'UPSTREAM_ERROR', upstream: 'taiyuan', message: 'taiyuan detail bare-404: HTTP 404 (not a CKAN error reply)' });
    expect(out.get('down')).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', upstream: 'taiyuan' });
    expect(out.get('ok-package')).toMatchObject({ id: 'taiyuan:ok-package' });

    await adapter.close();
    adapter = createTaiyuanAdapter({ baseUrl: stub.url, apiToken: 'nope' });
    expect((await adapter.details(['ok-package'])).get('ok-package')).toMatchObject({ code: 'UPSTREAM_ERROR', upstream: 'taiyuan', message: expect.stringMatching(/API token rejected \(HTTP 403/) });
  });

  it('createAdapter takes the token from credentials.apiToken and exposes the info it is given', async () => {
    stub = await stubServer(fakeCkan(() => [pkg(0)]));
    const info = { id: 'taiyuan', name: '山西数据交易服务平台', city: '太原' };
    const client = new UpstreamClient({ upstream: 'taiyuan', baseUrl: stub.url });
    adapter = createAdapter({ info, baseUrl: stub.url, client, credentials: { apiToken: 'custom-token' } });
    expect(adapter.info).toEqual(info);
    await expect(collect(adapter)).rejects.toMatchObject({ code: 'UPSTREAM_ERROR' }); // the stub wants the simulator's token
    expect(stub.requests.map((r) => r.headers.authorization)).toEqual(['custom-token']);
    await adapter.close();
    adapter = createAdapter({ info, baseUrl: stub.url, client: new UpstreamClient({ upstream: 'taiyuan', baseUrl: stub.url }), credentials: {} });
    expect((await collect(adapter)).flatMap((p) => p.records)).toHaveLength(1);
  });
});
