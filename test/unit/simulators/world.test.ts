import { describe, expect, it } from 'vitest';
import { isMobileNumber, isValidResidentId, isValidUscc, looksLikeUscc } from '../../../subgraphs/common/identifiers.ts';
import { sectorByCode } from '../../../subgraphs/common/sectors.ts';
import { chinaEpochMs } from '../../../simulators/china-time.ts';
import { createRng } from '../../../simulators/random.ts';
import { BASE_SIZES, EXCHANGE_IDS, generateWorld } from '../../../simulators/world.ts';
import type { ExchangeListing } from '../../../simulators/world-types.ts';

const world = generateWorld({ seed: 20240506, scale: 1 });
const allListings: ExchangeListing[] = EXCHANGE_IDS.flatMap((id) => world.listingsOf(id));
/** The founding exchanges' providers: drafted first; later exchanges append their own (world-join.test.ts). */
const foundingProviders = world.providers.slice(0, BASE_SIZES.providers);
const FOUNDING = new Set(['beijing', 'shanghai', 'guiyang']);
const share = (n: number, of: number) => n / of;

describe('random', () => {
  it('is deterministic per seed and stays in range', () => {
    const a = createRng(7);
    const b = createRng(7);
    const c = createRng(8);
    const seqA = Array.from({ length: 20 }, () => a.uint32());
    expect(Array.from({ length: 20 }, () => b.uint32())).toEqual(seqA);
    expect(Array.from({ length: 20 }, () => c.uint32())).not.toEqual(seqA);
    const r = createRng(1);
    for (let i = 0; i < 1000; i++) {
      const n = r.int(3, 5);
      expect(n >= 3 && n <= 5 && Number.isInteger(n)).toBe(true);
    }
    expect(
      r.weighted([
        ['x', 0],
        ['y', 1],
      ]),
    ).toBe('y');
  });
});

