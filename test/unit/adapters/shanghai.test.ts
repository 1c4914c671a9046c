import { afterEach, describe, expect, it } from 'vitest';
import { SIM_CREDENTIALS } from '../../../simulators/wire.ts';
import type { ExchangeAdapter } from '../../../subgraphs/common/adapter.ts';
import { UpstreamError } from '../../../subgraphs/common/errors.ts';
import { UpstreamClient } from '../../../subgraphs/common/upstream.ts';
import { createShanghaiAdapter } from '../../../subgraphs/shanghai/adapter.ts';
import { mapDetailBatchResponse, mapSearchResponse, nativeKey, parseNativeKey } from '../../../subgraphs/shanghai/mapping.ts';
import { createTokenSource, refreshMargin } from '../../../subgraphs/shanghai/token.ts';
import { collect, failure, fixture, stubServer, type Stub, type StubRequest, type StubReply } from './helpers.ts';

const BIG = '1789012345678901234'; // > 2^53: as a JS double it would read 1789012345678901200

describe('shanghai mapping: search', () => {
  const t1 = mapSearchResponse(fixture('shanghai/search-type1.json'), 1);
  const t2 = mapSearchResponse(fixture('shanghai/search-type2.json'), 2);

  it('keeps 19-digit ids beyond 2^53 exact', () => {
    // Sanity: plain JSON.parse loses the digits and merges neighbouring ids.
    const naive = JSON.parse(fixture('shanghai/search-type1.json')).data.list;
    expect(String(naive[0].id)).not.toBe(BIG);
    expect(naive[0].id).toBe(naive[1].id);
    expect(t1.records.map((r) => r.nativeId)).toEqual([`registered:${BIG}`, 'registered:1789012345678901235']);
    expect(t2.records.map((r) => r.nativeId)).toContain('tradable:9007199254740993');
  });

  it('keeps the colliding registered and tradable id spaces apart', () => {
    const reg = t1.records.find((r) => r.nativeId === `registered:${BIG}`)!;
    const trad = t2.records.find((r) => r.nativeId === `tradable:${BIG}`)!;
    expect(reg.id).toBe(`shanghai:registered:${BIG}`);
    expect(trad.id).toBe(`shanghai:tradable:${BIG}`);
    expect(reg.title).toBe('城市交通出行数据集');
    expect(trad.title).toBe('企业信用评分接口');
  });

  it('maps a listing into the unified model', () => {
    expect(t2.records[0]).toEqual({
      id: `shanghai:tradable:${BIG}`,
      nativeId: `tradable:${BIG}`,
      exchange: 'shanghai',
      title: '企业信用评分接口',
      titleEn: 'Enterprise credit score',
      description: '基于多源数据的企业信用评分',
      productType: 'API_SERVICE',
      status: 'LISTED',
      providerCode: '91310110666007217T',
      providerName: '上海某某数据科技有限公司',
      sectors: ['J'], // de-duplicated
      scenarios: ['风控'],
      keywords: ['信用', '企业'],
      classification: { level: 'GENERAL', grade: 4, containsPersonalInfo: true, sensitivePersonalInfo: true, openness: 'CONDITIONAL' },
      // integer fen taken as is
      headlinePrice: { model: 'PER_CALL', amountFen: 5, currency: 'CNY', unit: '次', negotiable: false, text: null },
      // epoch ms → China time, milliseconds dropped
      updatedAt: '2024-05-06T12:30:00+08:00',
    });
  });

  it('maps negotiable (null fen), free, levels, access rights, statuses and sector names', () => {
    const [reg, free] = t1.records;
    expect(reg.headlinePrice).toMatchObject({ model: 'NEGOTIABLE', amountFen: null, negotiable: true });
    expect(reg.classification).toMatchObject({ level: 'IMPORTANT', grade: null, openness: 'NOT_OPEN' });
    expect(reg.status).toBe('REGISTERED');
    expect(reg.sectors).toEqual(['G']);
    expect(free.headlinePrice).toMatchObject({ model: 'FREE', amountFen: 0 });
    expect(free.status).toBe('PUBLICIZING');
    expect(free.sectors).toEqual(['Q']);
    expect(free.classification.openness).toBe('UNCONDITIONAL');
    const model = t2.records.find((r) => r.nativeId === 'tradable:9007199254740993')!;
    expect(model).toMatchObject({ productType: 'MODEL', classification: { level: 'CORE', grade: null } });
    expect(model.headlinePrice).toMatchObject({ model: 'MONTHLY', amountFen: 300000, unit: '月' });
  });

  it('skips bad items with the exact id and a reason', () => {
    expect(t1.skipped).toEqual([{ nativeId: 'registered:1789012345678901236', reason: expect.stringMatching(/^productName: .*expected string/) }]);
    expect(t2.skipped).toEqual([
      { nativeId: 'tradable:1789012345678901237', reason: 'sectorName: unknown section "不存在的行业"' },
      { nativeId: 'tradable:1789012345678901238', reason: expect.stringMatching(/^updateTime: .*expected number/) },
    ]);
  });

  it('skips an item of the other id space', () => {
    const text = fixture('shanghai/search-type1.json');
    const page = mapSearchResponse(text, 2);
    expect(page.records).toHaveLength(0);
    expect(page.skipped[0].reason).toBe('serviceType: 1 in a serviceType 2 listing');
  });

  it('turns error envelopes and truncated JSON into UPSTREAM_ERROR', () => {
    expect(() => mapSearchResponse(fixture('shanghai/search-error.json'), 1)).toThrow('shanghai search (serviceType 1): upstream error code 400 (pageNum 非法)');
    const text = fixture('shanghai/search-type1.json');
    expect(() => mapSearchResponse(text.slice(0, 200), 1)).toThrow(UpstreamError);
    expect(() => mapSearchResponse(text.slice(0, 200), 1)).toThrow(/not valid JSON/);
  });

  it('round-trips native keys', () => {
    expect(parseNativeKey(nativeKey(2, BIG))).toEqual({ serviceType: 2, id: BIG });
    expect(parseNativeKey('tradable:12a')).toBeNull();
    expect(parseNativeKey(BIG)).toBeNull();
  });
});

