// The simulated world's types, and what an exchange's simulator module contributes to it
// (`simulator`: an ExchangeSimulator). Types only, so that simulators/<id>.ts, control.ts and
// world.ts can all import them without an import cycle (world.ts imports the modules through
// exchange-simulators.generated.ts).

import type { DetailStyle, WorldDetail } from './details.ts';
import type { ContentRules, ExchangeId, ListingContent, StatusMix } from './listing-content.ts';
import type { Rng } from './random.ts';
import type { District } from './regions.ts';

export interface WorldProvider {
  creditCode: string;
  /** False for the legacy pilot codes that fail the GB 32100 check. */
  creditCodeValid: boolean;
  name: string;
  /** GB/T 2260 code, positions 3–8 of the credit code. */
  regionCode: string;
  /** Exchanges with at least one listing by this provider, in the exchange list's order. */
  exchanges: ExchangeId[];
  /** Listings per exchange id; 0 for every exchange of the world it does not list on. */
  listingCounts: Record<ExchangeId, number>;
}

export interface ListingIdentity {
  /** Unified id "<exchange>:<nativeId>", as the catalog builds it. */
  id: string;
  /** Beijing uuid, "registered:<id>" / "tradable:<id>" for Shanghai, serviceId for Guiyang. */
  nativeId: string;
  providerCode: string;
  providerName: string;
}

/** A listing on some exchange: its content, identity and the exchange's own keys (subtypes add them). */
export interface ExchangeListing extends ListingContent, ListingIdentity {
  exchange: ExchangeId;
}

/**
 * Each exchange's listing type, by id. Empty here: each simulator module adds its own entry
 * (`declare module './world-types.ts' { interface ExchangeListings { beijing: BeijingListing } }`),
 * so `world.listings.beijing` is typed without this file knowing the exchanges.
 */
// biome-ignore lint/suspicious/noEmptyInterface: filled by declaration merging in simulators/<id>.ts.
export interface ExchangeListings {}

/** A listing of any exchange whose module declares its listing type. */
export type WorldListing = ExchangeListings[keyof ExchangeListings];

/** Per exchange whose module declares its listing type, in its list endpoint's stable order (`World.listingsOf` for any id). */
export type WorldListings = { readonly [K in keyof ExchangeListings]: readonly ExchangeListings[K][] };

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
  /** The providers drafted with the founding exchanges, then those later exchanges appended. */
  providers: readonly WorldProvider[];
  providerByCode: ReadonlyMap<string, WorldProvider>;
  /** Per exchange, in each list endpoint's stable order (Shanghai: registered space, then tradable). */
  listings: WorldListings;
  /** Any exchange's listings by id (empty for an id that is not an exchange of this world). */
  listingsOf(exchange: ExchangeId): readonly ExchangeListing[];
  /** The world's exchanges, in the list's order. */
  exchangeIds: readonly ExchangeId[];
  /** By unified id, e.g. "shanghai:tradable:1789…". */
  listingById: ReadonlyMap<string, WorldListing>;
  /** Per exchange with two id spaces: native ids present in both (on different listings). */
  collidingIds: Readonly<Record<ExchangeId, readonly bigint[]>>;
  /** Snowflake ids present in both Shanghai id spaces (on different listings): `collidingIds.shanghai`. */
  shanghaiCollidingIds: readonly bigint[];
  /** Registry entries by credit code; about 5 % of providers are unknown to the registry. */
  registry: ReadonlyMap<string, WorldRegistration>;
  /** The listing's detail, generated on first use and memoised. */
  detailOf(listing: ExchangeListing): WorldDetail;
}

/** A provider while the world is built: where it plans to list and how much. */
export interface ProviderDraft {
  provider: WorldProvider;
  district: District;
  /** Exchanges it lists on (each gets at least one of its listings while slots last). */
  planned: Set<ExchangeId>;
  /** Relative share of its exchanges' listings: a few providers list a lot. */
  size: number;
  /** The exchange whose module appended it (JoinPlan.newProviders); absent for the founding drafts. */
  appendedBy?: ExchangeId;
}

/**
 * How providers come to list on an exchange added after the founding three. In the exchange's
 * own stream (`join:<id>`), after the exchanges before it in the list are built, each provider
 * (founding and appended) joins with one chance: `home` when its district code starts with one
 * of `homeRegions`, else `byExchangeCount[n]` for a provider listing on n exchanges so far (the
 * last entry for n beyond). Providers already on many exchanges join readily, so some end up on
 * four or five.
 */
export interface JoinPlan {
  /** GB/T 2260 prefixes of the exchange's home region, e.g. ['4403'] for Shenzhen. */
  homeRegions: readonly string[];
  home: number;
  /** Chance by the number of exchanges the provider lists on so far: [0, 1, 2, 3 or more]. */
  byExchangeCount: readonly number[];
  /** Providers this exchange brings along, appended after every existing one (`providers:<id>`). */
  newProviders?: {
    /** How many at scale 1. */
    count: number;
    /** Where they are registered (regions.ts EXTRA_DISTRICTS, never DISTRICTS). */
    districts: readonly District[];
  };
}

/** What an exchange's module adds to the world. */
export interface ExchangeWorldPart<L extends ExchangeListing = ExchangeListing> {
  /** Listings at scale 1. */
  size: number;
  /** Beijing, Shanghai, Guiyang: built by today's draw sequence with the providers drafted for them. */
  founding?: true;
  /** What its listings may be, and which status mix listing i of n is drawn from. */
  content: ContentRules & { statusMix(i: number, n: number): StatusMix };
  /** How providers come to list here (exchanges after the founding three; default: DEFAULT_JOIN of world.ts). */
  join?: JoinPlan;
  /**
   * Native keys and list order, in the exchange's stream after its owners and contents were drawn:
   * listing i has content `bodies[i]` and provider `owners[i]`; `identity(nativeId, owner)` is its
   * unified identity. `collidingIds`: native ids present in two of its id spaces (Shanghai).
   */
  identify(rng: Rng, bodies: ListingContent[], owners: readonly ProviderDraft[], identity: (nativeId: string, owner: ProviderDraft) => ListingIdentity): { listings: L[]; collidingIds?: bigint[] };
}

/** `simulator`, exported by simulators/<id>.ts next to `createUpstream` (found through exchange-simulators.generated.ts). */
export interface ExchangeSimulator<L extends ExchangeListing = ExchangeListing> {
  id: ExchangeId;
  world: ExchangeWorldPart<L>;
  /** How its listings' certificates read. */
  detailStyle: DetailStyle;
  /**
   * How its simulator and adapter run in end-to-end test stacks (test/helpers/stack.ts), when
   * their real pace would not fit the tests' deadlines: options of its upstream module (e.g. a
   * raised rate limit) and, together, its adapter settings (values of its entry's `settings`, by
   * key, as variable text). Absent: tests run it as it is.
   */
  testSpeed?: {
    upstream: Readonly<Record<string, unknown>>;
    settings: Readonly<Record<string, string>>;
  };
}
