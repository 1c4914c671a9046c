// An exchange added after the founding three (issue 23, step B1): its simulator module gives its
// part of the world, providers join it by its JoinPlan, and it may bring providers of its own,
// appended after the founding ones. Nothing of the founding world moves (the pinned hashes of
// world-stability.test.ts). The exchanges here are fakes registered in this test only.

import { describe, expect, it } from 'vitest';
import { isValidUscc } from '../../../subgraphs/common/identifiers.ts';
import { EXTRA_DISTRICTS } from '../../../simulators/regions.ts';
import { buildWorld, EXCHANGE_WORLD_PARTS, type ExchangeListing, type ExchangeSimulator, generateWorld, LATER_EXCHANGE_CREATED_FROM_MS } from '../../../simulators/world.ts';
import { FOUNDING, FOUNDING_PROVIDERS, foundingHashes, PINNED, sha256 } from './world-hashes.ts';

/** The founding exchanges' parts only: the list's later exchanges would join before the fakes here. */
const FOUNDING_PARTS = EXCHANGE_WORLD_PARTS.filter((p) => p.world.founding);

/** A fake exchange: ids "<id>-<n>" in creation order; no TOOL products, no CORE data. */
function fakeExchange(id: string, options: { size: number; homeRegions: string[]; newProviders?: number; abbr: string }): ExchangeSimulator {
  return {
    id,
    world: {
      size: options.size,
      content: {
        coverage: [
          ['shanxi', 30],
          ['taiyuan', 20],
          ['national', 20],
          ['beijing', 5],
        ],
        subFenAllowed: true,
        productTypes: ['DATASET', 'API_SERVICE', 'REPORT', 'MODEL'],
        levels: ['GENERAL', 'IMPORTANT'],
        statusMix: () => 'default',
      },
      join: {
        homeRegions: options.homeRegions,
        home: 0.8,
        byExchangeCount: [0, 0.03, 0.25, 0.85],
        newProviders: options.newProviders ? { count: options.newProviders, districts: EXTRA_DISTRICTS } : undefined,
      },
      identify(rng, bodies, owners, identity) {
        const order = [...bodies.keys()].sort((a, b) => bodies[a].createdAtMs - bodies[b].createdAtMs);
        let n = rng.int(1, 9);
        const listings = order.map((i): ExchangeListing => ({ ...bodies[i], ...identity(`${id}-${(n += rng.int(1, 3))}`, owners[i]), exchange: id }));
        return { listings };
      },
    },
    detailStyle: {
      registrationCertNo: (seq, year) => `${options.abbr}数登字〔${year}〕第${String(seq).padStart(5, '0')}号`,
      ipOffice: { issuer: `${options.abbr}知识产权局`, abbr: options.abbr },
    },
  };
}

const fourth = fakeExchange('fourth', { size: 1200, homeRegions: ['1401'], newProviders: 80, abbr: '晋' });
const fifth = fakeExchange('fifth', { size: 1500, homeRegions: ['4403'], abbr: '粤' });

const world4 = buildWorld(20240506, 1, [...FOUNDING_PARTS, fourth]);
const fourthListings = world4.listingsOf('fourth');
const appended = world4.providers.slice(FOUNDING_PROVIDERS);