describe('shanghai mapping: detail batch', () => {
  const batch = mapDetailBatchResponse(fixture('shanghai/detail-batch.json'));

  it('maps details per (serviceType, id), exact ids', () => {
    expect(batch.unattributable).toBe(0);
    expect(batch.details.get(`registered:${BIG}`)).toMatchObject({
      id: `shanghai:registered:${BIG}`,
      pricing: [{ model: 'NEGOTIABLE', amountFen: null, negotiable: true, text: '请联系客服' }],
      delivery: [{ method: 'FILE', format: 'CSV', description: null }],
      updateFrequency: 'MONTHLY',
      sample: null,
    });
    expect(batch.details.get(`tradable:${BIG}`)).toEqual({
      id: `shanghai:tradable:${BIG}`,
      pricing: [
        { model: 'PER_CALL', amountFen: 5, currency: 'CNY', unit: '次', negotiable: false, text: null },
        { model: 'YEARLY', amountFen: 1200000, currency: 'CNY', unit: '年', negotiable: false, text: '年度套餐' },
      ],
      delivery: [
        { method: 'API', format: 'JSON', description: 'HTTPS' },
        { method: 'PRIVACY_COMPUTING', format: null, description: null },
      ],
      certificates: [{ number: 'SDE-2024-0001', issuer: '上海数据交易所', issuedAt: '2024-03-01T00:00:00+08:00', kind: '数据产品登记证书' }],
      updateFrequency: 'REALTIME',
      sample: {
        columns: ['企业名称', '评分'],
        rows: [
          ['上海某某数据科技有限公司', '87'],
          ['某某公司', null],
        ],
      },
    });
  });

  it('turns an invalid entry into an Error for that id only', () => {
    const e = batch.details.get('tradable:9007199254740993');
    expect(e).toBeInstanceOf(UpstreamError);
    expect((e as Error).message).toMatch(/deliveries\[0\]\.type: unknown value "TELEPORT"/);
  });
});

