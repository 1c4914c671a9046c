// The canonical simulated world every simulator renders: providers, each exchange's listings,
// and the enterprise registry. Deterministic per (seed, scale) and memoised, so tests can
// regenerate it to compute expected answers. Generic over the exchange list: each exchange's
// simulator module (simulators/<id>.ts, found through exchange-simulators.generated.ts) gives
// its part (`simulator.world`: size, content rules, native keys). The founding three (Beijing,
// Shanghai, Guiyang) are built by the draw sequence they always had, with the providers drafted
// for them; an exchange added later draws only from its own streams (`join:<id>`,
// `providers:<id>`, `<id>`, `registry:<id>`), after them, so it moves no existing listing,
// detail, provider or registration (test/unit/simulators/world-stability.test.ts).

import { isValidUscc } from '../subgraphs/common/identifiers.ts';
import { exchangeById } from '../subgraphs/exchanges.ts';
import { chinaDate, chinaEpochMs } from './china-time.ts';
import { businessScope, companyName, legacyPilotUscc, registeredCapital, validUscc } from './companies.ts';
import { readScale, readSeed } from './config.ts';
import { type DetailExchange, generateDetail, type WorldDetail } from './details.ts';
import { EXCHANGE_SIMULATOR_DESCRIPTORS } from './exchange-simulators.generated.ts';
import { type ExchangeId, type ListingContent, listingContent, type StatusMix } from './listing-content.ts';
import { personName, streetAddress } from './people.ts';
import { createRng, hashSeed, type Rng } from './random.ts';
import { DISTRICTS, type District, PROVIDER_CITY_WEIGHTS } from './regions.ts';
import type { ExchangeListing, ExchangeSimulator, JoinPlan, ListingIdentity, ProviderDraft, World, WorldListing, WorldListings, WorldProvider, WorldRegistration } from './world-types.ts';

export type { WorldCertificate, WorldDelivery, WorldDetail } from './details.ts';
export type { ExchangeId, ListingContent, WorldClassification } from './listing-content.ts';
export type { WorldPrice } from './pricing.ts';
export type { WorldSample } from './samples.ts';
export type { ExchangeListing, ExchangeSimulator, JoinPlan, ListingIdentity, ProviderDraft, World, WorldListing, WorldProvider, WorldRegistration } from './world-types.ts';

/** Every exchange's part of the world, in the exchange list's order. */
export const EXCHANGE_WORLD_PARTS: readonly ExchangeSimulator[] = Object.entries(EXCHANGE_SIMULATOR_DESCRIPTORS).map(([id, part]) => {
  if (part.id !== id) throw new Error(`simulators/${id}.ts exports the simulator of ${part.id}`);
  return part;
});

export const EXCHANGE_IDS: readonly ExchangeId[] = EXCHANGE_WORLD_PARTS.map((s) => s.id);

/** Providers drafted with the founding exchanges, at scale 1. */
export const BASE_PROVIDERS = 1500;

/** Sizes at scale 1: the founding providers, and each exchange's listings. */
export const BASE_SIZES: Readonly<Record<ExchangeId, number> & { providers: number }> = {
  providers: BASE_PROVIDERS,
  ...Object.fromEntries(EXCHANGE_WORLD_PARTS.map((s) => [s.id, s.world.size])),
};
export const MULTI_EXCHANGE_SHARE = 0.25;
export const LEGACY_USCC_SHARE = 0.02;
export const REGISTRY_COVERAGE = 0.95;

/**
 * The founding exchanges, in the order their providers were drafted. Their drafts' home and
 * second exchanges are drawn from the tables below over exactly these ids (the shuffle in
 * draftProviders): a later exchange gets its providers by joining (JoinPlan), never here.
 */
export const FOUNDING_EXCHANGES: readonly ExchangeId[] = ['beijing', 'shanghai', 'guiyang'];

/** Registration dates are clamped to this day, so listings created after it move none. */
const REGISTRY_LATEST_MS = chinaEpochMs(2022, 12, 31);
/** Exchanges after the founding three list nothing before this (see REGISTRY_LATEST_MS). */
export const LATER_EXCHANGE_CREATED_FROM_MS = chinaEpochMs(2023, 1, 1);

/** How providers join an exchange whose module gives no JoinPlan: the well-connected ones, rarely the rest. */
export const DEFAULT_JOIN: JoinPlan = { homeRegions: [], home: 0.8, byExchangeCount: [0, 0.03, 0.25, 0.85] };

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

const SIZE_WEIGHTS: ReadonlyArray<readonly [number, number]> = [
  [1, 50],
  [2, 25],
  [4, 15],
  [8, 7],
  [16, 3],
];

function pickDistrict(rng: Rng): District {
  const prefix = rng.weighted(PROVIDER_CITY_WEIGHTS);
  return rng.pick(DISTRICTS.filter((d) => d.code.startsWith(prefix)));
}

function newProvider(code: string, name: string, district: District, exchangeIds: readonly ExchangeId[]): WorldProvider {
  return { creditCode: code, creditCodeValid: isValidUscc(code), name, regionCode: district.code, exchanges: [], listingCounts: Object.fromEntries(exchangeIds.map((e) => [e, 0])) };
}