describe('a fourth exchange joins the world', () => {
  it('moves nothing of the founding world: listings, details, providers (their founding exchanges) and registrations', () => {
    expect(foundingHashes(world4)).toEqual(PINNED);
    // The default world (the list's exchanges) is the same object of its own: not affected by this one.
    expect(foundingHashes(generateWorld({ seed: 20240506, scale: 1 }))).toEqual(PINNED);
  });

  it('has its own listings: its size, its keys, created from 2023, within its content rules', () => {
    expect(world4.exchangeIds).toEqual([...FOUNDING, 'fourth']);
    expect(fourthListings).toHaveLength(1200);
    expect(new Set(fourthListings.map((l) => l.id)).size).toBe(1200);
    for (const l of fourthListings) {
      expect(l.exchange).toBe('fourth');
      expect(l.id).toBe(`fourth:${l.nativeId}`);
      expect(l.nativeId).toMatch(/^fourth-\d+$/);
      expect(world4.listingById.get(l.id)).toBe(l);
      expect(l.createdAtMs).toBeGreaterThanOrEqual(LATER_EXCHANGE_CREATED_FROM_MS);
      expect(l.createdAtMs).toBeLessThanOrEqual(l.updatedAtMs);
      expect(l.productType).not.toBe('TOOL');
      expect(l.classification.level).not.toBe('CORE');
    }
    // One forced administrative-penalty listing at least, and titles about its own region.
    expect(fourthListings.some((l) => l.title.includes('行政处罚'))).toBe(true);
    expect(fourthListings.filter((l) => l.coverage?.en === 'Shanxi' || l.coverage?.en === 'Taiyuan').length).toBeGreaterThan(100);
    // Every listing's owner is a provider of the world, and the counts agree with the listings.
    const owners = new Set(fourthListings.map((l) => l.providerCode));
    for (const code of owners) expect(world4.providerByCode.get(code)?.exchanges).toContain('fourth');
    const counted = world4.providers.reduce((n, p) => n + p.listingCounts.fourth, 0);
    expect(counted).toBe(1200);
  });

  it('renders its details in its own style', () => {
    const details = fourthListings.slice(0, 200).map((l) => world4.detailOf(l));
    const registrations = details.flatMap((d) => d.certificates).filter((c) => c.kind === '数据产品登记凭证');
    expect(registrations.length).toBeGreaterThan(100);
    for (const c of registrations) expect(c.number).toMatch(/^晋数登字〔20\d\d〕第\d{5}号$/);
    expect(details.flatMap((d) => d.certificates).some((c) => c.issuer === '晋知识产权局')).toBe(true);
    expect(world4.detailOf(fourthListings[0])).toBe(world4.detailOf(fourthListings[0]));
  });

  it('is joined by providers on many exchanges, so some list on four', () => {
    const onFour = world4.providers.filter((p) => p.exchanges.length === 4);
    expect(onFour.length).toBeGreaterThan(20);
    const onAllFounding = world4.providers.slice(0, FOUNDING_PROVIDERS).filter((p) => FOUNDING.every((e) => p.exchanges.includes(e)));
    // ~85 % of those on all three founding exchanges join; ~3 % of single-exchange providers do.
    expect(onFour.length / onAllFounding.length).toBeGreaterThan(0.7);
    const single = world4.providers.slice(0, FOUNDING_PROVIDERS).filter((p) => p.exchanges.filter((e) => e !== 'fourth').length === 1);
    const singleJoined = single.filter((p) => p.exchanges.includes('fourth')).length / single.length;
    expect(singleJoined).toBeGreaterThan(0.01);
    expect(singleJoined).toBeLessThan(0.06);
  });

  it('brings its own providers, appended after the founding ones, registered in its region and in the registry', () => {
    expect(world4.providers).toHaveLength(FOUNDING_PROVIDERS + 80);
    const extraCodes = new Set(EXTRA_DISTRICTS.map((d) => d.code));
    for (const p of appended) {
      expect(extraCodes.has(p.regionCode), p.regionCode).toBe(true);
      expect(p.creditCode.slice(2, 8)).toBe(p.regionCode);
      expect(isValidUscc(p.creditCode)).toBe(true);
      expect(p.listingCounts.fourth).toBeGreaterThan(0);
      expect(p.exchanges).toEqual(['fourth']);
    }
    expect(new Set(world4.providers.map((p) => p.creditCode)).size).toBe(world4.providers.length);
    expect(new Set(world4.providers.map((p) => p.name)).size).toBe(world4.providers.length);
    expect(appended.some((p) => p.name.startsWith('山西') || p.name.startsWith('太原'))).toBe(true);
    // About 5 % unknown to the registry, like the founding providers; the rest registered by name.
    const registered = appended.filter((p) => world4.registry.has(p.creditCode));
    expect(registered.length).toBe(76);
    for (const p of registered) {
      const r = world4.registry.get(p.creditCode);
      expect(r?.name).toBe(p.name);
      expect(r?.address).toMatch(/^山西省太原市/);
    }
    // Appended registrations come after every founding one.
    const codes = [...world4.registry.keys()];
    expect(codes.slice(0, 1425).every((c) => !appended.some((p) => p.creditCode === c))).toBe(true);
  });
});

describe('a fifth exchange after it', () => {
  const world5 = buildWorld(20240506, 1, [...FOUNDING_PARTS, fourth, fifth]);

  it('moves neither the founding world nor the fourth exchange', () => {
    expect(foundingHashes(world5)).toEqual(PINNED);
    expect(sha256(world5.listingsOf('fourth'))).toBe(sha256(fourthListings));
    expect(sha256(world5.providers.slice(FOUNDING_PROVIDERS).map((p) => p.creditCode))).toBe(sha256(appended.map((p) => p.creditCode)));
  });

  it('is joined by its home providers and the well-connected, so some list on five exchanges', () => {
    expect(world5.listingsOf('fifth')).toHaveLength(1500);
    const shenzhenBased = world5.providers.filter((p) => p.regionCode.startsWith('4403'));
    const joined = shenzhenBased.filter((p) => p.exchanges.includes('fifth')).length / shenzhenBased.length;
    expect(joined).toBeGreaterThan(0.65);
    expect(joined).toBeLessThan(0.95);
    expect(world5.providers.filter((p) => p.exchanges.length === 5).length).toBeGreaterThan(10);
  });
});

describe('the world refuses', () => {
  it('exchange lists without the founding three in their order, or with an id twice', () => {
    const [beijing, shanghai, guiyang] = FOUNDING_PARTS;
    expect(() => buildWorld(1, 0.05, [shanghai, beijing, guiyang])).toThrow(/founding exchanges are beijing, shanghai, guiyang/);
    expect(() => buildWorld(1, 0.05, [beijing, shanghai])).toThrow(/founding exchanges/);
    expect(() => buildWorld(1, 0.05, [...FOUNDING_PARTS, fourth, fourth])).toThrow(/ids repeat/);
  });

  it('content rules no listing can meet', () => {
    const impossible: ExchangeSimulator = { ...fourth, world: { ...fourth.world, content: { ...fourth.world.content, productTypes: [] } } };
    expect(() => buildWorld(1, 0.05, [...FOUNDING_PARTS, impossible])).toThrow(/no listing content meets the rules/);
  });
});
