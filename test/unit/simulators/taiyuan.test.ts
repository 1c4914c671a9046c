import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../../simulators/index.ts';
import { EXTRA_DISTRICTS } from '../../../simulators/regions.ts';
import { SIM_CREDENTIALS } from '../../../simulators/wire.ts';
import { LATER_EXCHANGE_CREATED_FROM_MS } from '../../../simulators/world.ts';
import { call, setFaults, reset } from './helpers.ts';

const SEARCH = '/api/3/action/package_search';
const SHOW = '/api/3/action/package_show';
const AUTH = { authorization: SIM_CREDENTIALS.taiyuan.apiToken };
let sim: RunningSimulator;

beforeAll(async () => {
  sim = await startSimulator('taiyuan', { port: 0, seed: 20240506, scale: 1, latencyMs: 0 });
});
afterAll(() => sim.close());

const get = (path: string, query: Record<string, string | number> = {}, headers: Record<string, string> = AUTH) =>
  call(sim.url, 'GET', `${path}?${new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)]))}`, { headers });
const search = async (query: Record<string, string | number> = {}) => {
  const res = await get(SEARCH, query);
  expect(res.status, res.text.slice(0, 200)).toBe(200);
  return res.json().result;
};
const extrasOf = (pkg: any): Record<string, string> => Object.fromEntries(pkg.extras.map((e: any) => [e.key, e.value]));

