// The content of one listing: an item kind crossed with a coverage area, a year and a
// qualifier, plus its classification, status, prices and times. Exchange-neutral: each
// upstream module renders these canonical values into its own wire vocabulary.

import type { DataLevel, ListingStatus, Openness, ProductType } from '../subgraphs/common/model.ts';
import { chinaEpochMs, chinaYear } from './china-time.ts';
import { formFor, ITEM_KINDS, itemKind, TITLE_QUALIFIERS, type ItemKindId } from './item-kinds.ts';
import { pricePlans, type WorldPrice } from './pricing.ts';
import type { Rng } from './random.ts';
import { COVERAGE_AREAS, type CoverageArea, type CoverageKey } from './regions.ts';

/** An exchange's id in the list (subgraphs/exchanges.ts), or a test's exchange. */
export type ExchangeId = string;

export interface WorldClassification {
  level: DataLevel;
  /** Sub-grade 1..4 of GENERAL data; null for IMPORTANT and CORE. */
  grade: number | null;
  containsPersonalInfo: boolean;
  sensitivePersonalInfo: boolean;
  openness: Openness;
}

export interface ListingContent {
  kind: ItemKindId;
  title: string;
  titleEn: string;
  description: string | null;
  productType: ProductType;
  status: ListingStatus;
  /** GB/T 4754 section codes, primary first. */
  sectors: string[];
  scenarios: string[];
  keywords: string[];
  /** Canonical zone, e.g. "金融" (Beijing renders "金融专区", Shanghai "金融板块"). */
  zone: string;
  /** Area named in the title; null when the title names none. */
  coverage: CoverageArea | null;
  classification: WorldClassification;
  /** Every price plan; the first is the headline the list endpoints show. */
  pricePlans: WorldPrice[];
  headlinePrice: WorldPrice;
  createdAtMs: number;
  updatedAtMs: number;
  /** Seed of this listing's detail, generated on demand. */
  detailSeed: number;
}

/** Listing update times span 2023-01 .. 2026-11, China time. */
export const UPDATED_FROM_MS = chinaEpochMs(2023, 1, 1);
export const UPDATED_UNTIL_MS = chinaEpochMs(2026, 12, 1) - 1000;
const CREATED_NOT_BEFORE_MS = chinaEpochMs(2022, 6, 1);
const DAY_MS = 86_400_000;

const KIND_WEIGHTS = ITEM_KINDS.map((k) => [k.id, k.weight] as const);

/** Which status mix a listing is drawn from: Shanghai's two id spaces differ. */
export type StatusMix = 'default' | 'registered-space' | 'tradable-space';

const STATUS_WEIGHTS: Record<StatusMix, ReadonlyArray<readonly [ListingStatus, number]>> = {
  default: [
    ['LISTED', 86],
    ['PUBLICIZING', 5],
    ['REGISTERED', 4],
    ['DELISTED', 5],
  ],
  'registered-space': [
    ['REGISTERED', 75],
    ['PUBLICIZING', 25],
  ],
  'tradable-space': [
    ['LISTED', 93],
    ['DELISTED', 7],
  ],
};

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function classify(rng: Rng, grades: readonly number[], personal: boolean, sensitive: boolean): WorldClassification {
  const roll = rng.next();
  const level: DataLevel = roll < 0.01 ? 'CORE' : roll < 0.05 ? 'IMPORTANT' : 'GENERAL';
  const grade = level === 'GENERAL' ? rng.pick(grades) : null;
  let openness: Openness;
  if (level === 'CORE') openness = 'NOT_OPEN';
  else if (level === 'IMPORTANT') openness = rng.chance(0.5) ? 'NOT_OPEN' : 'CONDITIONAL';
  else if (grade === 1) openness = rng.chance(0.8) ? 'UNCONDITIONAL' : 'CONDITIONAL';
  else if (grade === 2) openness = rng.chance(0.6) ? 'CONDITIONAL' : 'UNCONDITIONAL';
  else if (grade === 3) openness = rng.chance(0.85) ? 'CONDITIONAL' : 'NOT_OPEN';
  else openness = rng.chance(0.6) ? 'CONDITIONAL' : 'NOT_OPEN';
  return { level, grade, containsPersonalInfo: personal, sensitivePersonalInfo: sensitive, openness };
}

/**
 * What an exchange's listings may be, from its simulator module (`simulator.world.content`):
 * where their titles tend to be about, how its prices are written, and what it cannot list.
 * Restrictions re-draw the whole listing in the exchange's own stream, so an exchange without
 * them draws exactly as before.
 */