describe('shanghai token source', () => {
  let stub: Stub | undefined;
  let client: UpstreamClient | undefined;
  afterEach(async () => {
    await client?.close();
    await stub?.close();
    client = stub = undefined;
  });

  it('caches the token until shortly before expiry and refreshes single-flight', async () => {
    let issued = 0;
    stub = await stubServer(async () => {
      await new Promise((r) => setTimeout(r, 30));
      return { body: { access_token: `tok-${++issued}`, token_type: 'bearer', expires_in: 300 } };
    });
    client = new UpstreamClient({ upstream: 'shanghai', baseUrl: stub.url });
    let now = 1_000_000;
    const tokens = createTokenSource({ client, clientId: 'id', clientSecret: 'sec', now: () => now });
    const first = await Promise.all([tokens.get(), tokens.get(), tokens.get()]);
    expect(first).toEqual(['tok-1', 'tok-1', 'tok-1']);
    expect(stub.requests).toHaveLength(1);
    expect(JSON.parse(stub.requests[0].body)).toEqual({ grant_type: 'client_credentials', client_id: 'id', client_secret: 'sec' });
    now += 300_000 - refreshMargin(300_000) - 1;
    expect(await tokens.get()).toBe('tok-1');
    now += 2;
    expect(await tokens.get()).toBe('tok-2');
    tokens.invalidate('tok-1'); // stale invalidation keeps the newer token
    expect(await tokens.get()).toBe('tok-2');
    tokens.invalidate('tok-2');
    expect(await tokens.get()).toBe('tok-3');
  });

  it('reports rejected credentials without echoing the secret', async () => {
    stub = await stubServer(() => ({ status: 401, body: { code: 401, message: 'invalid_client', data: null } }));
    client = new UpstreamClient({ upstream: 'shanghai', baseUrl: stub.url });
    const tokens = createTokenSource({ client, clientId: 'id', clientSecret: 'very-secret-value' });
    const e = await failure(tokens.get());
    expect(e).toMatchObject({ code: 'UPSTREAM_ERROR', upstream: 'shanghai' });
    expect(e.message).toBe('shanghai token: client credentials rejected (HTTP 401)');
  });
});

