// The catalog's in-memory search index: pure, synchronous, no I/O.
//
// Layout: one immutable Segment per exchange (segment.ts: inverted index, per-doc attributes,
// docs pre-sorted for every key order) and one immutable Snapshot that lays the segments out
// under global doc numbers. replaceExchange builds (or, for a small diff, patches) only the
// harvested exchange's segment, builds a new Snapshot with linear copies and swaps one
// reference: a query captures the snapshot once, so it never sees a half-built index.
// Per-query work is postings intersection (or one pass over the docs without text), filter,
// facet counts, and one page picked from the segments' precomputed orders; nothing is
// re-sorted per query.

import { DATA_LEVELS } from '../common/model.ts';
import type { DataLevel, DatasetRecord, ProductType } from '../common/model.ts';
import { sectorByCode, sectorByName } from '../common/sectors.ts';
import { decodeCursor, encodeCursor, fingerprintOf, InvalidCursorError, SearchInputError } from './cursor.ts';
import type { CursorPayload } from './cursor.ts';
import { buildSegment, Dict, cmpId, cmpNumAsc, compareKeys, docComparator, gradeOf, levelRankOf, normCode, shouldPatch, updateSegment } from './segment.ts';
import type { KeyOrder, MultiField, Postings, Segment, SingleField } from './segment.ts';
import { queryTokens } from './tokenize.ts';

export { InvalidCursorError, SearchInputError } from './cursor.ts';

// ---------------------------------------------------------------------------------------------
// Public types and limits

/** Page size when `first` is not given. */
export const DEFAULT_PAGE_SIZE = 20;
/** Largest accepted `first`; larger values are rejected (BAD_USER_INPUT), not clamped. */
export const MAX_PAGE_SIZE = 100;
/** Longest accepted search text, in UTF-16 code units. */
export const MAX_TEXT_LENGTH = 256;
/** Scenario facet shows only this many buckets (the other facets are small and complete). */
export const FACET_SCENARIO_LIMIT = 20;

export type DatasetOrder = 'RELEVANCE' | 'UPDATED_DESC' | 'PRICE_ASC' | 'PRICE_DESC' | 'TITLE_ASC';
export const DATASET_ORDERS: readonly DatasetOrder[] = ['RELEVANCE', 'UPDATED_DESC', 'PRICE_ASC', 'PRICE_DESC', 'TITLE_ASC'];

/**
 * Within one field the values are alternatives (OR); fields combine with AND. A null or empty
 * list means "no constraint" (an empty multi-select in a UI filters nothing).
 */
export interface DatasetFilter {
  exchanges?: readonly string[] | null;
  /** GB/T 4754 section codes ("J"); a Chinese section name is accepted too. */
  sectors?: readonly string[] | null;
  /** Exact scenario strings. */
  scenarios?: readonly string[] | null;
  productTypes?: readonly ProductType[] | null;
  levels?: readonly DataLevel[] | null;
  /** Provider credit codes (USCC), case-insensitive. */
  providers?: readonly string[] | null;
  /** ISO-8601; keeps records with updatedAt at or after it. */
  updatedSince?: string | null;
  /** Keeps records whose headline price is known and at most this many fen (Long may arrive as a string). */
  maxPriceFen?: number | string | bigint | null;
  containsPersonalInfo?: boolean | null;
}

/** The caller's clearance: highest level, and for GENERAL data the highest grade (null = all). */
export interface Clearance {
  maxLevel: DataLevel;
  maxGrade: number | null;
}

export interface SearchParams {
  text?: string | null;
  filter?: DatasetFilter | null;
  orderBy?: DatasetOrder | null;
  first?: number | null;
  after?: string | null;
  /** Absent = unrestricted (internal use only; resolvers must always pass the caller's). */
  clearance?: Clearance | null;
}

export interface DatasetEdge {
  cursor: string;
  record: DatasetRecord;
  /** BM25 score when the query has text (whatever the order), otherwise 0. */
  score: number;
}

export interface PageInfo {
  hasNextPage: boolean;
  /** Exact: true when the result has rows before the `after` cursor. */
  hasPreviousPage: boolean;
  startCursor: string | null;
  endCursor: string | null;
}

export interface FacetBucket {
  value: string;
  count: number;
}

/** Counts over the whole filtered, visible result; buckets sorted by count desc, then value. */
export interface Facets {
  exchanges: FacetBucket[];
  /** By sector code. */
  sectors: FacetBucket[];
  productTypes: FacetBucket[];
  levels: FacetBucket[];
  /** Top FACET_SCENARIO_LIMIT scenarios. */
  scenarios: FacetBucket[];
}

export interface DatasetConnection {
  totalCount: number;
  edges: DatasetEdge[];
  pageInfo: PageInfo;
  facets: Facets;
}
/** Alias: what search and providerDatasets return. */
export type SearchResult = DatasetConnection;

export interface ReplaceResult {
  added: string[];
  /** Ids whose record differs in any field. */
  changed: string[];
  removed: string[];
}

export interface ProviderSummary {
  creditCode: string;
  /** The name on the provider's most recently updated listing. */
  name: string;
  /** Exchanges where the provider has visible listings, sorted. */
  exchanges: string[];
  /** Visible listings over all exchanges. */
  datasetCount: number;
}

export interface ProviderEdge {
  cursor: string;
  node: ProviderSummary;
}

export interface ProviderConnection {
  totalCount: number;
  edges: ProviderEdge[];
  pageInfo: PageInfo;
}

export interface ProvidersParams {
  /** Matches the provider name (Chinese bigrams / Latin words, AND) or the exact credit code. */
  text?: string | null;
  /** Only providers with visible listings on this exchange (datasetCount stays the overall count). */
  exchange?: string | null;
  /** Only providers listed on at least this many exchanges. */
  minExchanges?: number | null;
  first?: number | null;
  after?: string | null;
  clearance?: Clearance | null;
}

export interface ProviderDatasetsParams {
  exchange?: string | null;
  first?: number | null;
  after?: string | null;
  clearance?: Clearance | null;
}

/**
 * The visibility rule: level at most maxLevel, and GENERAL data at most maxGrade. A GENERAL
 * record of unknown grade counts as the highest grade (fail closed) unless maxGrade is null.
 */
