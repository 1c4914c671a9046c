// The canonical simulated world every simulator renders: providers, listings on the three
// exchanges, and the enterprise registry. Deterministic per (seed, scale) and memoised, so
// tests can regenerate it to compute expected answers.

import { isValidUscc } from '../subgraphs/common/identifiers.ts';
import { chinaDate, chinaEpochMs } from './china-time.ts';
import { businessScope, companyName, legacyPilotUscc, registeredCapital, validUscc } from './companies.ts';
import { readScale, readSeed } from './config.ts';
import { generateDetail, type WorldDetail } from './details.ts';
import { listingContent, type ExchangeId, type ListingContent, type StatusMix } from './listing-content.ts';
import { personName, streetAddress } from './people.ts';
import { createRng, hashSeed, type Rng } from './random.ts';
import { DISTRICTS, PROVIDER_CITY_WEIGHTS, type District } from './regions.ts';

export type { ExchangeId, ListingContent, WorldClassification } from './listing-content.ts';
export type { WorldCertificate, WorldDelivery, WorldDetail } from './details.ts';
export type { WorldPrice } from './pricing.ts';
export type { WorldSample } from './samples.ts';
export { EXCHANGE_NAMES } from './details.ts';

export const EXCHANGE_IDS: readonly ExchangeId[] = ['beijing', 'shanghai', 'guiyang'];

/** Sizes at scale 1. */
export const BASE_SIZES = { providers: 1500, beijing: 2400, shanghai: 3000, guiyang: 2018 } as const;
/** Share of Shanghai listings in the registered id space (serviceType 1); the rest are tradable. */
export const SHANGHAI_REGISTERED_SHARE = 0.4;
/** Share of registered Shanghai ids that deliberately equal a tradable id. */
export const SHANGHAI_COLLISION_SHARE = 0.25;
export const MULTI_EXCHANGE_SHARE = 0.25;
export const LEGACY_USCC_SHARE = 0.02;
export const REGISTRY_COVERAGE = 0.95;

/** Twitter-style snowflake epoch: ids created in 2024 start with 178…/179…. */
const SNOWFLAKE_EPOCH_MS = 1288834974657n;

export interface WorldProvider {
  creditCode: string;
  /** False for the legacy pilot codes that fail the GB 32100 check. */
  creditCodeValid: boolean;
  name: string;
  /** GB/T 2260 code, positions 3–8 of the credit code. */
  regionCode: string;
  /** Exchanges with at least one listing by this provider, in EXCHANGE_IDS order. */
  exchanges: ExchangeId[];
  listingCounts: Record<ExchangeId, number>;
}

interface ListingIdentity {
  /** Unified id "<exchange>:<nativeId>", as the catalog builds it. */
  id: string;
  /** Beijing uuid, "registered:<id>" / "tradable:<id>" for Shanghai, serviceId for Guiyang. */
  nativeId: string;
  providerCode: string;
  providerName: string;
}

export interface BeijingListing extends ListingContent, ListingIdentity {
  exchange: 'beijing';
  /** 32 lowercase hex characters. */
  uuid: string;
}

export interface ShanghaiListing extends ListingContent, ListingIdentity {
  exchange: 'shanghai';
  /** 1 = 已登记 registered, 2 = 可交易 tradable. */
  serviceType: 1 | 2;
  /** 19-digit snowflake, above 2^53; unique within its serviceType only. */
  snowflakeId: bigint;
}

export interface GuiyangListing extends ListingContent, ListingIdentity {
  exchange: 'guiyang';
  serviceId: number;
}

export type WorldListing = BeijingListing | ShanghaiListing | GuiyangListing;

export interface WorldRegistration {
  creditCode: string;
  name: string;
  legalPerson: string | null;
  /** "1000万元人民币", "50万美元". */
  regCapital: string | null;
  /** "yyyy-MM-dd". */
  establishDate: string | null;
  regStatus: '存续' | '在业' | '注销' | '吊销';
  address: string | null;
  scope: string | null;
}

export interface World {
  seed: number;
  scale: number;
  providers: readonly WorldProvider[];
  providerByCode: ReadonlyMap<string, WorldProvider>;
  /** Per exchange, in each list endpoint's stable order (Shanghai: registered space, then tradable). */
  listings: {
    beijing: readonly BeijingListing[];
    shanghai: readonly ShanghaiListing[];
    guiyang: readonly GuiyangListing[];
  };
  /** By unified id, e.g. "shanghai:tradable:1789…". */
  listingById: ReadonlyMap<string, WorldListing>;
  /** Snowflake ids present in both Shanghai id spaces (on different listings). */
  shanghaiCollidingIds: readonly bigint[];
  /** Registry entries by credit code; about 5 % of providers are unknown to the registry. */
  registry: ReadonlyMap<string, WorldRegistration>;
  /** The listing's detail, generated on first use and memoised. */
  detailOf(listing: WorldListing): WorldDetail;
}

