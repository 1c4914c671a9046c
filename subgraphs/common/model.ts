// The unified model every adapter maps into. Only adapters know upstream shapes; everything
// downstream of them (index, resolvers, gateway) speaks only these types.

import type { DataLevel } from '../../lib/principal.ts';

// Classification levels are the principal's business (lib/principal.ts); the model uses them.
export { DATA_LEVELS, type DataLevel } from '../../lib/principal.ts';

export type ProductType = 'DATASET' | 'API_SERVICE' | 'REPORT' | 'MODEL' | 'TOOL';
export type ListingStatus = 'REGISTERED' | 'PUBLICIZING' | 'LISTED' | 'DELISTED';
/** Openness of public data (DCAT access rights PUBLIC / RESTRICTED / NON_PUBLIC). */
export type Openness = 'UNCONDITIONAL' | 'CONDITIONAL' | 'NOT_OPEN';
export type PricingModel = 'PER_CALL' | 'PER_RECORD' | 'MONTHLY' | 'YEARLY' | 'ONE_TIME' | 'NEGOTIABLE' | 'FREE';
export type DeliveryMethod = 'API' | 'FILE' | 'SANDBOX' | 'PRIVACY_COMPUTING' | 'OFFLINE';
export type UpdateFrequency = 'REALTIME' | 'DAILY' | 'WEEKLY' | 'MONTHLY' | 'QUARTERLY' | 'YEARLY' | 'IRREGULAR' | 'ONCE';

/** Ordered from least to most restricted; index = rank. */

export interface Classification {
  level: DataLevel;
  /** Sub-grade 1..4 of GENERAL data (GB/T 43697-2024); null for IMPORTANT/CORE or unknown. */
  grade: number | null;
  containsPersonalInfo: boolean;
  /** PIPL art. 28 sensitive personal information. */
  sensitivePersonalInfo: boolean;
  openness: Openness;
}

export interface PricePlan {
  model: PricingModel;
  /** Integer fen (1 yuan = 100 fen); null when negotiable or not stated. */
  amountFen: number | null;
  /** ISO 4217, always "CNY" for the exchanges we know. */
  currency: string;
  /** Normalised unit, e.g. "次", "月", "年", "千条"; null when none. */
  unit: string | null;
  negotiable: boolean;
  /** The upstream's own wording, kept for display ("0.05元/次", "面议"). */
  text: string | null;
}

/** One listing as the exchange's list endpoint describes it: what the catalog indexes. */
export interface DatasetRecord {
  /** "<exchange>:<native key>", e.g. "beijing:3f2a…", "shanghai:tradable:1789…", "guiyang:512". */
  id: string;
  /** The native key without the exchange prefix ("tradable:1789…" for Shanghai). */
  nativeId: string;
  exchange: string;
  title: string;
  titleEn: string | null;
  description: string | null;
  productType: ProductType;
  status: ListingStatus;
  providerCode: string;
  providerName: string;
  /** GB/T 4754 section codes "A".."T", de-duplicated, in upstream order. */
  sectors: string[];
  scenarios: string[];
  keywords: string[];
  classification: Classification;
  headlinePrice: PricePlan | null;
  /** ISO-8601 with +08:00 offset, e.g. "2024-05-06T12:00:00+08:00". */
  updatedAt: string;
}

export interface Delivery {
  method: DeliveryMethod;
  /** e.g. "JSON", "CSV"; null when unstated. */
  format: string | null;
  description: string | null;
}

export interface Certificate {
  number: string;
  issuer: string;
  /** ISO-8601 with +08:00 offset. */
  issuedAt: string;
  kind: string;
}

export interface DataSampleRows {
  columns: string[];
  rows: (string | null)[][];
}

/** The live fields only an exchange's detail call has. */
export interface DatasetDetail {
  /** Same id as the DatasetRecord. */
  id: string;
  pricing: PricePlan[];
  delivery: Delivery[];
  certificates: Certificate[];
  updateFrequency: UpdateFrequency | null;
  /** Unmasked sample rows as the upstream sent them; masking happens per caller later. */
  sample: DataSampleRows | null;
}

export interface Registration {
  creditCode: string;
  name: string;
  legalRepresentative: string | null;
  registeredCapitalFen: number | null;
  /** "YYYY-MM-DD". */
  establishedOn: string | null;
  /** Registry wording, e.g. "存续", "注销". */
  status: string;
  address: string | null;
  businessScope: string | null;
  /** GB/T 2260 region code, positions 3–8 of the USCC. */
  regionCode: string | null;
}

export type { ExchangeInfo } from '../exchanges.ts';