export function isVisible(record: DatasetRecord, clearance: Clearance | null | undefined): boolean {
  const c = normalizeClearance(clearance);
  if (!c) return true;
  return visibleBy(levelRankOf(record.classification?.level), gradeOf(record), c);
}

// ---------------------------------------------------------------------------------------------
// Scoring and ordering constants

const K1 = 1.2;
const B = 0.75;
const MAX_QUERY_TOKENS = 64;

// ---------------------------------------------------------------------------------------------
// Internal structures

interface Visibility {
  key: string;
  /** 1 = visible, per global doc; null when everything is visible. */
  mask: Uint8Array | null;
  n: number;
  totalLen: number;
}

interface ProviderStats {
  /** perExchange[p * S + s] = visible docs of provider p on segment s. */
  perExchange: Int32Array;
  total: Int32Array;
  exchangeCount: Int32Array;
}

interface NormClearance {
  rank: number;
  maxGrade: number | null;
  key: string;
}

interface NormFilter {
  exchanges: string[] | null;
  sectors: string[] | null;
  scenarios: string[] | null;
  productTypes: string[] | null;
  levels: string[] | null;
  providers: string[] | null;
  updatedSince: number | null;
  maxPriceFen: number | null;
  containsPersonalInfo: boolean | null;
}

// ---------------------------------------------------------------------------------------------
// Small helpers

function visibleBy(levelRank: number, grade: number, c: NormClearance): boolean {
  if (levelRank > c.rank) return false;
  return levelRank !== 0 || c.maxGrade === null || grade <= c.maxGrade;
}

function normalizeClearance(c: Clearance | null | undefined): NormClearance | null {
  if (c == null) return null;
  const rank = DATA_LEVELS.indexOf(c.maxLevel);
  if (rank < 0) throw new SearchInputError(`clearance.maxLevel must be one of ${DATA_LEVELS.join(', ')}`);
  const maxGrade = c.maxGrade ?? null;
  if (maxGrade !== null && !Number.isInteger(maxGrade)) throw new SearchInputError('clearance.maxGrade must be an integer or null');
  return { rank, maxGrade, key: `${DATA_LEVELS[rank]}/${maxGrade ?? '*'}` };
}

/** Relevance: score desc, then newer first, then id. */
function compareRelevance(s1: number, u1: number, id1: string, s2: number, u2: number, id2: string): number {
  return cmpNumAsc(s2, s1) || cmpNumAsc(u2, u1) || cmpId(id1, id2);
}

/** First index >= from with arr[index] >= target (exponential then binary search). */
function gallop(arr: Int32Array, from: number, target: number): number {
  let lo = from;
  let step = 1;
  let hi = from;
  while (hi < arr.length && arr[hi] < target) {
    lo = hi + 1;
    hi += step;
    step <<= 1;
  }
  if (hi > arr.length) hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (arr[mid] < target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Intersection of ascending id lists. */
function intersectAll(lists: Int32Array[]): Int32Array {
  if (lists.length === 0) return new Int32Array(0);
  const sorted = [...lists].sort((a, b) => a.length - b.length);
  let acc = sorted[0];
  for (let i = 1; i < sorted.length && acc.length > 0; i++) {
    const other = sorted[i];
    const out: number[] = [];
    let p = 0;
    for (const v of acc) {
      p = gallop(other, p, v);
      if (p >= other.length) break;
      if (other[p] === v) out.push(v);
    }
    acc = Int32Array.from(out);
  }
  return acc;
}

/**
 * The best `k` accepted candidates 0..count-1 in `cmp` order, and how many were accepted.
 * Sorted insertion into a k-long buffer: k is at most MAX_PAGE_SIZE, and once the buffer is
 * full most candidates lose a single comparison against its last element.
 */
function selectTop(count: number, k: number, accept: (i: number) => boolean, cmp: (a: number, b: number) => number): { top: number[]; accepted: number } {
  const top: number[] = [];
  let accepted = 0;
  for (let i = 0; i < count; i++) {
    if (!accept(i)) continue;
    accepted++;
    if (k === 0) continue;
    if (top.length === k && cmp(i, top[k - 1]) >= 0) continue;
    let lo = 0;
    let hi = top.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cmp(top[mid], i) <= 0) lo = mid + 1;
      else hi = mid;
    }
    top.splice(lo, 0, i);
    if (top.length > k) top.pop();
  }
  return { top, accepted };
}

/** Structural equality of JSON-like values; a key holding undefined equals a missing key. */
function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  const aArr = Array.isArray(a);
  if (aArr !== Array.isArray(b)) return false;
  if (aArr) {
    const x = a as unknown[];
    const y = b as unknown[];
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (!deepEqual(x[i], y[i])) return false;
    return true;
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  // for-in without Object.keys arrays: this runs over every record of every harvest.
  let defined = 0;
  for (const k in ao) {
    const v = ao[k];
    if (v === undefined) continue;
    defined++;
    if (!deepEqual(v, bo[k])) return false;
  }
  for (const k in bo) if (bo[k] !== undefined) defined--;
  return defined === 0;
}

function validateFirst(first: number | null | undefined): number {
  if (first == null) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 0 || first > MAX_PAGE_SIZE) {
    throw new SearchInputError(`first must be an integer from 0 to ${MAX_PAGE_SIZE}`);
  }
  return first;
}

function validateText(text: string | null | undefined): string {
  if (text == null) return '';
  if (typeof text !== 'string') throw new SearchInputError('text must be a string');
  if (text.length > MAX_TEXT_LENGTH) throw new SearchInputError(`text must be at most ${MAX_TEXT_LENGTH} characters`);
  return text;
}

function pageInfo(cursors: string[], hasNext: boolean, hasPrev: boolean): PageInfo {
  return {
    hasNextPage: hasNext,
    hasPreviousPage: hasPrev,
    startCursor: cursors.length > 0 ? cursors[0] : null,
    endCursor: cursors.length > 0 ? cursors[cursors.length - 1] : null,
  };
}

function normList(v: readonly string[] | null | undefined, name: string, map: (s: string) => string): string[] | null {
  if (v == null) return null;
  if (!Array.isArray(v)) throw new SearchInputError(`filter.${name} must be a list`);
  if (v.length === 0) return null;
  const out = new Set<string>();
  for (const x of v) {
    if (typeof x !== 'string') throw new SearchInputError(`filter.${name} must contain strings`);
    out.add(map(x.trim()));
  }
  return [...out].sort();
}