describe('shanghai adapter (stub upstream)', () => {
  let stub: Stub | undefined;
  let adapter: ExchangeAdapter | undefined;
  afterEach(async () => {
    await adapter?.close();
    await stub?.close();
    adapter = stub = undefined;
  });

  const itemText = (id: string, serviceType: number) =>
    `{"id":${id},"serviceType":${serviceType},"productName":"产品${id}","productNameEn":null,"intro":null,"productType":"数据集","sectorName":["金融业"],"zoneName":[],"aiTag":[],"sceneTags":[],"companyName":"某公司","creditCode":"91310110666007217T","priceFen":100,"chargeMode":"按次","dataLevel":"一般","dataGrade":1,"piFlag":false,"spiFlag":false,"accessRights":"PUBLIC","status":"挂牌","updateTime":1714969800000}`;

  /** A fake Shanghai: tokens, 100-capped search over two colliding id spaces, batch detail. */
  function fakeShanghai(opts: { perType: number; expireAfterCalls?: number }) {
    let tokenNo = 0;
    let callsWithToken = 0;
    let valid = '';
    return (r: StubRequest): StubReply => {
      if (r.url === '/oauth/token') {
        const b = JSON.parse(r.body);
        if (b.client_id !== SIM_CREDENTIALS.shanghai.clientId || b.client_secret !== SIM_CREDENTIALS.shanghai.clientSecret) {
          return { status: 401, body: { code: 401, message: 'invalid_client', data: null } };
        }
        valid = `tok-${++tokenNo}`;
        callsWithToken = 0;
        return { body: { access_token: valid, token_type: 'bearer', expires_in: 300 } };
      }
      if (r.headers.authorization !== `Bearer ${valid}` || (opts.expireAfterCalls !== undefined && ++callsWithToken > opts.expireAfterCalls)) {
        return { status: 401, body: { code: 401, message: 'token expired', data: null } };
      }
      const body = JSON.parse(r.body);
      if (r.url === '/dex-api/dex-es/query/all/search') {
        const size = Math.min(body.pageSize, 100);
        const ids = Array.from({ length: opts.perType }, (_, i) => (BigInt(BIG) + BigInt(i)).toString());
        const pageIds = ids.slice((body.pageNum - 1) * size, body.pageNum * size);
        const list = pageIds.map((id) => itemText(id, body.serviceType)).join(',');
        return { body: `{"code":200,"message":"success","data":{"list":[${list}],"total":${opts.perType},"totalPage":${Math.ceil(opts.perType / size)},"pageNum":${body.pageNum}}}` };
      }
      if (r.url === '/dex-api/product/detail/batch') {
        if (body.keys.length > 50) return { body: { code: 400, message: 'keys 超过上限 50', data: null } };
        const list = (body.keys as Array<{ serviceType: number; id: string }>)
          .filter((k) => !k.id.endsWith('999'))
          .map((k) => `{"id":${k.id},"serviceType":${k.serviceType},"plans":[],"deliveries":[],"certs":[],"updateCycle":"DAILY","sampleData":null}`);
        return { body: `{"code":200,"message":"success","data":{"list":[${list.join(',')}]}}` };
      }
      return { status: 404, body: '{}' };
    };
  }

  it('harvests both service types with pageSize 100 and keeps colliding ids apart', async () => {
    stub = await stubServer(fakeShanghai({ perType: 250 }));
    adapter = createShanghaiAdapter({ baseUrl: stub.url });
    const pages = await collect(adapter);
    const ids = pages.flatMap((p) => p.records.map((r) => r.id));
    expect(ids).toHaveLength(500);
    expect(new Set(ids).size).toBe(500);
    expect(ids).toContain(`shanghai:registered:${BIG}`);
    expect(ids).toContain(`shanghai:tradable:${BIG}`);
    expect(ids).toContain('shanghai:tradable:1789012345678901483'); // BIG + 249, exact
    const searches = stub.requests.filter((r) => r.url.endsWith('/search')).map((r) => JSON.parse(r.body));
    expect(searches).toEqual([
      { pageNum: 1, pageSize: 100, serviceType: 1 },
      { pageNum: 2, pageSize: 100, serviceType: 1 },
      { pageNum: 3, pageSize: 100, serviceType: 1 },
      { pageNum: 1, pageSize: 100, serviceType: 2 },
      { pageNum: 2, pageSize: 100, serviceType: 2 },
      { pageNum: 3, pageSize: 100, serviceType: 2 },
    ]);
    expect(stub.requests.filter((r) => r.url === '/oauth/token')).toHaveLength(1);
  });

  it('refreshes the token once on 401 and repeats the call', async () => {
    stub = await stubServer(fakeShanghai({ perType: 250, expireAfterCalls: 2 }));
    adapter = createShanghaiAdapter({ baseUrl: stub.url });
    const pages = await collect(adapter);
    expect(pages.flatMap((p) => p.records)).toHaveLength(500);
    expect(stub.requests.filter((r) => r.url === '/oauth/token').length).toBeGreaterThanOrEqual(3);
  });

  it('gives up with UPSTREAM_ERROR when a fresh token is rejected too', async () => {
    stub = await stubServer(fakeShanghai({ perType: 10, expireAfterCalls: 0 }));
    adapter = createShanghaiAdapter({ baseUrl: stub.url });
    await expect(collect(adapter)).rejects.toThrow('bearer token rejected (HTTP 401) even after a refresh');
    expect(stub.requests.filter((r) => r.url === '/oauth/token')).toHaveLength(2);
  });

  it('fetches details in batches of at most 50, ids sent as exact strings', async () => {
    stub = await stubServer(fakeShanghai({ perType: 0 }));
    adapter = createShanghaiAdapter({ baseUrl: stub.url });
    const ids = Array.from({ length: 60 }, (_, i) => `tradable:${BigInt(BIG) + BigInt(i)}`);
    const wanted = [...ids, `registered:${BIG}`, ids[0], 'tradable:1789012345678901999', 'bogus'];
    const out = await adapter.details(wanted);
    expect(out.size).toBe(63);
    const batches = stub.requests.filter((r) => r.url.endsWith('/detail/batch')).map((r) => JSON.parse(r.body).keys);
    expect(batches.map((b: unknown[]) => b.length)).toEqual([50, 12]);
    expect(batches[0][0]).toEqual({ serviceType: 2, id: BIG });
    expect(out.get(`tradable:${BIG}`)).toMatchObject({ id: `shanghai:tradable:${BIG}`, updateFrequency: 'DAILY' });
    expect(out.get(`registered:${BIG}`)).toMatchObject({ id: `shanghai:registered:${BIG}` });
    expect(out.get('tradable:1789012345678901999')).toBeNull(); // absent from the reply
    expect(out.get('bogus')).toBeNull();
  });

  it('marks a failed batch as an Error for each of its ids', async () => {
    stub = await stubServer((r) => (r.url === '/oauth/token' ? { body: fixture('shanghai/token.json') } : { body: '{"code":200,"message":"ok","data":{"list":[{"id":17' }));
    adapter = createShanghaiAdapter({ baseUrl: stub.url });
    const out = await adapter.details([`tradable:${BIG}`, `registered:${BIG}`]);
    expect(out.get(`tradable:${BIG}`)).toMatchObject({ code: 'UPSTREAM_ERROR' });
    expect(out.get(`registered:${BIG}`)).toBe(out.get(`tradable:${BIG}`));
  });
});
