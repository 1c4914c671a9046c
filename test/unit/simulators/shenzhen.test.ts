// The Shenzhen simulator (simulators/shenzhen.ts): its part of the world, the 0-based paged list
// capped at 50, the signed detail with its HTTP-200 error codes, and the per-app-key rate limit.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../../simulators/index.ts';
import { COMPLIANCE_ASSESSMENT, shenzhenSignature, shenzhenUpstream, simulator, SHENZHEN_DETAIL_PATH, SHENZHEN_LIST_PATH } from '../../../simulators/shenzhen.ts';
import { SIM_CREDENTIALS } from '../../../simulators/wire.ts';
import { chinaEpochMs } from '../../../simulators/china-time.ts';
import { createControlledApp } from '../../../simulators/control.ts';
import { listen } from '../../../simulators/http.ts';
import { generateWorld } from '../../../simulators/world.ts';
import { call, stats } from './helpers.ts';

let sim: RunningSimulator;
beforeAll(async () => {
  sim = await startSimulator('shenzhen', { port: 0, seed: 20240506, scale: 1, latencyMs: 0, callsPerSecond: 0 });
});
afterAll(() => sim.close());

const listings = () => sim.world.listings.shenzhen;
const list = async (body: unknown) => (await call(sim.url, 'POST', SHENZHEN_LIST_PATH, { json: body })).json();

function signed(spId: string, options: { secret?: string; key?: string; timestamp?: number } = {}): { path: string; headers: Record<string, string> } {
  const { appKey, appSecret } = SIM_CREDENTIALS.shenzhen;
  const key = options.key ?? appKey;
  const ts = String(options.timestamp ?? Date.now());
  const query = `spId=${spId}`;
  return {
    path: `${SHENZHEN_DETAIL_PATH}?${query}`,
    headers: { 'X-Sz-AppKey': key, 'X-Sz-Timestamp': ts, 'X-Sz-Sign': shenzhenSignature(options.secret ?? appSecret, key, ts, SHENZHEN_DETAIL_PATH, query) },
  };
}

const detail = async (base: string, spId: string, options: Parameters<typeof signed>[1] = {}) => {
  const { path, headers } = signed(spId, options);
  return call(base, 'GET', path, { headers });
};

describe('Shenzhen world', () => {
  it('has 1500 listings at scale 1 within its content rules', () => {
    expect(listings()).toHaveLength(1500);
    expect(new Set(listings().map((l) => l.spId)).size).toBe(1500);
    for (const l of listings()) {
      expect(l.spId).toMatch(/^SZ\d{14}$/);
      expect(l.id).toBe(`shenzhen:${l.spId}`);
      expect(l.productType).not.toBe('TOOL');
      expect(l.classification.level).not.toBe('CORE');
      expect(['LISTED', 'DELISTED']).toContain(l.status);
      expect(l.createdAtMs).toBeGreaterThanOrEqual(chinaEpochMs(2023, 1, 1));
      for (const p of l.pricePlans) if (p.yuan !== null) expect(p.yuan).toMatch(/^\d+\.\d{2}$/);
    }
    expect(listings().some((l) => l.status === 'DELISTED')).toBe(true);
  });

  it('is joined by Shenzhen-based providers (district 4403) far more than by others', () => {
    const world = sim.world;
    const codes = new Set(listings().map((l) => l.providerCode));
    const home = world.providers.filter((p) => p.regionCode.startsWith('4403'));
    const away = world.providers.filter((p) => !p.regionCode.startsWith('4403'));
    const share = (ps: typeof home) => ps.filter((p) => codes.has(p.creditCode)).length / ps.length;
    expect(home.length).toBeGreaterThan(50);
    expect(share(home)).toBeGreaterThan(0.6);
    expect(share(away)).toBeLessThan(0.3);
  });

  it('details hold at most one certificate, a compliance assessment issued by the exchange', () => {
    let withCert = 0;
    for (const l of listings().slice(0, 300)) {
      const certs = sim.world.detailOf(l).certificates;
      expect(certs.length).toBeLessThanOrEqual(1);
      for (const c of certs) {
        expect(c.kind).toBe(COMPLIANCE_ASSESSMENT);
        expect(c.issuer).toBe('深圳数据交易所');
        expect(c.number).toMatch(/^SZDE-HG-\d{4}-\d{6}$/);
        withCert++;
      }
    }
    expect(withCert).toBeGreaterThan(100);
    expect(simulator.testSpeed).toBeDefined();
  });
});