function normalizeFilter(f: DatasetFilter | null | undefined): NormFilter {
  const id = (s: string): string => s;
  const sector = (s: string): string => sectorByCode(s.toUpperCase())?.code ?? sectorByName(s)?.code ?? s;
  let updatedSince: number | null = null;
  if (f?.updatedSince != null) {
    const t = typeof f.updatedSince === 'string' ? Date.parse(f.updatedSince) : NaN;
    if (!Number.isFinite(t)) throw new SearchInputError('filter.updatedSince must be an ISO-8601 date-time');
    updatedSince = t;
  }
  let maxPriceFen: number | null = null;
  if (f?.maxPriceFen != null) {
    const v = f.maxPriceFen;
    const n = typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : /^-?\d+$/.test(String(v).trim()) ? Number(String(v).trim()) : NaN;
    if (!Number.isFinite(n)) throw new SearchInputError('filter.maxPriceFen must be an integer amount in fen');
    maxPriceFen = n;
  }
  const pii = f?.containsPersonalInfo;
  if (pii != null && typeof pii !== 'boolean') throw new SearchInputError('filter.containsPersonalInfo must be a boolean');
  return {
    exchanges: normList(f?.exchanges, 'exchanges', id),
    sectors: normList(f?.sectors, 'sectors', sector),
    scenarios: normList(f?.scenarios, 'scenarios', id),
    productTypes: normList(f?.productTypes, 'productTypes', id),
    levels: normList(f?.levels, 'levels', id),
    providers: normList(f?.providers, 'providers', (s) => s.toUpperCase()),
    updatedSince,
    maxPriceFen,
    containsPersonalInfo: pii ?? null,
  };
}

function mergeSingle(parts: SingleField[], n: number): SingleField & { remaps: Int32Array[] } {
  const dict = new Dict();
  const ids = new Int32Array(n);
  const remaps: Int32Array[] = [];
  let o = 0;
  for (const p of parts) {
    const remap = Int32Array.from(p.values, (v) => dict.id(v));
    remaps.push(remap);
    for (let i = 0; i < p.ids.length; i++) ids[o + i] = remap[p.ids[i]];
    o += p.ids.length;
  }
  return { values: dict.values, index: dict.index, ids, remaps };
}

function mergeMulti(parts: MultiField[], n: number): MultiField {
  const dict = new Dict();
  let total = 0;
  for (const p of parts) total += p.ids.length;
  const start = new Int32Array(n + 1);
  const ids = new Int32Array(total);
  let d = 0;
  let o = 0;
  for (const p of parts) {
    const remap = p.values.map((v) => dict.id(v));
    const docs = p.start.length - 1;
    for (let i = 0; i < docs; i++) start[d + i] = o + p.start[i];
    for (let i = 0; i < p.ids.length; i++) ids[o + i] = remap[p.ids[i]];
    d += docs;
    o += p.ids.length;
  }
  start[n] = o;
  return { values: dict.values, index: dict.index, start, ids };
}

// ---------------------------------------------------------------------------------------------
// Snapshot: all segments under global doc numbers

class Snapshot {
  readonly segByExchange = new Map<string, number>();
  readonly offsets: Int32Array;
  readonly n: number;
  readonly totalLen: number;
  readonly records: DatasetRecord[] = [];
  readonly docLen: Float64Array;
  readonly updatedMs: Float64Array;
  readonly price: Float64Array;
  readonly levelRank: Uint8Array;
  readonly grade: Int32Array;
  readonly pii: Uint8Array;
  readonly segIdx: Uint16Array;
  readonly productType: SingleField;
  /** Global provider ids; remaps[s] maps segment s's local provider ids onto them. */
  readonly provider: SingleField & { remaps: Int32Array[] };
  readonly sectors: MultiField;
  readonly scenarios: MultiField;
  /** Per global provider id: the name on its most recently updated listing (companies rename). */
  readonly providerNames: string[];
  // Lazily filled per clearance; a snapshot is immutable, so these never go stale.
  private readonly visCache = new Map<string, Visibility>();
  private readonly provCache = new Map<string, ProviderStats>();
  /** Unfiltered term-set matches and scores by term set and statistics (keptMatches), least recently used first. */
  private readonly textMatchCache = new Map<string, ScoredDocs>();
  /** Matches held by textMatchCache. */
  private textMatchDocs = 0;

  readonly segments: Segment[];
  readonly version: number;

  constructor(segments: Segment[], version: number) {
    this.segments = segments;
    this.version = version;
    const S = segments.length;
    this.offsets = new Int32Array(S + 1);
    let n = 0;
    let totalLen = 0;
    segments.forEach((s, i) => {
      this.segByExchange.set(s.exchange, i);
      this.offsets[i] = n;
      n += s.records.length;
      totalLen += s.totalLen;
    });
    this.offsets[S] = n;
    this.n = n;
    this.totalLen = totalLen;
    this.docLen = new Float64Array(n);
    this.updatedMs = new Float64Array(n);
    this.price = new Float64Array(n);
    this.levelRank = new Uint8Array(n);
    this.grade = new Int32Array(n);
    this.pii = new Uint8Array(n);
    this.segIdx = new Uint16Array(n);
    segments.forEach((s, i) => {
      const o = this.offsets[i];
      for (const r of s.records) this.records.push(r);
      this.docLen.set(s.docLen, o);
      this.updatedMs.set(s.updatedMs, o);
      this.price.set(s.price, o);
      this.levelRank.set(s.levelRank, o);
      this.grade.set(s.grade, o);
      this.pii.set(s.pii, o);
      this.segIdx.fill(i, o, o + s.records.length);
    });
    this.productType = mergeSingle(
      segments.map((s) => s.productType),
      n,
    );
    this.provider = mergeSingle(
      segments.map((s) => s.provider),
      n,
    );
    this.sectors = mergeMulti(
      segments.map((s) => s.sectors),
      n,
    );
    this.scenarios = mergeMulti(
      segments.map((s) => s.scenarios),
      n,
    );

    // No cross-segment sort here: key orders stay per segment and a query merges one page's
    // worth from each, so a replace costs the harvested exchange's work plus linear copies.
    const P = this.provider.values.length;
    this.providerNames = new Array<string>(P).fill('');
    const best = new Int32Array(P).fill(-1);
    segments.forEach((s, si) => {
      const remap = this.provider.remaps[si];
      for (let lp = 0; lp < s.providerBest.length; lp++) {
        if (s.providerBest[lp] < 0) continue; // a code no listing uses any more (patched segment)
        const g = this.offsets[si] + s.providerBest[lp];
        const p = remap[lp];
        const b = best[p];
        // Same rule as within a segment: newest wins, then the smaller id.
        if (b < 0 || this.updatedMs[g] > this.updatedMs[b] || (this.updatedMs[g] === this.updatedMs[b] && this.records[g].id < this.records[b].id)) {
          best[p] = g;
        }
      }
    });
    for (let p = 0; p < P; p++) if (best[p] >= 0) this.providerNames[p] = this.records[best[p]].providerName ?? '';
  }