export interface ContentRules {
  /** Relative weight of each coverage area named in a regional title. */
  coverage: ReadonlyArray<readonly [CoverageKey, number]>;
  /** False when the exchange's prices are whole fen (Shanghai's integer priceFen). */
  subFenAllowed: boolean;
  /** Product types it lists (default all). */
  productTypes?: readonly ProductType[];
  /** Data levels it lists (default all). */
  levels?: readonly DataLevel[];
  /** Earliest creation instant (default 2022-06-01, China time). */
  createdNotBeforeMs?: number;
}

/** Draws before a restricted exchange gives up: a restriction no item kind can meet is a bug. */
const MAX_REDRAWS = 1000;

export interface ContentRequest {
  rules: ContentRules;
  statusMix: StatusMix;
  /** Forces the item kind (to guarantee e.g. a penalty listing on every exchange). */
  kind?: ItemKindId;
}

export function listingContent(rng: Rng, request: ContentRequest): ListingContent {
  const { productTypes, levels } = request.rules;
  for (let attempt = 0; attempt < MAX_REDRAWS; attempt++) {
    const content = drawContent(rng, request);
    if ((!productTypes || productTypes.includes(content.productType)) && (!levels || levels.includes(content.classification.level))) return content;
  }
  throw new Error(`no listing content meets the rules after ${MAX_REDRAWS} draws (kind ${request.kind ?? 'any'})`);
}

function drawContent(rng: Rng, request: ContentRequest): ListingContent {
  const { rules } = request;
  const kind = itemKind(request.kind ?? rng.weighted(KIND_WEIGHTS));
  const productType = rng.weighted(kind.productTypes);
  const subject = rng.pick(kind.subjects);
  const form = formFor(kind, productType);
  const coverage: CoverageArea | null = rng.chance(kind.regionalTitle) ? COVERAGE_AREAS[rng.weighted(rules.coverage)] : null;

  const updatedAtMs = rng.int(UPDATED_FROM_MS, UPDATED_UNTIL_MS);
  const createdAtMs = Math.min(updatedAtMs, Math.max(CREATED_NOT_BEFORE_MS, rules.createdNotBeforeMs ?? CREATED_NOT_BEFORE_MS, updatedAtMs - rng.int(0, 540) * DAY_MS - rng.int(0, DAY_MS)));

  // Datasets and reports often name the year the data covers.
  const periodic = productType === 'DATASET' || productType === 'REPORT';
  const year = periodic && rng.chance(0.7) ? rng.int(2019, Math.min(2025, chinaYear(updatedAtMs))) : null;
  const qualifier = rng.weighted(TITLE_QUALIFIERS);
  const notes = [year === null ? null : { zh: `${year}年`, en: String(year) }, qualifier].filter((n) => n !== null);
  const zhSuffix = notes.length ? `（${notes.map((n) => n.zh).join('，')}）` : '';
  const enSuffix = notes.length ? ` (${notes.map((n) => n.en).join(', ')})` : '';
  const title = `${coverage?.zh ?? ''}${subject.zh}${form.zh}${zhSuffix}`;
  const titleEn = capitalise([coverage?.en, subject.en, form.en].filter(Boolean).join(' ')) + enSuffix;

  const sectors = [rng.weighted(kind.sectors)];
  if (kind.secondarySector && kind.secondarySector !== sectors[0] && rng.chance(0.25)) sectors.push(kind.secondarySector);
  const scenarios = rng.sample(kind.scenarios, rng.int(1, 3));
  const keywords = rng.sample(kind.keywords, rng.int(3, 5));
  const classification = classify(rng, kind.grades, kind.personalInfo, kind.sensitivePersonalInfo);

  const description = rng.chance(0.04)
    ? null
    : `${coverage?.zh ?? ''}${subject.zh}${form.zh}，数据来源于${kind.source}，经交易所合规审查后登记发布，适用于${scenarios.join('、')}等场景。` +
      (kind.personalInfo ? '涉及个人信息，已取得授权并按最小必要原则处理。' : '');

  const openPublicData = classification.grade === 1 && classification.openness === 'UNCONDITIONAL';
  const plans = pricePlans(rng, productType, { subFenAllowed: rules.subFenAllowed, freeChance: openPublicData ? 0.12 : 0.02 });

  return {
    kind: kind.id,
    title,
    titleEn,
    description,
    productType,
    status: rng.weighted(STATUS_WEIGHTS[request.statusMix]),
    sectors,
    scenarios,
    keywords,
    zone: rng.pick(kind.zones),
    coverage,
    classification,
    pricePlans: plans,
    headlinePrice: plans[0],
    createdAtMs,
    updatedAtMs,
    detailSeed: rng.uint32(),
  };
}