describe('Shenzhen list', () => {
  it('pages from pageNo 0: pageNo 1 is the SECOND page', async () => {
    const first = await list({ pageNo: 0, pageSize: 20 });
    expect(first.code).toBe(200);
    expect(first.data.totalCount).toBe(1500);
    expect(first.data.rows.map((r: any) => r.spId)).toEqual(
      listings()
        .slice(0, 20)
        .map((l) => l.spId),
    );
    const second = await list({ pageNo: 1, pageSize: 20 });
    expect(second.data.rows[0].spId).toBe(listings()[20].spId);
    expect((await list({ pageSize: 20 })).data.rows).toEqual(first.data.rows);
  });

  it('caps pageSize at 50 silently, and 30 pages of 50 hold every listing once, newest first', async () => {
    const seen: string[] = [];
    for (let pageNo = 0; ; pageNo++) {
      const res = await list({ pageNo, pageSize: 1000 });
      if (res.data.rows.length === 0) break;
      expect(res.data.rows.length).toBeLessThanOrEqual(50);
      seen.push(...res.data.rows.map((r: any) => r.spId));
    }
    expect(seen).toHaveLength(1500);
    expect(new Set(seen).size).toBe(1500);
    const created = listings().map((l) => l.createdAtMs);
    for (let i = 1; i < created.length; i++) expect(created[i]).toBeLessThanOrEqual(created[i - 1]);
  });

  it('renders rows in its wire vocabulary: gxsj in seconds, cjsj in milliseconds, -1 negotiable without unit', async () => {
    const rows: any[] = (await list({ pageNo: 0, pageSize: 50 })).data.rows;
    for (const [i, row] of rows.entries()) {
      const l = listings()[i];
      expect(row.gxsj).toBe(Math.floor(l.updatedAtMs / 1000));
      expect(row.cjsj).toBe(l.createdAtMs);
      expect(['1', '2', '3', '4']).toContain(row.cplx);
      expect(row.sjzt).toBe(l.status === 'LISTED' ? '1' : '0');
      expect(row.sjdj).toMatch(/^L[1-4]$/);
      if (row.sjdj === 'L3') expect(['3', '4']).toContain(row.sjfj);
      if (l.headlinePrice.yuan === null) {
        expect(row.xsjg).toBe('-1');
        expect(row.jgdw).toBeUndefined();
      } else expect(row.xsjg).toBe(l.headlinePrice.yuan);
    }
    const negotiable = listings().findIndex((l) => l.headlinePrice.yuan === null);
    expect(negotiable).toBeGreaterThanOrEqual(0);
  });

  it('filters by hyfl and gjc; a malformed body is code 40000', async () => {
    const sector = listings()[0].sectors[0];
    const res = await list({ pageNo: 0, pageSize: 50, hyfl: sector });
    expect(res.data.totalCount).toBe(listings().filter((l) => l.sectors[0] === sector).length);
    for (const r of res.data.rows) expect(r.hyfl).toBe(sector);
    expect((await list({ pageNo: 'x' })).code).toBe(40000);
    expect((await call(sim.url, 'POST', SHENZHEN_LIST_PATH, { body: '{', headers: { 'content-type': 'application/json' } })).json()).toMatchObject({ code: 40000, data: null });
  });
});

describe('Shenzhen detail', () => {
  it('answers a signed call with the listing detail', async () => {
    const l = listings()[3];
    const res = await detail(sim.url, l.spId);
    expect(res.status).toBe(200);
    const body = res.json();
    expect(body.code).toBe(200);
    const w = sim.world.detailOf(l);
    expect(body.data.spId).toBe(l.spId);
    expect(body.data.jgfa).toHaveLength(w.pricing.length);
    expect(body.data.hgpg === null).toBe(w.certificates.length === 0);
  });

  it('rejects a bad secret, an unknown key, a stale timestamp or no signature with code 40001 (HTTP 200); an unknown spId is 40004', async () => {
    const spId = listings()[0].spId;
    for (const options of [{ secret: 'wrong' }, { key: 'other-key' }, { timestamp: Date.now() - 6 * 60_000 }]) {
      const res = await detail(sim.url, spId, options);
      expect(res.status).toBe(200);
      expect(res.json()).toEqual({ code: 40001, msg: '签名错误', data: null });
    }
    expect((await call(sim.url, 'GET', `${SHENZHEN_DETAIL_PATH}?spId=${spId}`)).json().code).toBe(40001);
    expect((await detail(sim.url, 'SZ00000000000000')).json()).toEqual({ code: 40004, msg: '产品不存在', data: null });
  });
});

describe('Shenzhen rate limit', () => {
  it('answers 429 with Retry-After above callsPerSecond per app key in a fixed one-second window, and counts it in stats', async () => {
    let now = 1_700_000_000_000;
    const world = generateWorld({ seed: 20240506, scale: 1 });
    const app = createControlledApp(shenzhenUpstream(world, { callsPerSecond: 5, now: () => now }), { seed: 1, latencyMs: 0 });
    const server = await listen(app.listener, { host: '127.0.0.1', port: 0 });
    try {
      const spId = world.listings.shenzhen[0].spId;
      const codes: number[] = [];
      for (let i = 0; i < 7; i++) codes.push((await detail(server.url, spId, { timestamp: now })).status);
      expect(codes).toEqual([200, 200, 200, 200, 200, 429, 429]);
      const limited = await detail(server.url, spId, { timestamp: now });
      expect(limited.headers['retry-after']).toBe('1');
      expect(limited.json()).toEqual({ code: 429, msg: '请求过于频繁', data: null });
      // Another app key has its own count; the unsigned list is not counted.
      expect((await detail(server.url, spId, { key: 'other-key', timestamp: now })).json().code).toBe(40001);
      expect((await call(server.url, 'POST', SHENZHEN_LIST_PATH, { json: { pageNo: 0 } })).status).toBe(200);
      // The next window starts afresh.
      now += 1000;
      expect((await detail(server.url, spId, { timestamp: now })).status).toBe(200);
      const s = (await stats(server.url)) as unknown as { statuses: Record<string, number> };
      expect(s.statuses['429']).toBe(3);
    } finally {
      app.shutdown();
      await server.close();
    }
  });

  it('has no limit with callsPerSecond 0 (test stacks)', async () => {
    const spId = listings()[0].spId;
    const codes = await Promise.all(Array.from({ length: 12 }, () => detail(sim.url, spId).then((r) => r.status)));
    expect(codes.every((c) => c === 200)).toBe(true);
  });

  it('refuses a negative callsPerSecond', async () => {
    await expect(startSimulator('shenzhen', { port: 0, callsPerSecond: -1 })).rejects.toThrow(/callsPerSecond/);
  });
});