  /** Global provider ids whose name (on any exchange) has all tokens. */
  providersByName(tokens: string[]): Set<number> {
    const out = new Set<number>();
    if (tokens.length === 0) return out;
    this.segments.forEach((s, si) => {
      const lists: Int32Array[] = [];
      for (const t of tokens) {
        const l = s.providerText.get(t);
        if (!l) return;
        lists.push(l);
      }
      const remap = this.provider.remaps[si];
      for (const lp of intersectAll(lists)) out.add(remap[lp]);
    });
    return out;
  }

  locate(id: string): number {
    const colon = id.indexOf(':');
    const si = colon > 0 ? this.segByExchange.get(id.slice(0, colon)) : undefined;
    if (si !== undefined) {
      const d = this.segments[si].byId.get(id);
      if (d !== undefined) return this.offsets[si] + d;
    }
    // Ids normally start with their exchange; tolerate ones that do not.
    for (let i = 0; i < this.segments.length; i++) {
      if (i === si) continue;
      const d = this.segments[i].byId.get(id);
      if (d !== undefined) return this.offsets[i] + d;
    }
    return -1;
  }

  visibility(c: NormClearance | null): Visibility {
    const key = c?.key ?? 'all';
    let v = this.visCache.get(key);
    if (v) return v;
    if (!c) {
      v = { key, mask: null, n: this.n, totalLen: this.totalLen };
    } else {
      const mask = new Uint8Array(this.n);
      let count = 0;
      let totalLen = 0;
      for (let g = 0; g < this.n; g++) {
        if (visibleBy(this.levelRank[g], this.grade[g], c)) {
          mask[g] = 1;
          count++;
          totalLen += this.docLen[g];
        }
      }
      v = count === this.n ? { key, mask: null, n: this.n, totalLen: this.totalLen } : { key, mask, n: count, totalLen };
    }
    this.visCache.set(key, v);
    return v;
  }

  /**
   * `compute()`'s answer for `key`, kept while it is among the TEXT_MATCHES_KEPT most recently
   * used and all kept hold at most TEXT_MATCHES_KEPT_DOCS matches (one larger is not kept).
   */
  keptMatches(key: string, compute: () => ScoredDocs): ScoredDocs {
    const cache = this.textMatchCache;
    let kept = cache.get(key);
    if (kept) {
      cache.delete(key); // most recently used last
      cache.set(key, kept);
      return kept;
    }
    kept = compute();
    const size = kept.docs.length;
    if (size > TEXT_MATCHES_KEPT_DOCS) return kept;
    for (const [oldest, old] of cache) {
      if (cache.size < TEXT_MATCHES_KEPT && this.textMatchDocs + size <= TEXT_MATCHES_KEPT_DOCS) break;
      cache.delete(oldest);
      this.textMatchDocs -= old.docs.length;
    }
    cache.set(key, kept);
    this.textMatchDocs += size;
    return kept;
  }

  providerStats(vis: Visibility): ProviderStats {
    let st = this.provCache.get(vis.key);
    if (st) return st;
    const S = this.segments.length;
    const P = this.provider.values.length;
    const perExchange = new Int32Array(P * S);
    const total = new Int32Array(P);
    const exchangeCount = new Int32Array(P);
    for (let g = 0; g < this.n; g++) {
      if (vis.mask && !vis.mask[g]) continue;
      const p = this.provider.ids[g];
      const cell = p * S + this.segIdx[g];
      if (perExchange[cell]++ === 0) exchangeCount[p]++;
      total[p]++;
    }
    st = { perExchange, total, exchangeCount };
    this.provCache.set(vis.key, st);
    return st;
  }
}

// ---------------------------------------------------------------------------------------------
// Query pieces

function compileFilter(s: Snapshot, f: NormFilter, vis: Uint8Array | null): (g: number) => boolean {
  const maskOf = (values: string[] | null, index: Map<string, number>, size: number): Uint8Array | null => {
    if (!values) return null;
    const m = new Uint8Array(size);
    for (const v of values) {
      const i = index.get(v);
      if (i !== undefined) m[i] = 1;
    }
    return m;
  };
  const exMask = maskOf(f.exchanges, s.segByExchange, s.segments.length);
  const ptMask = maskOf(f.productTypes, s.productType.index, s.productType.values.length);
  const lvMask = maskOf(f.levels, new Map(DATA_LEVELS.map((l, i) => [l as string, i])), DATA_LEVELS.length);
  const provMask = maskOf(f.providers, s.provider.index, s.provider.values.length);
  const secMask = maskOf(f.sectors, s.sectors.index, s.sectors.values.length);
  const scMask = maskOf(f.scenarios, s.scenarios.index, s.scenarios.values.length);
  const since = f.updatedSince;
  const maxPrice = f.maxPriceFen;
  const pii = f.containsPersonalInfo === null ? -1 : f.containsPersonalInfo ? 1 : 0;
  const anyIn = (field: MultiField, mask: Uint8Array, g: number): boolean => {
    for (let i = field.start[g]; i < field.start[g + 1]; i++) if (mask[field.ids[i]]) return true;
    return false;
  };
  return (g: number): boolean => {
    if (vis && !vis[g]) return false;
    if (exMask && !exMask[s.segIdx[g]]) return false;
    if (ptMask && !ptMask[s.productType.ids[g]]) return false;
    if (lvMask && !lvMask[s.levelRank[g]]) return false;
    if (since !== null && !(s.updatedMs[g] >= since)) return false;
    if (maxPrice !== null && !(s.price[g] <= maxPrice)) return false; // NaN (no price) fails
    if (pii >= 0 && s.pii[g] !== pii) return false;
    if (provMask && !provMask[s.provider.ids[g]]) return false;
    if (secMask && !anyIn(s.sectors, secMask, g)) return false;
    if (scMask && !anyIn(s.scenarios, scMask, g)) return false;
    return true;
  };
}