export interface WorldOptions {
  /** Default DATAEX_SEED, else 20240506. */
  seed?: number;
  /** Default DATAEX_SIM_SCALE, else 1. */
  scale?: number;
}

const memo = new Map<string, World>();

/** The world for (seed, scale); built once per process and shared. */
export function generateWorld(options: WorldOptions = {}): World {
  const seed = options.seed ?? readSeed();
  const scale = options.scale ?? readScale();
  if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be a safe integer, got ${seed}`);
  if (!(scale > 0 && scale <= 100)) throw new RangeError(`scale must be in (0, 100], got ${scale}`);
  const key = `${seed}:${scale}`;
  let world = memo.get(key);
  if (!world) {
    world = buildWorld(seed, scale);
    memo.set(key, world);
  }
  return world;
}

// ───────────────────────── providers ─────────────────────────

interface ProviderDraft {
  provider: WorldProvider;
  district: District;
  planned: Set<ExchangeId>;
  /** Relative share of its exchanges' listings: a few providers list a lot. */
  size: number;
}

const HOME_EXCHANGE: Record<string, ReadonlyArray<readonly [ExchangeId, number]>> = {
  '1101': [['beijing', 1]],
  '3101': [['shanghai', 1]],
  '5201': [['guiyang', 1]],
  '3301': [
    ['shanghai', 6],
    ['beijing', 3],
    ['guiyang', 1],
  ],
};
const ELSEWHERE: ReadonlyArray<readonly [ExchangeId, number]> = [
  ['beijing', 4],
  ['shanghai', 4],
  ['guiyang', 3],
];

function pickDistrict(rng: Rng): District {
  const prefix = rng.weighted(PROVIDER_CITY_WEIGHTS);
  return rng.pick(DISTRICTS.filter((d) => d.code.startsWith(prefix)));
}

function draftProviders(rng: Rng, count: number): ProviderDraft[] {
  const legacy = new Set(rng.sample([...Array(count).keys()], Math.max(1, Math.round(count * LEGACY_USCC_SHARE))));
  const multi = new Set(rng.sample([...Array(count).keys()], Math.round(count * MULTI_EXCHANGE_SHARE)));
  const names = new Set<string>();
  const codes = new Set<string>();
  const drafts: ProviderDraft[] = [];
  for (let i = 0; i < count; i++) {
    const district = pickDistrict(rng);
    // Large scales exhaust the one-core names; two cores ("华信云图") give plenty more.
    let name = companyName(rng, district);
    for (let attempt = 0; names.has(name); attempt++) name = companyName(rng, district, attempt >= 20);
    names.add(name);
    let code: string;
    do {
      code = legacy.has(i) ? legacyPilotUscc(rng, district.code) : validUscc(rng, district.code);
    } while (codes.has(code));
    codes.add(code);

    const home = rng.weighted(HOME_EXCHANGE[district.code.slice(0, 4)] ?? ELSEWHERE);
    const planned = new Set<ExchangeId>([home]);
    if (multi.has(i)) {
      const others = rng.shuffle(['beijing', 'shanghai', 'guiyang'].filter((e) => e !== home) as ExchangeId[]);
      planned.add(others[0]);
      if (rng.chance(0.2)) planned.add(others[1]);
    }
    drafts.push({
      provider: { creditCode: code, creditCodeValid: isValidUscc(code), name, regionCode: district.code, exchanges: [], listingCounts: { beijing: 0, shanghai: 0, guiyang: 0 } },
      district,
      planned,
      size: rng.weighted([
        [1, 50],
        [2, 25],
        [4, 15],
        [8, 7],
        [16, 3],
      ]),
    });
  }
  return drafts;
}

/**
 * The provider of each of an exchange's `slots` listings: every provider planned on the
 * exchange gets one, the rest go by size. Shuffled, so listing order says nothing.
 */
function assignProviders(rng: Rng, drafts: readonly ProviderDraft[], exchange: ExchangeId, slots: number): ProviderDraft[] {
  const pool = rng.shuffle(drafts.filter((d) => d.planned.has(exchange)));
  const assigned = pool.slice(0, slots);
  const cumulative: number[] = [];
  let total = 0;
  for (const d of pool) cumulative.push((total += d.size));
  while (assigned.length < slots && pool.length > 0) {
    const r = rng.next() * total;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid] > r) hi = mid;
      else lo = mid + 1;
    }
    assigned.push(pool[lo]);
  }
  return rng.shuffle(assigned);
}

// ───────────────────────── listings ─────────────────────────

function identity(exchange: ExchangeId, nativeId: string, draft: ProviderDraft): ListingIdentity {
  draft.provider.listingCounts[exchange]++;
  return { id: `${exchange}:${nativeId}`, nativeId, providerCode: draft.provider.creditCode, providerName: draft.provider.name };
}

/** Contents for an exchange's slots, one slot forced to an administrative-penalty listing. */
function contents(rng: Rng, exchange: ExchangeId, mixes: readonly StatusMix[]): ListingContent[] {
  const forced = rng.int(0, mixes.length - 1);
  return mixes.map((statusMix, i) => listingContent(rng, { exchange, statusMix, kind: i === forced ? 'market-penalty' : undefined }));
}

function hex32(rng: Rng): string {
  let out = '';
  for (let i = 0; i < 4; i++) out += rng.uint32().toString(16).padStart(8, '0');
  return out;
}

function buildBeijing(rng: Rng, drafts: readonly ProviderDraft[], count: number): BeijingListing[] {
  const owners = assignProviders(rng, drafts, 'beijing', count);
  const bodies = contents(
    rng,
    'beijing',
    owners.map(() => 'default'),
  );
  const used = new Set<string>();
  const listings = owners.map((owner, i): BeijingListing => {
    let uuid = hex32(rng);
    while (used.has(uuid)) uuid = hex32(rng);
    used.add(uuid);
    return { ...bodies[i], ...identity('beijing', uuid, owner), exchange: 'beijing', uuid };
  });
  // The mall lists newest first.
  return listings.sort((a, b) => b.createdAtMs - a.createdAtMs || (a.uuid < b.uuid ? -1 : 1));
}

function snowflake(rng: Rng, createdAtMs: number): bigint {
  return ((BigInt(createdAtMs) - SNOWFLAKE_EPOCH_MS) << 22n) | (BigInt(rng.int(0, 1023)) << 12n) | BigInt(rng.int(0, 4095));
}

function buildShanghai(rng: Rng, drafts: readonly ProviderDraft[], count: number): { listings: ShanghaiListing[]; colliding: bigint[] } {
  const owners = assignProviders(rng, drafts, 'shanghai', count);
  const registeredCount = Math.round(count * SHANGHAI_REGISTERED_SHARE);
  const mixes = owners.map((_, i): StatusMix => (i < registeredCount ? 'registered-space' : 'tradable-space'));
  const bodies = contents(rng, 'shanghai', mixes);

  const tradableIds = new Set<bigint>();
  const tradable: ShanghaiListing[] = [];
  for (let i = registeredCount; i < count; i++) {
    let id = snowflake(rng, bodies[i].createdAtMs);
    while (tradableIds.has(id)) id = snowflake(rng, bodies[i].createdAtMs);
    tradableIds.add(id);
    tradable.push({ ...bodies[i], ...identity('shanghai', `tradable:${id}`, owners[i]), exchange: 'shanghai', serviceType: 2, snowflakeId: id });
  }

  // Deliberate collisions: some registered listings reuse a tradable listing's id (and so its
  // creation instant), which is why the key is (serviceType, id).
  const collisionSources = rng.sample(tradable, Math.round(registeredCount * SHANGHAI_COLLISION_SHARE));
  const registeredIds = new Set<bigint>();
  const registered: ShanghaiListing[] = [];
  for (let i = 0; i < registeredCount; i++) {
    const body = bodies[i];
    const source = collisionSources[i];
    let id: bigint;
    if (source) {
      id = source.snowflakeId;
      body.createdAtMs = source.createdAtMs;
      body.updatedAtMs = Math.max(body.updatedAtMs, body.createdAtMs);
    } else {
      do id = snowflake(rng, body.createdAtMs);
      while (tradableIds.has(id) || registeredIds.has(id));
    }
    registeredIds.add(id);
    registered.push({ ...body, ...identity('shanghai', `registered:${id}`, owners[i]), exchange: 'shanghai', serviceType: 1, snowflakeId: id });
  }
  const newestFirst = (a: ShanghaiListing, b: ShanghaiListing): number => (a.snowflakeId < b.snowflakeId ? 1 : a.snowflakeId > b.snowflakeId ? -1 : 0);
  registered.sort(newestFirst);
  tradable.sort(newestFirst);
  const colliding = collisionSources.map((s) => s.snowflakeId).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return { listings: [...registered, ...tradable], colliding };
}

function buildGuiyang(rng: Rng, drafts: readonly ProviderDraft[], count: number): GuiyangListing[] {
  const owners = assignProviders(rng, drafts, 'guiyang', count);
  const bodies = contents(
    rng,
    'guiyang',
    owners.map(() => 'default'),
  );
  // serviceIds grow with creation time, with gaps where products were withdrawn.
  const order = [...bodies.keys()].sort((a, b) => bodies[a].createdAtMs - bodies[b].createdAtMs);
  let serviceId = 100;
  return order.map((i): GuiyangListing => {
    serviceId += rng.weighted([
      [1, 8],
      [2, 3],
      [3, 1],
    ]);
    return { ...bodies[i], ...identity('guiyang', String(serviceId), owners[i]), exchange: 'guiyang', serviceId };
  });
}

// ───────────────────────── registry ─────────────────────────

function buildRegistry(rng: Rng, drafts: readonly ProviderDraft[], firstListingMs: ReadonlyMap<string, number>): Map<string, WorldRegistration> {
  const unknown = new Set(rng.sample(drafts, Math.round(drafts.length * (1 - REGISTRY_COVERAGE))));
  const registry = new Map<string, WorldRegistration>();
  const earliest = chinaEpochMs(2000, 1, 1);
  for (const draft of drafts) {
    if (unknown.has(draft)) continue;
    const { provider } = draft;
    const latest = Math.min(firstListingMs.get(provider.creditCode) ?? Infinity, chinaEpochMs(2022, 12, 31));
    registry.set(provider.creditCode, {
      creditCode: provider.creditCode,
      name: provider.name,
      legalPerson: rng.chance(0.99) ? personName(rng) : null,
      regCapital: rng.chance(0.97) ? registeredCapital(rng) : null,
      establishDate: chinaDate(rng.int(earliest, Math.max(earliest, latest))),
      regStatus: rng.weighted([
        ['存续', 80],
        ['在业', 15],
        ['注销', 3],
        ['吊销', 2],
      ]),
      address: streetAddress(rng, draft.district),
      scope: rng.chance(0.98) ? businessScope(rng) : null,
    });
  }
  return registry;
}

// ───────────────────────── assembly ─────────────────────────

function buildWorld(seed: number, scale: number): World {
  const rng = createRng(hashSeed('dataex-world', seed, scale));
  const size = (base: number): number => Math.max(1, Math.round(base * scale));

  const drafts = draftProviders(rng.fork('providers'), size(BASE_SIZES.providers));
  const beijing = buildBeijing(rng.fork('beijing'), drafts, size(BASE_SIZES.beijing));
  const shanghai = buildShanghai(rng.fork('shanghai'), drafts, size(BASE_SIZES.shanghai));
  const guiyang = buildGuiyang(rng.fork('guiyang'), drafts, size(BASE_SIZES.guiyang));

  const all: WorldListing[] = [...beijing, ...shanghai.listings, ...guiyang];
  const firstListingMs = new Map<string, number>();
  for (const listing of all) {
    const prev = firstListingMs.get(listing.providerCode);
    if (prev === undefined || listing.createdAtMs < prev) firstListingMs.set(listing.providerCode, listing.createdAtMs);
  }
  for (const { provider } of drafts) provider.exchanges = EXCHANGE_IDS.filter((e) => provider.listingCounts[e] > 0);

  const providers = drafts.map((d) => d.provider);
  const details = new Map<string, WorldDetail>();
  return {
    seed,
    scale,
    providers,
    providerByCode: new Map(providers.map((p) => [p.creditCode, p])),
    listings: { beijing, shanghai: shanghai.listings, guiyang },
    listingById: new Map(all.map((l) => [l.id, l])),
    shanghaiCollidingIds: shanghai.colliding,
    registry: buildRegistry(rng.fork('registry'), drafts, firstListingMs),
    detailOf(listing) {
      let detail = details.get(listing.id);
      if (!detail) {
        detail = generateDetail(listing.exchange, listing);
        details.set(listing.id, detail);
      }
      return detail;
    },
  };
}