/** The founding providers: their draws decide every founding listing's owner, so they never change. */
function draftProviders(rng: Rng, count: number, exchangeIds: readonly ExchangeId[]): ProviderDraft[] {
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
      const others = rng.shuffle(FOUNDING_EXCHANGES.filter((e) => e !== home));
      planned.add(others[0]);
      if (rng.chance(0.2)) planned.add(others[1]);
    }
    drafts.push({ provider: newProvider(code, name, district, exchangeIds), district, planned, size: rng.weighted(SIZE_WEIGHTS) });
  }
  return drafts;
}

/** Providers a later exchange brings along, appended after every existing draft (its own stream). */
function appendProviders(
  rng: Rng,
  drafts: readonly ProviderDraft[],
  exchange: ExchangeId,
  plan: NonNullable<JoinPlan['newProviders']>,
  count: number,
  exchangeIds: readonly ExchangeId[],
): ProviderDraft[] {
  if (plan.districts.length === 0) throw new Error(`${exchange}: newProviders needs districts`);
  const names = new Set(drafts.map((d) => d.provider.name));
  const codes = new Set(drafts.map((d) => d.provider.creditCode));
  const added: ProviderDraft[] = [];
  for (let i = 0; i < count; i++) {
    const district = rng.pick(plan.districts);
    let name = companyName(rng, district);
    for (let attempt = 0; names.has(name); attempt++) name = companyName(rng, district, attempt >= 20);
    names.add(name);
    let code: string;
    do code = validUscc(rng, district.code);
    while (codes.has(code));
    codes.add(code);
    added.push({ provider: newProvider(code, name, district, exchangeIds), district, planned: new Set([exchange]), size: rng.weighted(SIZE_WEIGHTS), appendedBy: exchange });
  }
  return added;
}