/**
 * Scoring statistics [N, avgdl, df...] over the caller's *visible* corpus, so neither scores
 * nor cursors reveal how many hidden records contain a term.
 */
function corpusStats(s: Snapshot, tokens: string[], vis: Visibility): number[] {
  const st = [vis.n, vis.n > 0 ? vis.totalLen / vis.n : 0];
  for (const t of tokens) {
    let df = 0;
    for (let si = 0; si < s.segments.length; si++) {
      const p = s.segments[si].postings.get(t);
      if (!p) continue;
      if (!vis.mask) {
        df += p.docs.length;
      } else {
        const off = s.offsets[si];
        for (let i = 0; i < p.docs.length; i++) df += vis.mask[off + p.docs[i]];
      }
    }
    st.push(df);
  }
  return st;
}

/** AND of all tokens, BM25-scored, of the docs `pred` accepts (all without one). Returns matches in ascending global doc order. */
function scoredMatches(s: Snapshot, tokens: string[], stats: number[], pred: ((g: number) => boolean) | null): ScoredDocs {
  const T = tokens.length;
  const N = stats[0];
  const avgdl = stats[1] > 0 ? stats[1] : 1;
  const idf = tokens.map((_, t) => {
    const df = stats[2 + t];
    return Math.log(1 + (N - df + 0.5) / (df + 0.5));
  });
  const docs: number[] = [];
  const scores: number[] = [];
  const ptr = new Int32Array(T);
  for (let si = 0; si < s.segments.length; si++) {
    const seg = s.segments[si];
    const lists: Postings[] = [];
    for (const t of tokens) {
      const p = seg.postings.get(t);
      if (!p) break;
      lists.push(p);
    }
    if (lists.length < T) continue;
    const byLen = lists.map((_, i) => i).sort((a, b) => lists[a].docs.length - lists[b].docs.length);
    const lead = lists[byLen[0]].docs;
    ptr.fill(0);
    const off = s.offsets[si];
    outer: for (let i = 0; i < lead.length; i++) {
      const d = lead[i];
      ptr[byLen[0]] = i;
      for (let j = 1; j < T; j++) {
        const t = byLen[j];
        const arr = lists[t].docs;
        const p = gallop(arr, ptr[t], d);
        ptr[t] = p;
        if (p >= arr.length) break outer;
        if (arr[p] !== d) continue outer;
      }
      const g = off + d;
      if (pred && !pred(g)) continue;
      const norm = K1 * (1 - B + (B * seg.docLen[d]) / avgdl);
      let score = 0;
      // Summed in canonical token order so a doc's score is bit-identical on every page.
      for (let t = 0; t < T; t++) {
        const f = lists[t].tf[ptr[t]];
        score += (idf[t] * (f * (K1 + 1))) / (f + norm);
      }
      docs.push(g);
      scores.push(score);
    }
  }
  return { docs: Int32Array.from(docs), scores: Float64Array.from(scores) };
}

/** Docs in ascending global order with their BM25 scores. */
interface ScoredDocs {
  docs: Int32Array;
  scores: Float64Array;
}

const TEXT_MATCHES_KEPT = 64;
/** At most this many matches kept per snapshot in all (12 bytes each: about 24 MB). */
const TEXT_MATCHES_KEPT_DOCS = 2_000_000;

/**
 * textMatches over the statistics of the visible corpus (page 1 of any order; later pages of a
 * relevance order carry page 1's statistics in their cursor and are scored afresh, uncached, so
 * crafted cursors cannot churn the cache). Searches repeat their terms far more often than their
 * filters: the unfiltered matches of a term set and their scores are kept per snapshot
 * (immutable, so they never go stale), the most recently used first to stay, and filtered here:
 * the same docs with bit-identical scores as scoring only the accepted ones, the caller's
 * visibility applied by `pred` as before. A miss scores every match of the terms, not only the
 * accepted ones.
 */
function textMatches(s: Snapshot, tokens: string[], stats: number[], pred: (g: number) => boolean, fromCursor: boolean): ScoredDocs {
  if (fromCursor) return scoredMatches(s, tokens, stats, pred);
  const all = s.keptMatches(`${tokens.join('\u0000')}\u0001${stats.join(',')}`, () => scoredMatches(s, tokens, stats, null));
  const docs = new Int32Array(all.docs.length);
  const scores = new Float64Array(all.docs.length);
  let n = 0;
  for (let i = 0; i < all.docs.length; i++) {
    const g = all.docs[i];
    if (!pred(g)) continue;
    docs[n] = g;
    scores[n++] = all.scores[i];
  }
  return { docs: docs.subarray(0, n), scores: scores.subarray(0, n) };
}

function facetBuckets(values: readonly string[], counts: Int32Array, limit = Infinity): FacetBucket[] {
  const out: FacetBucket[] = [];
  for (let i = 0; i < counts.length; i++) if (counts[i] > 0) out.push({ value: values[i], count: counts[i] });
  out.sort((a, b) => b.count - a.count || cmpId(a.value, b.value));
  return out.length > limit ? out.slice(0, limit) : out;
}

/**
 * The facets of `docs` (ascending global doc numbers), each counted on first read: a page that
 * asks for two of the five (the search page: exchanges and sectors) pays for those two. The
 * getters are own enumerable properties, so the object reads, compares and serialises as a
 * plain one.
 */