describe('Taiyuan world part', () => {
  it('has 1,200 packages named by unique lowercase slugs, created from 2023', () => {
    const listings = sim.world.listings.taiyuan;
    expect(listings).toHaveLength(1200);
    expect(new Set(listings.map((l) => l.name)).size).toBe(1200);
    for (const l of listings) {
      expect(l.name).toMatch(/^[a-z0-9][a-z0-9_-]{1,99}$/);
      expect(l.nativeId).toBe(l.name);
      expect(l.id).toBe(`taiyuan:${l.name}`);
      expect(l.uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(l.createdAtMs).toBeGreaterThanOrEqual(LATER_EXCHANGE_CREATED_FROM_MS);
    }
    // Titles lean to its own region; about 4 % of packages have no English title.
    expect(listings.filter((l) => l.coverage?.en === 'Shanxi' || l.coverage?.en === 'Taiyuan').length).toBeGreaterThan(150);
    const withoutEnglish = listings.filter((l) => !l.englishTitle).length;
    expect(withoutEnglish).toBeGreaterThan(20);
    expect(withoutEnglish).toBeLessThan(90);
  });

  it('is joined by Taiyuan-based providers (appended) and by providers of other exchanges', () => {
    const owners = new Set(sim.world.listings.taiyuan.map((l) => l.providerCode));
    const codes = new Set(EXTRA_DISTRICTS.map((d) => d.code));
    const local = [...owners].filter((c) => codes.has(sim.world.providerByCode.get(c)!.regionCode));
    expect(local.length).toBeGreaterThanOrEqual(70);
    const elsewhere = [...owners].filter((c) => sim.world.providerByCode.get(c)!.exchanges.length >= 3);
    expect(elsewhere.length).toBeGreaterThan(20);
  });

  it('issues its certificates in the Shanxi style', () => {
    const certs = sim.world.listings.taiyuan.slice(0, 150).flatMap((l) => sim.world.detailOf(l).certificates);
    const registrations = certs.filter((c) => c.kind === '数据产品登记凭证');
    expect(registrations.length).toBeGreaterThan(50);
    for (const c of registrations) {
      expect(c.number).toMatch(/^晋数登字〔20\d\d〕第\d{5}号$/);
      expect(c.issuer).toBe('山西数据交易所');
    }
    expect(certs.some((c) => c.issuer === '山西省知识产权局' && c.number.startsWith('晋数知登字'))).toBe(true);
  });
});

describe('Taiyuan package_search', () => {
  it('answers the CKAN envelope, newest first by default, 10 rows', async () => {
    const res = await get(SEARCH);
    const body = res.json();
    expect(body.success).toBe(true);
    expect(body.help).toMatch(/help_show\?name=package_search$/);
    expect(body.result.count).toBe(1200);
    expect(body.result.results).toHaveLength(10);
    const times = body.result.results.map((p: any) => p.metadata_modified);
    expect([...times].sort().reverse()).toEqual(times);
    expect(body.result.results.map((p: any) => p.name)).toEqual(sim.world.listings.taiyuan.slice(0, 10).map((l) => l.name));
  });

  it('caps rows at 1000 silently and pages by start offset, sorted by name', async () => {
    const first = await search({ rows: 5000, start: 0, sort: 'name asc' });
    expect(first.count).toBe(1200);
    expect(first.results).toHaveLength(1000);
    const second = await search({ rows: 5000, start: 1000, sort: 'name asc' });
    expect(second.results).toHaveLength(200);
    const names = [...first.results, ...second.results].map((p: any) => p.name);
    expect(new Set(names).size).toBe(1200);
    expect(names).toEqual([...names].sort());
    const middle = await search({ rows: 3, start: 10, sort: 'name asc' });
    expect(middle.results.map((p: any) => p.name)).toEqual(names.slice(10, 13));
    expect((await search({ rows: 10, start: 1200 })).results).toEqual([]);
  });

  it('renders a package in the CKAN shape: extras as strings, zone-less UTC times with microseconds', async () => {
    const [pkg] = (await search({ rows: 1 })).results;
    const l = sim.world.listings.taiyuan[0];
    expect(pkg.name).toBe(l.name);
    expect(pkg.id).toBe(l.uuid);
    expect(pkg.title).toBe(l.title);
    expect(pkg.organization.title).toBe(l.providerName);
    expect(pkg.tags.map((t: any) => t.display_name)).toEqual(l.keywords);
    expect(pkg.groups.map((g: any) => g.name)).toEqual(l.sectors.map((s) => `gbt4754-${s.toLowerCase()}`));
    expect(pkg.metadata_modified).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}$/);
    expect(Date.parse(`${pkg.metadata_modified.slice(0, 23)}Z`)).toBe(l.updatedAtMs);
    expect(pkg.resources).toBeUndefined();
    const extras = extrasOf(pkg);
    expect(extras.tyshxydm).toBe(l.providerCode);
    expect(pkg.extras.every((e: any) => typeof e.value === 'string')).toBe(true);
    expect(extras.zs).toBeUndefined();
  });

  it('writes notes in Markdown, prices as text (万, 协商, 免费) and leaves out some English titles', async () => {
    const all = [...(await search({ rows: 1000 })).results, ...(await search({ rows: 1000, start: 1000 })).results];
    const described = all.filter((p: any) => p.notes !== '');
    expect(described.length).toBeGreaterThan(1000);
    for (const p of described.slice(0, 50)) expect(p.notes).toMatch(/^\*\*[^*]+\*\*[\s\S]*\n\n- /);
    const prices = all.map((p: any) => extrasOf(p).jg);
    expect(prices.some((t: string) => /^\d+(\.\d+)?万元/.test(t))).toBe(true);
    expect(prices.some((t: string) => t.startsWith('协商'))).toBe(true);
    expect(prices.some((t: string) => t === '免费')).toBe(true);
    expect(prices.some((t: string) => t.includes('；'))).toBe(true);
    expect(prices.every((t: string) => t.split('；').every((part) => /^(协商|免费|\d+(\.\d+)?万?元(\/(次|千条|月|年))?)$/.test(part)))).toBe(true);
    expect(all.some((p: any) => p.title_translated.en === undefined)).toBe(true);
    expect(all.some((p: any) => extrasOf(p).sjdj === '核心数据')).toBe(true);
  });

  it('filters with q and fq', async () => {
    const sector = sim.world.listings.taiyuan[0].sectors[0];
    const grouped = await search({ fq: `groups:gbt4754-${sector.toLowerCase()}`, rows: 1000 });
    expect(grouped.count).toBe(sim.world.listings.taiyuan.filter((l) => l.sectors.includes(sector)).length);
    expect(grouped.results.every((p: any) => p.groups.some((g: any) => g.name === `gbt4754-${sector.toLowerCase()}`))).toBe(true);
    const penalties = await search({ q: '行政处罚', rows: 1000 });
    expect(penalties.count).toBeGreaterThan(0);
    expect(penalties.count).toBeLessThan(1200);
    expect((await search({ q: '*:*' })).count).toBe(1200);
    const one = sim.world.listings.taiyuan[7];
    expect((await search({ fq: `name:${one.name}` })).results.map((p: any) => p.name)).toEqual([one.name]);
  });

  it('answers bad parameters with 409 Validation/Search Error', async () => {
    const bad = await get(SEARCH, { rows: 'ten' });
    expect(bad.status).toBe(409);
    expect(bad.json()).toMatchObject({ success: false, error: { __type: 'Validation Error', rows: ['Invalid integer'] } });
    expect((await get(SEARCH, { start: '-1' })).json().error).toMatchObject({ __type: 'Validation Error', start: ['Invalid integer'] });
    const sort = await get(SEARCH, { sort: 'price desc' });
    expect(sort.status).toBe(409);
    expect(sort.json().error.__type).toBe('Search Error');
    expect((await get(SEARCH, { fq: 'price:[0 TO 1]' })).status).toBe(409);
  });
});