describe('generateWorld', () => {
  it('is memoised and deterministic: same seed same data, other seed other data', () => {
    expect(generateWorld({ seed: 20240506, scale: 1 })).toBe(world);
    const other = generateWorld({ seed: 42, scale: 1 });
    expect(other.providers.length).toBe(world.providers.length);
    expect(other.providers[0].creditCode).not.toBe(world.providers[0].creditCode);
    expect(other.listings.beijing[0].uuid).not.toBe(world.listings.beijing[0].uuid);
  });

  it('rebuilds identically (not just the memo), in time linear in the scale', async () => {
    // A fresh module instance has an empty memo: a full rebuild must reproduce the world.
    const fresh = await import('../../../simulators/world.ts?rebuild' as string);
    // A tenth of the world first (it also pays the warm-up), as the yardstick for the whole one,
    // both measured here under this run's load.
    let started = performance.now();
    fresh.generateWorld({ seed: 20240506, scale: 0.1 });
    const tenth = performance.now() - started;
    started = performance.now();
    const again = fresh.generateWorld({ seed: 20240506, scale: 1 });
    const elapsed = performance.now() - started;
    expect(again).not.toBe(world);
    expect(again.providers.map((p: { creditCode: string }) => p.creditCode)).toEqual(world.providers.map((p) => p.creditCode));
    expect(again.listings.shanghai.map((l: { id: string }) => l.id)).toEqual(world.listings.shanghai.map((l) => l.id));
    expect(again.detailOf(again.listings.guiyang[5])).toEqual(world.detailOf(world.listings.guiyang[5]));
    // Ten times the listings and providers: about ten times the work (quadratic would be 100×).
    expect(elapsed, `scale 1 took ${elapsed.toFixed(0)} ms, scale 0.1 ${tenth.toFixed(0)} ms`).toBeLessThan(30 * tenth);
  });

  it('has the default sizes at scale 1 and scales them', () => {
    expect(world.providers.length).toBeGreaterThanOrEqual(BASE_SIZES.providers);
    for (const id of EXCHANGE_IDS) expect(world.listingsOf(id).length, id).toBe(BASE_SIZES[id]);
    expect(world.listings.beijing.length).toBe(2400);
    expect(world.listings.shanghai.length).toBe(3000);
    expect(world.listings.guiyang.length).toBe(2018);
    const small = generateWorld({ seed: 20240506, scale: 0.1 });
    expect(small.listings.guiyang.length).toBe(202);
    expect(small.providers.length).toBeGreaterThanOrEqual(150);
  });

  it('gives providers checksum-valid USCCs, except ~2 % legacy pilot codes of the right shape', () => {
    const invalid = world.providers.filter((p) => !isValidUscc(p.creditCode));
    expect(share(invalid.length, world.providers.length)).toBeGreaterThan(0.01);
    expect(share(invalid.length, world.providers.length)).toBeLessThan(0.03);
    for (const p of world.providers) {
      expect(p.creditCodeValid).toBe(isValidUscc(p.creditCode));
      expect(looksLikeUscc(p.creditCode)).toBe(true);
      expect(p.creditCode.slice(0, 2)).toBe('91');
      expect(p.creditCode.slice(2, 8)).toBe(p.regionCode);
    }
    expect(new Set(world.providers.map((p) => p.creditCode)).size).toBe(world.providers.length);
    expect(new Set(world.providers.map((p) => p.name)).size).toBe(world.providers.length);
    expect(invalid.every((p) => p.creditCode.slice(8, 12) === 'M000')).toBe(true);
    // Valid codes' organisation code (positions 9–17) carries its own valid check character.
    const weights = [3, 7, 9, 10, 5, 8, 4, 2];
    for (const p of world.providers.filter((x) => x.creditCodeValid).slice(0, 200)) {
      const org = p.creditCode.slice(8, 17);
      const sum = [...org.slice(0, 8)].reduce((acc, ch, i) => acc + (/\d/.test(ch) ? Number(ch) : ch.charCodeAt(0) - 55) * weights[i], 0);
      const r = 11 - (sum % 11);
      expect(org[8]).toBe(r === 10 ? 'X' : r === 11 ? '0' : String(r));
    }
  });

  it('puts about a quarter of the founding providers on two or more founding exchanges, every provider on one', () => {
    const multi = foundingProviders.filter((p) => p.exchanges.filter((e) => FOUNDING.has(e)).length >= 2);
    expect(share(multi.length, foundingProviders.length)).toBeGreaterThan(0.2);
    expect(share(multi.length, foundingProviders.length)).toBeLessThan(0.3);
    expect(world.providers.every((p) => p.exchanges.length >= 1)).toBe(true);
    // Provider.exchanges agrees with the listings.
    const p = multi[0];
    for (const ex of EXCHANGE_IDS) {
      const count = world.listingsOf(ex).filter((l) => l.providerCode === p.creditCode).length;
      expect(count).toBe(p.listingCounts[ex]);
      expect(p.exchanges.includes(ex)).toBe(count > 0);
    }
  });

  it('keys listings uniquely, Shanghai ids are 19-digit snowflakes above 2^53 that collide across spaces', () => {
    expect(world.listingById.size).toBe(allListings.length);
    for (const l of world.listings.beijing) expect(l.uuid).toMatch(/^[0-9a-f]{32}$/);
    for (const l of world.listings.shanghai) {
      expect(String(l.snowflakeId)).toMatch(/^\d{19}$/);
      expect(l.snowflakeId > 2n ** 53n).toBe(true);
      expect(l.nativeId).toBe(`${l.serviceType === 1 ? 'registered' : 'tradable'}:${l.snowflakeId}`);
    }
    const registered = world.listings.shanghai.filter((l) => l.serviceType === 1);
    const tradable = world.listings.shanghai.filter((l) => l.serviceType === 2);
    expect(registered.length).toBe(1200);
    expect(tradable.length).toBe(1800);
    const tradableIds = new Set(tradable.map((l) => l.snowflakeId));
    const colliding = registered.filter((l) => tradableIds.has(l.snowflakeId)).map((l) => l.snowflakeId);
    expect(colliding.length).toBeGreaterThanOrEqual(100);
    expect(new Set(colliding)).toEqual(new Set(world.shanghaiCollidingIds));
    // Same id, different listings.
    const id = world.shanghaiCollidingIds[0];
    const pair = world.listings.shanghai.filter((l) => l.snowflakeId === id);
    expect(pair.map((l) => l.serviceType).sort()).toEqual([1, 2]);
    expect(pair[0].title === pair[1].title && pair[0].providerCode === pair[1].providerCode).toBe(false);
    expect(new Set(world.listings.guiyang.map((l) => l.serviceId)).size).toBe(world.listings.guiyang.length);
  });

  it('has realistic titles with translations, and 行政处罚 listings on every exchange', () => {
    for (const ex of EXCHANGE_IDS) {
      const penalties = world.listingsOf(ex).filter((l) => l.title.includes('行政处罚'));
      expect(penalties.length).toBeGreaterThan(20);
      expect(penalties.every((l) => l.titleEn.toLowerCase().includes('administrative penalty'))).toBe(true);
    }
    for (const l of allListings) {
      expect(l.title).toMatch(/[\u4e00-\u9fff]/);
      expect(l.titleEn).toMatch(/^[A-Z]/);
    }
    const kinds = new Set(allListings.map((l) => l.kind));
    expect(kinds.size).toBe(14);
    expect(allListings.some((l) => l.title.includes('新冠疫苗接种'))).toBe(true);
    expect(allListings.some((l) => l.title.includes('取水'))).toBe(true);
  });

  it('classifies mostly GENERAL 1–4 with a few % IMPORTANT and ~1 % CORE, sectors from GB/T 4754', () => {
    const count = (level: string) => allListings.filter((l) => l.classification.level === level).length;
    expect(share(count('CORE'), allListings.length)).toBeGreaterThan(0.003);
    expect(share(count('CORE'), allListings.length)).toBeLessThan(0.02);
    expect(share(count('IMPORTANT'), allListings.length)).toBeGreaterThan(0.02);
    expect(share(count('IMPORTANT'), allListings.length)).toBeLessThan(0.07);
    for (const l of allListings) {
      const { level, grade } = l.classification;
      if (level === 'GENERAL') expect([1, 2, 3, 4]).toContain(grade);
      else expect(grade).toBeNull();
      for (const s of l.sectors) expect(sectorByCode(s)).toBeDefined();
    }
    const ai = allListings.filter((l) => l.kind === 'ai-image' || l.kind === 'ai-audio');
    expect(ai.every((l) => l.classification.sensitivePersonalInfo && l.sectors[0] === 'I')).toBe(true);
    expect(allListings.filter((l) => l.kind === 'covid-clinic').every((l) => l.sectors[0] === 'Q')).toBe(true);
  });

  it('spreads updates over 2023-01..2026-11 China time, created before updated, mostly listed', () => {
    const from = chinaEpochMs(2023, 1, 1);
    const until = chinaEpochMs(2026, 12, 1);
    for (const l of allListings) {
      expect(l.updatedAtMs).toBeGreaterThanOrEqual(from);
      expect(l.updatedAtMs).toBeLessThan(until);
      expect(l.createdAtMs).toBeLessThanOrEqual(l.updatedAtMs);
    }
    const years = new Set(allListings.map((l) => new Date(l.updatedAtMs + 8 * 3600_000).getUTCFullYear()));
    expect([...years].sort()).toEqual([2023, 2024, 2025, 2026]);
    expect(share(allListings.filter((l) => l.status === 'LISTED').length, allListings.length)).toBeGreaterThan(0.6);
  });

  it('prices: per call down to 0.0028 yuan, per 1,000 records 5–135, ~10 % negotiable, a few % free; Shanghai whole fen', () => {
    const heads = allListings.map((l) => l.headlinePrice);
    expect(share(heads.filter((p) => p.model === 'NEGOTIABLE').length, heads.length)).toBeGreaterThan(0.07);
    expect(share(heads.filter((p) => p.model === 'NEGOTIABLE').length, heads.length)).toBeLessThan(0.14);
    expect(share(heads.filter((p) => p.model === 'FREE').length, heads.length)).toBeGreaterThan(0.01);
    expect(share(heads.filter((p) => p.model === 'FREE').length, heads.length)).toBeLessThan(0.08);
    expect(heads.some((p) => p.yuan === '0.0028')).toBe(true);
    for (const p of heads.filter((x) => x.model === 'PER_RECORD')) {
      expect(p.amountFen! >= 500 && p.amountFen! <= 13500).toBe(true);
    }
    for (const l of world.listings.shanghai) for (const p of l.pricePlans) if (p.amountFen !== null) expect(Number.isInteger(p.amountFen)).toBe(true);
    expect(heads.some((p) => p.model === 'MONTHLY' && p.yuan === '3000.00')).toBe(true);
  });

  it('details: sample rows of 3–10 with checksum-valid ID numbers and mobiles for personal data', () => {
    let idNumbers = 0;
    let embedded = 0;
    const personal = allListings.filter((l) => l.kind === 'traffic-penalty' || l.kind === 'judicial-record' || l.kind === 'phone-check');
    for (const l of personal.slice(0, 300)) {
      const d = world.detailOf(l);
      expect(d.pricing).toEqual(l.pricePlans);
      if (!d.sample) continue;
      expect(d.sample.rows.length).toBeGreaterThanOrEqual(3);
      expect(d.sample.rows.length).toBeLessThanOrEqual(10);
      const idCol = d.sample.columns.indexOf('身份证号');
      const mobileCol = d.sample.columns.indexOf('手机号');
      expect(idCol).toBeGreaterThanOrEqual(0);
      expect(d.sample.columns).toContain('姓名');
      for (const row of d.sample.rows) {
        expect(row.length).toBe(d.sample.columns.length);
        expect(isValidResidentId(row[idCol]!)).toBe(true);
        idNumbers++;
        if (row[mobileCol]) expect(isMobileNumber(row[mobileCol]!)).toBe(true);
        // Free text embedding a number must embed a valid one.
        for (const cell of row) {
          if (cell === row[idCol] || cell === row[mobileCol] || !cell) continue;
          for (const m of cell.match(/\d{17}[\dX]/g) ?? []) {
            expect(isValidResidentId(m)).toBe(true);
            embedded++;
          }
        }
      }
    }
    expect(idNumbers).toBeGreaterThan(500);
    expect(embedded).toBeGreaterThan(10);
    // Birth dates inside ID numbers are real dates.
    const sampleId = world.detailOf(personal[0]).sample?.rows[0][1] ?? '11010519491231002X';
    const birth = sampleId.slice(6, 14);
    const date = new Date(`${birth.slice(0, 4)}-${birth.slice(4, 6)}-${birth.slice(6, 8)}T00:00:00Z`);
    expect(date.toISOString().slice(0, 10).replaceAll('-', '')).toBe(birth);

    const clinic = allListings.find((l) => l.kind === 'covid-clinic' && l.productType === 'DATASET')!;
    const cs = world.detailOf(clinic).sample!;
    expect(cs.columns).toEqual(expect.arrayContaining(['接种点名称', '地址', '经度', '纬度']));
    expect(cs.columns).not.toContain('身份证号');
  });

  it('details carry certificates from the exchange, delivery and update frequency', () => {
    const listed = world.listings.beijing.filter((l) => l.status === 'LISTED').slice(0, 100);
    const details = listed.map((l) => world.detailOf(l));
    expect(details.filter((d) => d.certificates.some((c) => c.issuer === '北京国际大数据交易所')).length).toBeGreaterThan(70);
    expect(details.every((d) => d.delivery.length >= 1)).toBe(true);
    expect(details.filter((d) => d.updateFrequency !== null).length).toBeGreaterThan(80);
  });

  it('registers ~95 % of providers in the registry', () => {
    expect(share(world.registry.size, world.providers.length)).toBeGreaterThan(0.93);
    expect(share(world.registry.size, world.providers.length)).toBeLessThan(0.97);
    const entry = world.registry.get(world.providers.find((p) => world.registry.has(p.creditCode))!.creditCode)!;
    expect(entry.establishDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect([...world.registry.values()].some((e) => e.regCapital === '1000万元人民币')).toBe(true);
    // Only providers are registered, and not all of them.
    expect([...world.registry.keys()].every((code) => world.providerByCode.has(code))).toBe(true);
  });
});