function computeFacets(s: Snapshot, docs: Int32Array): Facets {
  const once = <T>(count: () => T): (() => T) => {
    let value: T | undefined;
    return () => (value ??= count());
  };
  const exchanges = once(() => {
    // Segments are contiguous ranges of doc numbers and docs ascend: count each range's members.
    const ex = new Int32Array(s.segments.length);
    let i = 0;
    for (let si = 0; si < s.segments.length; si++) {
      const end = s.offsets[si + 1];
      const from = i;
      while (i < docs.length && docs[i] < end) i++;
      ex[si] = i - from;
    }
    return facetBuckets(
      s.segments.map((x) => x.exchange),
      ex,
    );
  });
  const perDoc = (ids: Uint8Array | Uint16Array | Int32Array, values: readonly string[]) =>
    once(() => {
      const counts = new Int32Array(values.length);
      for (let i = 0; i < docs.length; i++) counts[ids[docs[i]]]++;
      return facetBuckets(values, counts);
    });
  const multi = (dict: { start: Int32Array | Uint32Array; ids: Int32Array | Uint16Array | Uint32Array; values: string[] }, limit?: number) =>
    once(() => {
      const counts = new Int32Array(dict.values.length);
      const { start, ids } = dict;
      for (let i = 0; i < docs.length; i++) {
        const g = docs[i];
        for (let j = start[g]; j < start[g + 1]; j++) counts[ids[j]]++;
      }
      return facetBuckets(dict.values, counts, limit);
    });
  const productTypes = perDoc(s.productType.ids, s.productType.values);
  const levels = perDoc(s.levelRank, DATA_LEVELS);
  const sectors = multi(s.sectors);
  const scenarios = multi(s.scenarios, FACET_SCENARIO_LIMIT);
  return {
    get exchanges() {
      return exchanges();
    },
    get sectors() {
      return sectors();
    },
    get productTypes() {
      return productTypes();
    },
    get levels() {
      return levels();
    },
    get scenarios() {
      return scenarios();
    },
  };
}

function keyValues(order: KeyOrder, s: Snapshot, g: number): (number | string | null)[] {
  switch (order) {
    case 'UPDATED_DESC':
      return [s.updatedMs[g]];
    case 'PRICE_ASC':
    case 'PRICE_DESC':
      return [Number.isNaN(s.price[g]) ? null : s.price[g]];
    case 'TITLE_ASC':
      return [s.records[g].title];
  }
}

interface CursorKey {
  upd: number;
  price: number;
  title: string;
  id: string;
}

function parseKeyCursor(order: KeyOrder, c: CursorPayload): CursorKey {
  const bad = (): never => {
    throw new InvalidCursorError('invalid cursor: malformed');
  };
  if (c.k.length !== 1 || c.st !== undefined) bad();
  const v = c.k[0];
  const key: CursorKey = { upd: 0, price: NaN, title: '', id: c.id };
  switch (order) {
    case 'UPDATED_DESC':
      if (typeof v !== 'number') bad();
      key.upd = v as number;
      break;
    case 'PRICE_ASC':
    case 'PRICE_DESC':
      if (v !== null && typeof v !== 'number') bad();
      key.price = v === null ? NaN : (v as number);
      break;
    case 'TITLE_ASC':
      if (typeof v !== 'string') bad();
      key.title = v as string;
      break;
  }
  return key;
}

/**
 * One page of `docs` (ascending global doc numbers) in a key order, after the cursor key.
 * Each segment is already sorted: find the cursor's position in it, take that segment's first
 * `first` members after it, then merge those short lists. Also counts the rows after the cursor.
 */
function keyOrderPage(snap: Snapshot, order: KeyOrder, docs: Int32Array, key: CursorKey | null, first: number): { page: number[]; qualifying: number } {
  let qualifying = 0;
  const candidates: number[] = [];
  let lo = 0;
  for (let si = 0; si < snap.segments.length; si++) {
    const seg = snap.segments[si];
    const off = snap.offsets[si];
    const end = snap.offsets[si + 1];
    let hi = lo;
    while (hi < docs.length && docs[hi] < end) hi++;
    const m = hi - lo;
    const from = lo;
    lo = hi;
    if (m === 0) continue;
    const sorted = seg.sorted[order];
    const rank = seg.rank[order];
    const n = sorted.length;
    // Everything from position p of this segment's order comes after the cursor.
    let p = 0;
    if (key) {
      let a = 0;
      let b = n;
      while (a < b) {
        const mid = (a + b) >>> 1;
        const d = sorted[mid];
        const c = compareKeys(order, seg.updatedMs[d], seg.price[d], seg.records[d].title, seg.records[d].id, key.upd, key.price, key.title, key.id);
        if (c <= 0) a = mid + 1;
        else b = mid;
      }
      p = a;
    }
    if (m * 8 > n) {
      // Dense: mark members and walk the segment's order.
      const member = new Uint8Array(n);
      for (let i = from; i < hi; i++) {
        const d = docs[i] - off;
        if (rank[d] >= p) {
          member[d] = 1;
          qualifying++;
        }
      }
      let taken = 0;
      for (let r = p; r < n && taken < first; r++) {
        if (member[sorted[r]]) {
          candidates.push(off + sorted[r]);
          taken++;
        }
      }
    } else {
      const { top, accepted } = selectTop(
        m,
        first,
        (i) => rank[docs[from + i] - off] >= p,
        (x, y) => rank[docs[from + x] - off] - rank[docs[from + y] - off],
      );
      qualifying += accepted;
      for (const i of top) candidates.push(docs[from + i]);
    }
  }
  if (snap.segments.length > 1) candidates.sort(docComparator(order, snap.updatedMs, snap.price, snap.records));
  return { page: candidates.slice(0, first), qualifying };
}

// ---------------------------------------------------------------------------------------------
// The index

export class DatasetIndex {
  private snap: Snapshot = new Snapshot([], 0);

  /** Bumped whenever a replace changes anything; usable as a cache generation. */
  get version(): number {
    return this.snap.version;
  }

  /** All records, visible or not. */
  get size(): number {
    return this.snap.n;
  }

  /** Exchanges that have been harvested at least once, sorted. */
  get exchanges(): string[] {
    return this.snap.segments.map((s) => s.exchange);
  }