describe('Taiyuan auth and package_show', () => {
  it('refuses a missing or wrong token with 403 Authorization Error, on every call', async () => {
    for (const headers of [{} as Record<string, string>, { authorization: 'wrong' }, { authorization: `Bearer ${SIM_CREDENTIALS.taiyuan.apiToken}` }]) {
      for (const path of [SEARCH, SHOW]) {
        const res = await get(path, { id: sim.world.listings.taiyuan[0].name }, headers);
        expect(res.status).toBe(403);
        expect(res.json()).toMatchObject({ success: false, error: { __type: 'Authorization Error' } });
      }
    }
  });

  it('shows a package with its resources, certificates (JSON in a string) and sample', async () => {
    const l = sim.world.listings.taiyuan.find((x) => sim.world.detailOf(x).sample && sim.world.detailOf(x).certificates.length > 0)!;
    const detail = sim.world.detailOf(l);
    const res = await get(SHOW, { id: l.name });
    expect(res.status).toBe(200);
    const pkg = res.json().result;
    expect(pkg.name).toBe(l.name);
    const extras = extrasOf(pkg);
    expect(JSON.parse(extras.zs).map((c: any) => c.bh)).toEqual(detail.certificates.map((c) => c.number));
    for (const c of JSON.parse(extras.zs)) expect(c.rq).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    const delivery = pkg.resources.filter((r: any) => r.resource_type !== 'sample');
    expect(delivery.map((r: any) => r.resource_type)).toEqual(detail.delivery.map((d) => d.method.toLowerCase()));
    const sample = pkg.resources.find((r: any) => r.resource_type === 'sample').sample;
    expect(sample.fields.map((f: any) => f.id)).toEqual(detail.sample!.columns);
    expect(sample.records.map((r: any) => detail.sample!.columns.map((c) => r[c]))).toEqual(detail.sample!.rows);
    // By UUID too, as CKAN allows.
    expect((await get(SHOW, { id: l.uuid })).json().result.name).toBe(l.name);
  });

  it('answers an unknown package with 404 Not Found Error and a missing id with 409', async () => {
    const res = await get(SHOW, { id: 'no-such-package' });
    expect(res.status).toBe(404);
    expect(res.json()).toMatchObject({ success: false, error: { __type: 'Not Found Error' } });
    const missing = await get(SHOW);
    expect(missing.status).toBe(409);
    expect(missing.json().error).toMatchObject({ __type: 'Validation Error', id: ['Missing value'] });
  });

  it('answers unknown paths with a bare 404 and the error fault with a 409 CKAN envelope', async () => {
    const res = await call(sim.url, 'GET', '/api/3/action/no_such_action', { headers: AUTH });
    expect(res.status).toBe(404);
    expect(res.text).toContain('404 Not Found');
    await setFaults(sim.url, { mode: 'error' });
    try {
      const failed = await get(SEARCH);
      expect(failed.status).toBe(409);
      expect(failed.json()).toMatchObject({ success: false, error: { __type: 'Search Error' } });
      expect((await get(SHOW, { id: 'x' })).json()).toMatchObject({ success: false, error: { __type: 'Action Error' } });
    } finally {
      await reset(sim.url);
    }
    expect((await get(SEARCH)).status).toBe(200);
  });
});