/** One chance per provider, in draft order, to list on a later exchange (JoinPlan). */
function joinExchange(rng: Rng, drafts: readonly ProviderDraft[], exchange: ExchangeId, plan: JoinPlan, listedOn: ReadonlyMap<string, ReadonlySet<ExchangeId>>): void {
  const last = plan.byExchangeCount.length - 1;
  for (const draft of drafts) {
    const home = plan.homeRegions.some((prefix) => draft.district.code.startsWith(prefix));
    const n = listedOn.get(draft.provider.creditCode)?.size ?? 0;
    const p = home ? plan.home : last < 0 ? 0 : plan.byExchangeCount[Math.min(n, last)];
    if (rng.chance(p)) draft.planned.add(exchange);
  }
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

/** An exchange's listings in its own stream: owners, then contents (one forced penalty listing), then its native keys. */
function buildListings(rng: Rng, drafts: readonly ProviderDraft[], part: ExchangeSimulator, count: number, createdFloorMs?: number): { listings: ExchangeListing[]; collidingIds: bigint[] } {
  const { id, world } = part;
  const owners = assignProviders(rng, drafts, id, count);
  const mixes = owners.map((_, i): StatusMix => world.content.statusMix(i, owners.length));
  const rules = createdFloorMs === undefined ? world.content : { ...world.content, createdNotBeforeMs: Math.max(createdFloorMs, world.content.createdNotBeforeMs ?? createdFloorMs) };
  const forced = rng.int(0, mixes.length - 1);
  const bodies: ListingContent[] = mixes.map((statusMix, i) => listingContent(rng, { rules, statusMix, kind: i === forced ? 'market-penalty' : undefined }));
  const identity = (nativeId: string, owner: ProviderDraft): ListingIdentity => ({ id: `${id}:${nativeId}`, nativeId, providerCode: owner.provider.creditCode, providerName: owner.provider.name });
  const { listings, collidingIds = [] } = world.identify(rng, bodies, owners, identity);
  for (const listing of listings) if (listing.exchange !== id) throw new Error(`${id}: identify returned a listing of ${listing.exchange}`);
  return { listings, collidingIds };
}

// ───────────────────────── registry ─────────────────────────

function register(rng: Rng, draft: ProviderDraft, firstListingMs: ReadonlyMap<string, number>): WorldRegistration {
  const { provider } = draft;
  const earliest = chinaEpochMs(2000, 1, 1);
  const latest = Math.min(firstListingMs.get(provider.creditCode) ?? Infinity, REGISTRY_LATEST_MS);
  return {
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
  };
}

/** Registrations of some drafts, about 5 % of them unknown to the registry. */
function registerDrafts(rng: Rng, drafts: readonly ProviderDraft[], firstListingMs: ReadonlyMap<string, number>, into: Map<string, WorldRegistration>): void {
  const unknown = new Set(rng.sample(drafts, Math.round(drafts.length * (1 - REGISTRY_COVERAGE))));
  for (const draft of drafts) if (!unknown.has(draft)) into.set(draft.provider.creditCode, register(rng, draft, firstListingMs));
}

// ───────────────────────── assembly ─────────────────────────

function checkParts(parts: readonly ExchangeSimulator[]): void {
  const ids = parts.map((p) => p.id);
  if (new Set(ids).size !== ids.length) throw new Error(`exchange ids repeat: ${ids.join(', ')}`);
  const founding = parts.filter((p) => p.world.founding).map((p) => p.id);
  if (founding.join() !== FOUNDING_EXCHANGES.join()) throw new Error(`the founding exchanges are ${FOUNDING_EXCHANGES.join(', ')}, in that order (got ${founding.join(', ') || 'none'})`);
}

/**
 * The world of these exchanges' modules (default: every exchange of the list, through
 * exchange-simulators.generated.ts). Exported for tests that add an exchange of their own;
 * everything else uses generateWorld.
 */
export function buildWorld(seed: number, scale: number, parts: readonly ExchangeSimulator[] = EXCHANGE_WORLD_PARTS): World {
  checkParts(parts);
  const rng = createRng(hashSeed('dataex-world', seed, scale));
  const size = (base: number): number => Math.max(1, Math.round(base * scale));
  const ids = parts.map((p) => p.id);
  const built = new Map<ExchangeId, { listings: ExchangeListing[]; collidingIds: bigint[] }>();

  // The founding exchanges: each in its own stream, with the providers drafted for them.
  const drafts = draftProviders(rng.fork('providers'), size(BASE_PROVIDERS), ids);
  const foundingDrafts = drafts.slice();
  for (const part of parts) if (part.world.founding) built.set(part.id, buildListings(rng.fork(part.id), drafts, part, size(part.world.size)));

  // Later exchanges, in list order: appended providers, then who joins, then the listings.
  const listedOn = new Map<string, Set<ExchangeId>>();
  const noteListed = (listings: readonly ExchangeListing[]): void => {
    for (const l of listings) {
      let set = listedOn.get(l.providerCode);
      if (!set) listedOn.set(l.providerCode, (set = new Set()));
      set.add(l.exchange);
    }
  };
  for (const { listings } of built.values()) noteListed(listings);
  for (const part of parts) {
    if (part.world.founding) continue;
    const plan = part.world.join ?? DEFAULT_JOIN;
    if (plan.newProviders) drafts.push(...appendProviders(rng.fork(`providers:${part.id}`), drafts, part.id, plan.newProviders, size(plan.newProviders.count), ids));
    joinExchange(rng.fork(`join:${part.id}`), drafts, part.id, plan, listedOn);
    const result = buildListings(rng.fork(part.id), drafts, part, size(part.world.size), LATER_EXCHANGE_CREATED_FROM_MS);
    built.set(part.id, result);
    noteListed(result.listings);
  }

  const listings = Object.fromEntries(ids.map((id) => [id, built.get(id)?.listings ?? []])) as Record<ExchangeId, readonly ExchangeListing[]>;
  const all = ids.flatMap((id) => listings[id]);
  const providers = drafts.map((d) => d.provider);
  const providerByCode = new Map(providers.map((p) => [p.creditCode, p]));
  const firstListingMs = new Map<string, number>();
  for (const listing of all) {
    const prev = firstListingMs.get(listing.providerCode);
    if (prev === undefined || listing.createdAtMs < prev) firstListingMs.set(listing.providerCode, listing.createdAtMs);
    const provider = providerByCode.get(listing.providerCode);
    if (provider) provider.listingCounts[listing.exchange]++;
  }
  for (const provider of providers) provider.exchanges = ids.filter((e) => provider.listingCounts[e] > 0);

  // The founding providers' registrations as they always were; appended ones in their exchange's stream.
  const registry = new Map<string, WorldRegistration>();
  registerDrafts(rng.fork('registry'), foundingDrafts, firstListingMs, registry);
  for (const id of ids) {
    const appended = drafts.filter((d) => d.appendedBy === id);
    if (appended.length > 0) registerDrafts(rng.fork(`registry:${id}`), appended, firstListingMs, registry);
  }

  const detailExchanges = new Map<ExchangeId, DetailExchange>(parts.map((p) => [p.id, { name: exchangeById(p.id)?.name ?? p.id, style: p.detailStyle }]));
  const collidingIds = Object.fromEntries(ids.map((id) => [id, built.get(id)?.collidingIds ?? []]));
  const details = new Map<string, WorldDetail>();
  return {
    seed,
    scale,
    providers,
    providerByCode,
    exchangeIds: ids,
    listings: listings as unknown as WorldListings,
    listingsOf: (exchange) => listings[exchange] ?? [],
    listingById: new Map(all.map((l) => [l.id, l as WorldListing])),
    collidingIds,
    shanghaiCollidingIds: collidingIds.shanghai ?? [],
    registry,
    detailOf(listing) {
      let detail = details.get(listing.id);
      if (!detail) {
        const exchange = detailExchanges.get(listing.exchange);
        if (!exchange) throw new Error(`no exchange ${listing.exchange} in this world`);
        detail = generateDetail(exchange, listing);
        details.set(listing.id, detail);
      }
      return detail;
    },
  };
}