  /**
   * Swaps in one exchange's complete harvest (duplicate ids: the last one wins) and returns
   * the diff against its previous harvest. Builds the new segment and snapshot off to the
   * side and publishes them with one assignment; an unchanged harvest rebuilds nothing.
   * Records are kept by reference: do not mutate them afterwards.
   */
  replaceExchange(exchange: string, records: readonly DatasetRecord[]): ReplaceResult {
    if (typeof exchange !== 'string' || exchange === '') throw new TypeError('exchange must be a non-empty string');
    const incoming = new Map<string, DatasetRecord>();
    for (const r of records) {
      if (r.exchange !== exchange) throw new TypeError(`record ${r.id} belongs to ${r.exchange}, not ${exchange}`);
      incoming.set(r.id, r);
    }
    const snap = this.snap;
    const si = snap.segByExchange.get(exchange);
    const old = si === undefined ? undefined : snap.segments[si];
    const added: string[] = [];
    const changed: string[] = [];
    const removed: string[] = [];
    for (const [id, r] of incoming) {
      const d = old?.byId.get(id);
      if (d === undefined) added.push(id);
      else if (!deepEqual(old!.records[d], r)) changed.push(id);
    }
    if (old) for (const r of old.records) if (!incoming.has(r.id)) removed.push(r.id);
    added.sort(cmpId);
    changed.sort(cmpId);
    removed.sort(cmpId);
    if (old && added.length === 0 && changed.length === 0 && removed.length === 0) return { added, changed, removed };

    const diff = { added, changed, removed };
    // A routine re-harvest changes a handful of listings: patch the old segment then.
    const segment = old && shouldPatch(old, diff) ? updateSegment(old, incoming, diff) : buildSegment(exchange, [...incoming.values()]);
    const segments = snap.segments.filter((s) => s.exchange !== exchange);
    segments.push(segment);
    segments.sort((a, b) => cmpId(a.exchange, b.exchange));
    this.snap = new Snapshot(segments, snap.version + 1);
    return { added, changed, removed };
  }

  /** The record, or undefined when unknown or (with a clearance) hidden from the caller. */
  get(id: string, clearance?: Clearance | null): DatasetRecord | undefined {
    const snap = this.snap;
    const c = normalizeClearance(clearance);
    const g = snap.locate(id);
    if (g < 0) return undefined;
    if (c && !visibleBy(snap.levelRank[g], snap.grade[g], c)) return undefined;
    return snap.records[g];
  }

  /** In request order, undefined for unknown or hidden ids (DataLoader-shaped). */
  getMany(ids: readonly string[], clearance?: Clearance | null): (DatasetRecord | undefined)[] {
    const snap = this.snap;
    const c = normalizeClearance(clearance);
    return ids.map((id) => {
      const g = snap.locate(id);
      if (g < 0) return undefined;
      if (c && !visibleBy(snap.levelRank[g], snap.grade[g], c)) return undefined;
      return snap.records[g];
    });
  }

  /** Records per exchange (visible ones, with a clearance). */
  countByExchange(clearance?: Clearance | null): Record<string, number> {
    const snap = this.snap;
    const vis = snap.visibility(normalizeClearance(clearance));
    const out: Record<string, number> = {};
    snap.segments.forEach((s, i) => {
      let count = s.records.length;
      if (vis.mask) {
        count = 0;
        for (let g = snap.offsets[i]; g < snap.offsets[i + 1]; g++) count += vis.mask[g];
      }
      out[s.exchange] = count;
    });
    return out;
  }

  /** Distinct providers with (visible) records per exchange. */
  providerCountByExchange(clearance?: Clearance | null): Record<string, number> {
    const snap = this.snap;
    const st = snap.providerStats(snap.visibility(normalizeClearance(clearance)));
    const S = snap.segments.length;
    const out: Record<string, number> = {};
    snap.segments.forEach((s, i) => {
      let count = 0;
      for (let p = 0; p < snap.provider.values.length; p++) {
        if (snap.provider.values[p] !== '' && st.perExchange[p * S + i] > 0) count++;
      }
      out[s.exchange] = count;
    });
    return out;
  }

  search(params: SearchParams = {}): DatasetConnection {
    const snap = this.snap; // one snapshot for the whole query
    const first = validateFirst(params.first);
    const orderBy = params.orderBy ?? 'RELEVANCE';
    if (!DATASET_ORDERS.includes(orderBy)) throw new SearchInputError(`orderBy must be one of ${DATASET_ORDERS.join(', ')}`);
    const clearance = normalizeClearance(params.clearance);
    const text = validateText(params.text);
    const hasText = text.trim() !== '';
    const tokens = hasText ? queryTokens(text) : [];
    if (tokens.length > MAX_QUERY_TOKENS) throw new SearchInputError('text has too many terms');
    const filter = normalizeFilter(params.filter);
    const fp = fingerprintOf(['search', hasText, tokens, filter, orderBy, clearance?.key ?? 'all']);
    const cursor = params.after != null ? decodeCursor(params.after, fp) : null;

    const vis = snap.visibility(clearance);
    const pred = compileFilter(snap, filter, vis.mask);
    const relevance = orderBy === 'RELEVANCE' && hasText;

    // Relevance cursors carry the statistics page 1 was scored with: scores of unchanged
    // records then stay bit-identical across pages even if the corpus changed in between.
    let stats: number[] = [];
    let docs: Int32Array;
    let scores: Float64Array | null = null;
    if (hasText) {
      if (cursor && relevance) {
        if (!cursor.st || cursor.st.length !== 2 + tokens.length) throw new InvalidCursorError('invalid cursor: malformed');
        stats = cursor.st;
      } else {
        stats = corpusStats(snap, tokens, vis);
      }
      if (tokens.length === 0) {
        docs = new Int32Array(0); // text without searchable terms ("!!", "the") matches nothing
        scores = new Float64Array(0);
      } else {
        ({ docs, scores } = textMatches(snap, tokens, stats, pred, cursor !== null && relevance));
      }
    } else {
      const out: number[] = [];
      for (let g = 0; g < snap.n; g++) if (pred(g)) out.push(g);
      docs = Int32Array.from(out);
    }
    const M = docs.length;
    const facets = computeFacets(snap, docs);

    const edges: DatasetEdge[] = [];
    let qualifying: number;
    if (relevance) {
      const sc = scores!;
      const upd = snap.updatedMs;
      const recs = snap.records;
      let ck: { score: number; upd: number; id: string } | null = null;
      if (cursor) {
        const [s0, u0] = cursor.k;
        if (cursor.k.length !== 2 || typeof s0 !== 'number' || typeof u0 !== 'number') {
          throw new InvalidCursorError('invalid cursor: malformed');
        }
        ck = { score: s0, upd: u0, id: cursor.id };
      }
      const after = ck;
      const { top, accepted } = selectTop(M, first, after ? (i) => compareRelevance(sc[i], upd[docs[i]], recs[docs[i]].id, after.score, after.upd, after.id) > 0 : () => true, (a, b) =>
        compareRelevance(sc[a], upd[docs[a]], recs[docs[a]].id, sc[b], upd[docs[b]], recs[docs[b]].id),
      );
      qualifying = accepted;
      for (const i of top) {
        const g = docs[i];
        edges.push({
          cursor: encodeCursor({ f: fp, k: [sc[i], upd[g]], id: recs[g].id, st: stats }),
          record: recs[g],
          score: sc[i],
        });
      }
    } else {
      const order: KeyOrder = orderBy === 'RELEVANCE' ? 'UPDATED_DESC' : orderBy;
      const key = cursor ? parseKeyCursor(order, cursor) : null;
      const picked = keyOrderPage(snap, order, docs, key, first);
      qualifying = picked.qualifying;
      const page = picked.page;
      for (const g of page) {
        let score = 0;
        if (scores) {
          // docs is ascending: binary search for the score of g.
          let lo = 0;
          let hi = M - 1;
          while (lo < hi) {
            const mid = (lo + hi) >>> 1;
            if (docs[mid] < g) lo = mid + 1;
            else hi = mid;
          }
          score = scores[lo];
        }
        edges.push({
          cursor: encodeCursor({ f: fp, k: keyValues(order, snap, g), id: snap.records[g].id }),
          record: snap.records[g],
          score,
        });
      }
    }

    return {
      totalCount: M,
      edges,
      pageInfo: pageInfo(
        edges.map((e) => e.cursor),
        qualifying > edges.length,
        M - qualifying > 0,
      ),
      facets,
    };
  }

  /** Providers aggregated from the (visible) records: datasetCount desc, then credit code. */
  providers(params: ProvidersParams = {}): ProviderConnection {
    const snap = this.snap;
    const first = validateFirst(params.first);
    const clearance = normalizeClearance(params.clearance);
    const text = validateText(params.text);
    const hasText = text.trim() !== '';
    const tokens = hasText ? queryTokens(text) : [];
    const code = hasText ? text.replace(/\s+/g, '').toUpperCase() : '';
    const exchange = params.exchange ?? null;
    const minExchanges = params.minExchanges ?? null;
    if (minExchanges !== null && (!Number.isInteger(minExchanges) || minExchanges < 0)) {
      throw new SearchInputError('minExchanges must be a non-negative integer');
    }
    const fp = fingerprintOf(['providers', hasText, tokens, code, exchange, minExchanges, clearance?.key ?? 'all']);
    const cursor = params.after != null ? decodeCursor(params.after, fp) : null;
    if (cursor && (cursor.k.length !== 1 || typeof cursor.k[0] !== 'number' || cursor.st !== undefined)) {
      throw new InvalidCursorError('invalid cursor: malformed');
    }

    const st = snap.providerStats(snap.visibility(clearance));
    const S = snap.segments.length;
    const P = snap.provider.values.length;
    const codes = snap.provider.values;
    let candidates: Iterable<number>;
    if (hasText) {
      const set = snap.providersByName(tokens);
      const byCode = snap.provider.index.get(code);
      if (byCode !== undefined) set.add(byCode);
      candidates = set;
    } else {
      candidates = Array.from({ length: P }, (_, i) => i);
    }
    const ei = exchange === null ? -1 : (snap.segByExchange.get(exchange) ?? -2);
    const matching: number[] = [];
    for (const p of candidates) {
      if (codes[p] === '' || st.total[p] === 0) continue;
      if (ei === -2 || (ei >= 0 && st.perExchange[p * S + ei] === 0)) continue;
      if (minExchanges !== null && st.exchangeCount[p] < minExchanges) continue;
      matching.push(p);
    }
    const cmp = (a: number, b: number): number => cmpNumAsc(st.total[b], st.total[a]) || cmpId(codes[a], codes[b]);
    const after = cursor ? { count: cursor.k[0] as number, code: cursor.id } : null;
    const { top, accepted } = selectTop(matching.length, first, after ? (i) => (cmpNumAsc(after.count, st.total[matching[i]]) || cmpId(codes[matching[i]], after.code)) > 0 : () => true, (a, b) =>
      cmp(matching[a], matching[b]),
    );
    const edges: ProviderEdge[] = top.map((i) => {
      const p = matching[i];
      return {
        cursor: encodeCursor({ f: fp, k: [st.total[p]], id: codes[p] }),
        node: this.summary(snap, st, p),
      };
    });
    return {
      totalCount: matching.length,
      edges,
      pageInfo: pageInfo(
        edges.map((e) => e.cursor),
        accepted > edges.length,
        matching.length - accepted > 0,
      ),
    };
  }

  /** One provider, or null when it has no (visible) records. */
  provider(creditCode: string, clearance?: Clearance | null): ProviderSummary | null {
    const snap = this.snap;
    const p = snap.provider.index.get(normCode(creditCode));
    if (p === undefined || normCode(creditCode) === '') return null;
    const st = snap.providerStats(snap.visibility(normalizeClearance(clearance)));
    return st.total[p] > 0 ? this.summary(snap, st, p) : null;
  }

  /** A provider's listings, newest first, in the same connection shape as search. */
  providerDatasets(creditCode: string, params: ProviderDatasetsParams = {}): DatasetConnection {
    return this.search({
      filter: { providers: [creditCode], exchanges: params.exchange != null ? [params.exchange] : null },
      orderBy: 'UPDATED_DESC',
      first: params.first,
      after: params.after,
      clearance: params.clearance,
    });
  }

  private summary(snap: Snapshot, st: ProviderStats, p: number): ProviderSummary {
    const S = snap.segments.length;
    const exchanges: string[] = [];
    for (let i = 0; i < S; i++) if (st.perExchange[p * S + i] > 0) exchanges.push(snap.segments[i].exchange);
    return { creditCode: snap.provider.values[p], name: snap.providerNames[p], exchanges, datasetCount: st.total[p] };
  }
}
