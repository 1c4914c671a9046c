// One exchange's listings, indexed: an inverted index over the text fields, per-doc attribute
// arrays, the docs pre-sorted for every key order, and a provider name index. Segments are
// immutable once built; a re-harvest produces a new one, either from scratch (buildSegment) or,
// when little changed, by patching the previous one (updateSegment), which re-analyses only the
// listings that changed and shares every untouched posting list with its predecessor.

import { DATA_LEVELS } from '../common/model.ts';
import type { DataLevel, DatasetRecord } from '../common/model.ts';
import { sectorByCode } from '../common/sectors.ts';
import { exactFenOf } from '../common/money.ts';
import { forEachIndexToken, forEachIndexTokenKey, tokenKeyToString } from './tokenize.ts';

export type KeyOrder = 'UPDATED_DESC' | 'PRICE_ASC' | 'PRICE_DESC' | 'TITLE_ASC';
export const KEY_ORDERS: readonly KeyOrder[] = ['UPDATED_DESC', 'PRICE_ASC', 'PRICE_DESC', 'TITLE_ASC'];

// numeric: "第2期" before "第10期"; zh sorts Han characters by pinyin.
export const collator = new Intl.Collator('zh', { numeric: true });

/** Grade of GENERAL data whose grade is unknown: above every real grade (fail closed). */
export const UNKNOWN_GRADE = 1_000_000;
/** updatedAt that does not parse sorts as the oldest (finite, so it survives JSON in cursors). */
export const MIN_TIME = -8.64e15;

/** Field weights: a hit in the title outweighs the same hit in the description. */
const BOOST = {
  title: 4,
  titleEn: 4,
  keywords: 2,
  scenarios: 1.5,
  providerName: 1.5,
  sectors: 1,
  description: 1,
} as const;

/** Patch a segment only while the change is small; otherwise a fresh build is as cheap. */
const PATCH_MIN_CHANGES = 64;
const PATCH_MAX_FRACTION = 0.25;
/** Rebuild after this many patches: drops dictionary entries no listing uses any more. */
const PATCH_MAX_GENERATIONS = 32;

export interface Postings {
  docs: Int32Array;
  /** Field-weighted term frequency, parallel to docs (weights are halves: exact in float32). */
  tf: Float32Array;
}

/** Single-valued string attribute: a dictionary id per doc. */
export interface SingleField {
  values: string[];
  index: Map<string, number>;
  ids: Int32Array;
}

/** Multi-valued string attribute, CSR: doc d has ids[start[d] .. start[d + 1]). */
export interface MultiField {
  values: string[];
  index: Map<string, number>;
  start: Int32Array;
  ids: Int32Array;
}

export interface Segment {
  exchange: string;
  records: DatasetRecord[];
  byId: Map<string, number>;
  postings: Map<string, Postings>;
  docLen: Float64Array;
  totalLen: number;
  updatedMs: Float64Array;
  /** NaN when there is no amount (negotiable or unknown). */
  price: Float64Array;
  levelRank: Uint8Array;
  grade: Int32Array;
  pii: Uint8Array;
  productType: SingleField;
  /** Normalised credit codes. */
  provider: SingleField;
  sectors: MultiField;
  scenarios: MultiField;
  /** Docs sorted by each key order, and each doc's position in that order. */
  sorted: Record<KeyOrder, Int32Array>;
  rank: Record<KeyOrder, Int32Array>;
  /** Per provider id: its most recently updated doc (its name represents the provider), or -1. */
  providerBest: Int32Array;
  /** Provider name tokens → ascending provider ids. */
  providerText: Map<string, Int32Array>;
  /** Patches since the last full build. */
  generation: number;
  /** Name → tokens, shared along a chain of patches (append-only, a pure function of the key). */
  nameTokens: Map<string, string[]>;
}

export interface SegmentDiff {
  added: readonly string[];
  changed: readonly string[];
  removed: readonly string[];
}

// ---------------------------------------------------------------------------------------------
// Per-doc values and comparisons

export function levelRankOf(level: string | undefined): number {
  const r = DATA_LEVELS.indexOf(level as DataLevel);
  return r < 0 ? DATA_LEVELS.length - 1 : r; // unknown level: treat as the most restricted
}

export function gradeOf(r: DatasetRecord): number {
  const g = r.classification?.grade;
  return typeof g === 'number' && Number.isFinite(g) ? g : UNKNOWN_GRADE;
}

function parseTime(s: string | null | undefined): number {
  const t = typeof s === 'string' ? Date.parse(s) : NaN;
  return Number.isFinite(t) ? t : MIN_TIME;
}

/**
 * The headline price's exact amount in fen (0.35 for "0.0035元/次", whose amountFen is 1): what
 * `maxPriceFen` filters and PRICE_ASC/PRICE_DESC sort on (subgraphs/common/money.ts). NaN = none.
 */
function priceOf(r: DatasetRecord): number {
  if (!r.headlinePrice || typeof r.headlinePrice.amountFen !== 'number' || !Number.isFinite(r.headlinePrice.amountFen)) return NaN;
  const exact = exactFenOf(r.headlinePrice);
  return exact !== null && Number.isFinite(exact) ? exact : NaN;
}

export function normCode(code: string | null | undefined): string {
  return typeof code === 'string' ? code.trim().toUpperCase() : '';
}

export function cmpId(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function cmpNumAsc(a: number, b: number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** NaN (no price) sorts last in both directions. */
function cmpPrice(a: number, b: number, desc: boolean): number {
  const an = Number.isNaN(a);
  const bn = Number.isNaN(b);
  if (an || bn) return an === bn ? 0 : an ? 1 : -1;
  return desc ? cmpNumAsc(b, a) : cmpNumAsc(a, b);
}

/** The one definition of every key order: for sorting, merging and positioning cursors. */
export function compareKeys(order: KeyOrder, upd1: number, price1: number, title1: string, id1: string, upd2: number, price2: number, title2: string, id2: string): number {
  let c: number;
  switch (order) {
    case 'UPDATED_DESC':
      c = cmpNumAsc(upd2, upd1);
      break;
    case 'PRICE_ASC':
      c = cmpPrice(price1, price2, false);
      break;
    case 'PRICE_DESC':
      c = cmpPrice(price1, price2, true);
      break;
    case 'TITLE_ASC':
      c = collator.compare(title1, title2);
      break;
  }
  return c !== 0 ? c : cmpId(id1, id2);
}

/** compareKeys over doc numbers, specialised per order (these run N log N times per build). */
export function docComparator(order: KeyOrder, upd: Float64Array, price: Float64Array, recs: readonly DatasetRecord[]) {
  switch (order) {
    case 'UPDATED_DESC':
      return (a: number, b: number): number => cmpNumAsc(upd[b], upd[a]) || cmpId(recs[a].id, recs[b].id);
    case 'PRICE_ASC':
      return (a: number, b: number): number => cmpPrice(price[a], price[b], false) || cmpId(recs[a].id, recs[b].id);
    case 'PRICE_DESC':
      return (a: number, b: number): number => cmpPrice(price[a], price[b], true) || cmpId(recs[a].id, recs[b].id);
    case 'TITLE_ASC':
      return (a: number, b: number): number => collator.compare(recs[a].title, recs[b].title) || cmpId(recs[a].id, recs[b].id);
  }
}

// ---------------------------------------------------------------------------------------------
// Building blocks

export class Dict {
  readonly values: string[];
  readonly index: Map<string, number>;
  constructor(from?: { values: string[]; index: Map<string, number> }) {
    this.values = from ? from.values.slice() : [];
    this.index = from ? new Map(from.index) : new Map();
  }
  id(v: string): number {
    let i = this.index.get(v);
    if (i === undefined) {
      i = this.values.length;
      this.values.push(v);
      this.index.set(v, i);
    }
    return i;
  }
}

/** Feeds a record's text fields with their weights, always in this order (tf sums depend on it). */
function feedFields(r: DatasetRecord, add: (text: string | null | undefined, w: number) => void, addRepeating: (text: string | null | undefined, w: number) => void): void {
  add(r.title, BOOST.title);
  add(r.titleEn, BOOST.titleEn);
  for (const k of r.keywords ?? []) addRepeating(k, BOOST.keywords);
  for (const x of r.scenarios ?? []) addRepeating(x, BOOST.scenarios);
  addRepeating(r.providerName, BOOST.providerName);
  for (const code of r.sectors ?? []) {
    const info = sectorByCode(code);
    if (info) {
      addRepeating(info.name, BOOST.sectors);
      addRepeating(info.nameEn, BOOST.sectors);
    }
  }
  add(r.description, BOOST.description);
}

/** Every token a record is indexed under (what patching must remove when it goes). */
function recordTokens(r: DatasetRecord): Set<string> {
  const out = new Set<string>();
  const add = (text: string | null | undefined): void => {
    if (text) forEachIndexTokenKey(text, (k) => out.add(tokenKeyToString(k)));
  };
  feedFields(r, add, add);
  return out;
}

/**
 * Accumulates postings for docs added in ascending order. Tokens are interned by key (numbers
 * for CJK, so no string per character), a per-token "last doc" replaces a per-doc term map, and
 * values that repeat across listings (provider names, scenarios, keywords, sector names) are
 * analysed once per build.
 */
class PostingsBuilder {
  private readonly keyId = new Map<number | string, number>();
  private readonly docs: number[][] = [];
  private readonly tfs: number[][] = [];
  private readonly last: number[] = [];
  private readonly memo = new Map<string, Int32Array>();
  private readonly scratch: number[] = [];
  private doc = 0;
  private weight = 1;
  private len = 0;

  private readonly intern = (key: number | string): number => {
    let id = this.keyId.get(key);
    if (id === undefined) {
      id = this.docs.length;
      this.keyId.set(key, id);
      this.docs.push([]);
      this.tfs.push([]);
      this.last.push(-1);
    }
    return id;
  };

  private bump(id: number): void {
    if (this.last[id] !== this.doc) {
      this.docs[id].push(this.doc);
      this.tfs[id].push(this.weight);
      this.last[id] = this.doc;
    } else {
      const a = this.tfs[id];
      a[a.length - 1] += this.weight;
    }
    this.len += this.weight;
  }

  private readonly emit = (key: number | string): void => this.bump(this.intern(key));
  private readonly collect = (key: number | string): void => void this.scratch.push(this.intern(key));

  private readonly add = (text: string | null | undefined, w: number): void => {
    if (!text) return;
    this.weight = w;
    forEachIndexTokenKey(text, this.emit);
  };

  private readonly addRepeating = (text: string | null | undefined, w: number): void => {
    if (!text) return;
    this.weight = w;
    let ids = this.memo.get(text);
    if (!ids) {
      this.scratch.length = 0;
      forEachIndexTokenKey(text, this.collect);
      ids = Int32Array.from(this.scratch);
      this.memo.set(text, ids);
    }
    for (let i = 0; i < ids.length; i++) this.bump(ids[i]);
  };

  /** Indexes doc `d` (callers go in ascending order); returns its weighted length. */
  addDoc(d: number, r: DatasetRecord): number {
    this.doc = d;
    this.len = 0;
    feedFields(r, this.add, this.addRepeating);
    return this.len;
  }

  *entries(): IterableIterator<[string, number[], number[]]> {
    for (const [key, id] of this.keyId) yield [tokenKeyToString(key), this.docs[id], this.tfs[id]];
  }
}

/** Per-doc attribute arrays of a segment under construction. */
interface Attrs {
  updatedMs: Float64Array;
  price: Float64Array;
  levelRank: Uint8Array;
  grade: Int32Array;
  pii: Uint8Array;
  ptIds: Int32Array;
  provIds: Int32Array;
}

function newAttrs(n: number, prev?: Segment): Attrs {
  const a: Attrs = {
    updatedMs: new Float64Array(n),
    price: new Float64Array(n),
    levelRank: new Uint8Array(n),
    grade: new Int32Array(n),
    pii: new Uint8Array(n),
    ptIds: new Int32Array(n),
    provIds: new Int32Array(n),
  };
  if (prev) {
    const m = Math.min(n, prev.records.length);
    a.updatedMs.set(prev.updatedMs.subarray(0, m));
    a.price.set(prev.price.subarray(0, m));
    a.levelRank.set(prev.levelRank.subarray(0, m));
    a.grade.set(prev.grade.subarray(0, m));
    a.pii.set(prev.pii.subarray(0, m));
    a.ptIds.set(prev.productType.ids.subarray(0, m));
    a.provIds.set(prev.provider.ids.subarray(0, m));
  }
  return a;
}

function setAttrs(a: Attrs, d: number, r: DatasetRecord, ptDict: Dict, provDict: Dict): void {
  a.updatedMs[d] = parseTime(r.updatedAt);
  a.price[d] = priceOf(r);
  a.levelRank[d] = levelRankOf(r.classification?.level);
  a.grade[d] = gradeOf(r);
  a.pii[d] = r.classification?.containsPersonalInfo ? 1 : 0;
  a.ptIds[d] = ptDict.id(r.productType);
  a.provIds[d] = provDict.id(normCode(r.providerCode));
}

const sectorValues = (r: DatasetRecord): Iterable<string> => new Set(r.sectors ?? []);
const scenarioValues = (r: DatasetRecord): Iterable<string> => new Set((r.scenarios ?? []).map((v) => v.trim()));

/**
 * A multi-valued field for n docs: docs marked in `fresh` take their values from the record,
 * the others (same doc number in `prev`) copy theirs, run by run.
 */
function buildMulti(records: readonly DatasetRecord[], values: (r: DatasetRecord) => Iterable<string>, prev: MultiField | null, fresh: Uint8Array | null): MultiField {
  const n = records.length;
  const dict = new Dict(prev ?? undefined);
  const start = new Int32Array(n + 1);
  if (!prev || !fresh) {
    const ids: number[] = [];
    for (let d = 0; d < n; d++) {
      start[d] = ids.length;
      for (const v of values(records[d])) ids.push(dict.id(v));
    }
    start[n] = ids.length;
    return { values: dict.values, index: dict.index, start, ids: Int32Array.from(ids) };
  }
  const freshIds = new Map<number, number[]>();
  let total = 0;
  for (let d = 0; d < n; d++) {
    if (fresh[d]) {
      const list = [...values(records[d])].map((v) => dict.id(v));
      freshIds.set(d, list);
      total += list.length;
    } else {
      total += prev.start[d + 1] - prev.start[d];
    }
  }
  const ids = new Int32Array(total);
  let o = 0;
  let d = 0;
  while (d < n) {
    if (fresh[d]) {
      start[d] = o;
      for (const id of freshIds.get(d)!) ids[o++] = id;
      d++;
      continue;
    }
    let e = d;
    while (e < n && !fresh[e]) e++;
    const base = prev.start[d];
    for (let x = d; x < e; x++) start[x] = o + prev.start[x] - base;
    ids.set(prev.ids.subarray(base, prev.start[e]), o);
    o += prev.start[e] - base;
    d = e;
  }
  start[n] = o;
  return { values: dict.values, index: dict.index, start, ids };
}

function ranksOf(sorted: Int32Array): Int32Array {
  const rank = new Int32Array(sorted.length);
  for (let i = 0; i < sorted.length; i++) rank[sorted[i]] = i;
  return rank;
}

/**
 * All docs sorted by `order`. Titles are collated once per distinct title (listings repeat
 * titles a lot), then docs sort by integer title rank: the collator is the slow part.
 */
function sortAll(order: KeyOrder, records: readonly DatasetRecord[], a: Attrs): Int32Array {
  const docs = Array.from({ length: records.length }, (_, i) => i);
  if (order !== 'TITLE_ASC') return Int32Array.from(docs.sort(docComparator(order, a.updatedMs, a.price, records)));
  const distinct = [...new Set(records.map((r) => r.title))].sort(collator.compare);
  const titleRank = new Map<string, number>();
  let r = 0;
  for (let i = 0; i < distinct.length; i++) {
    // Titles the collator calls equal share a rank, so the id decides, as in compareKeys.
    if (i > 0 && collator.compare(distinct[i - 1], distinct[i]) !== 0) r++;
    titleRank.set(distinct[i], r);
  }
  const rankOf = Int32Array.from(records, (x) => titleRank.get(x.title)!);
  return Int32Array.from(docs.sort((x, y) => rankOf[x] - rankOf[y] || cmpId(records[x].id, records[y].id)));
}

function lowerBound(arr: Int32Array, target: number, from: number): number {
  let lo = from;
  let hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (arr[mid] < target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * A posting list without the entries of gone docs and with the additions (ascending) merged
 * in; null when nothing is left. With few gone docs it finds them by binary search and block-
 * copies the rest (common tokens have lists as long as the segment); otherwise one linear pass.
 */
function patchPostings(old: Postings | undefined, gone: Uint8Array, goneSorted: readonly number[], addDocs: readonly number[], addTf: readonly number[]): Postings | null {
  const L = old ? old.docs.length : 0;
  const oldDocs = old ? old.docs : new Int32Array(0);
  const oldTf = old ? old.tf : new Float32Array(0);
  const sparse = goneSorted.length * (32 - Math.clz32(L + 1)) < L >>> 2;
  const rem: number[] = [];
  if (sparse) {
    let from = 0;
    for (const g of goneSorted) {
      const p = lowerBound(oldDocs, g, from);
      if (p < L && oldDocs[p] === g) rem.push(p);
      from = p;
    }
  } else {
    for (let i = 0; i < L; i++) if (gone[oldDocs[i]]) rem.push(i);
  }
  const total = L - rem.length + addDocs.length;
  if (total === 0) return null;
  const docs = new Int32Array(total);
  const tf = new Float32Array(total);
  let i = 0;
  let o = 0;
  let r = 0;
  let j = 0;
  while (i < L || j < addDocs.length) {
    const nextRemove = r < rem.length ? rem[r] : L;
    const nextAdd = j < addDocs.length ? lowerBound(oldDocs, addDocs[j], i) : L;
    const stop = Math.min(nextRemove, nextAdd);
    if (stop > i) {
      docs.set(oldDocs.subarray(i, stop), o);
      tf.set(oldTf.subarray(i, stop), o);
      o += stop - i;
      i = stop;
    }
    if (r < rem.length && rem[r] === i) {
      i++;
      r++;
    } else if (j < addDocs.length && nextAdd === i) {
      // A newcomer may reuse the slot number of a removed doc: the removal above went first.
      docs[o] = addDocs[j];
      tf[o++] = addTf[j++];
    }
  }
  return { docs, tf };
}

/** Inserts the ascending `small` list into the ascending `big` one (binary search per item). */
function insertSorted(big: Int32Array, small: readonly number[], cmp: (a: number, b: number) => number): Int32Array {
  const out = new Int32Array(big.length + small.length);
  let from = 0;
  let o = 0;
  for (const x of small) {
    let lo = from;
    let hi = big.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cmp(big[mid], x) <= 0) lo = mid + 1;
      else hi = mid;
    }
    out.set(big.subarray(from, lo), o);
    o += lo - from;
    out[o++] = x;
    from = lo;
  }
  out.set(big.subarray(from), o);
  return out;
}

/** Provider name tokens → ascending provider ids, over the providers that have a doc. */
function providerText(records: readonly DatasetRecord[], providerBest: Int32Array, nameTokens: Map<string, string[]>): Map<string, Int32Array> {
  const lists = new Map<string, number[]>();
  for (let p = 0; p < providerBest.length; p++) {
    if (providerBest[p] < 0) continue;
    const name = records[providerBest[p]].providerName ?? '';
    let tokens = nameTokens.get(name);
    if (!tokens) {
      const seen = new Set<string>();
      forEachIndexToken(name, (t) => seen.add(t));
      tokens = [...seen];
      nameTokens.set(name, tokens);
    }
    for (const t of tokens) {
      let list = lists.get(t);
      if (!list) lists.set(t, (list = []));
      list.push(p);
    }
  }
  const out = new Map<string, Int32Array>();
  for (const [t, list] of lists) out.set(t, Int32Array.from(list));
  return out;
}

/**
 * Each provider's most recently updated doc. With `affected` (and prev), only those providers
 * are recomputed; the others' docs kept their numbers, so their representative did too.
 */
function providerBestOf(records: readonly DatasetRecord[], a: Attrs, providerCount: number, prevBest?: Int32Array, affected?: Uint8Array): Int32Array {
  const best = new Int32Array(providerCount).fill(-1);
  if (prevBest && affected) {
    best.set(prevBest);
    for (let p = 0; p < providerCount; p++) if (affected[p]) best[p] = -1;
  }
  const newest = docComparator('UPDATED_DESC', a.updatedMs, a.price, records);
  for (let d = 0; d < records.length; d++) {
    const p = a.provIds[d];
    if (affected && !affected[p]) continue;
    if (best[p] < 0 || newest(d, best[p]) < 0) best[p] = d;
  }
  return best;
}

// ---------------------------------------------------------------------------------------------
// Full build and patch

/** Indexes an exchange's listings from scratch. */
export function buildSegment(exchange: string, records: DatasetRecord[]): Segment {
  const n = records.length;
  const ptDict = new Dict();
  const provDict = new Dict();
  const a = newAttrs(n);
  const byId = new Map<string, number>();
  const docLen = new Float64Array(n);
  const pb = new PostingsBuilder();
  let totalLen = 0;
  for (let d = 0; d < n; d++) {
    const r = records[d];
    byId.set(r.id, d);
    setAttrs(a, d, r, ptDict, provDict);
    docLen[d] = pb.addDoc(d, r);
    totalLen += docLen[d];
  }
  const postings = new Map<string, Postings>();
  for (const [t, docs, tf] of pb.entries()) postings.set(t, { docs: Int32Array.from(docs), tf: Float32Array.from(tf) });

  const sorted = {} as Record<KeyOrder, Int32Array>;
  const rank = {} as Record<KeyOrder, Int32Array>;
  for (const order of KEY_ORDERS) {
    sorted[order] = sortAll(order, records, a);
    rank[order] = ranksOf(sorted[order]);
  }
  const nameTokens = new Map<string, string[]>();
  const providerBest = providerBestOf(records, a, provDict.values.length);
  return {
    exchange,
    records,
    byId,
    postings,
    docLen,
    totalLen,
    updatedMs: a.updatedMs,
    price: a.price,
    levelRank: a.levelRank,
    grade: a.grade,
    pii: a.pii,
    productType: { values: ptDict.values, index: ptDict.index, ids: a.ptIds },
    provider: { values: provDict.values, index: provDict.index, ids: a.provIds },
    sectors: buildMulti(records, sectorValues, null, null),
    scenarios: buildMulti(records, scenarioValues, null, null),
    sorted,
    rank,
    providerBest,
    providerText: providerText(records, providerBest, nameTokens),
    generation: 0,
    nameTokens,
  };
}

/** Whether patching `prev` with this diff beats a full build. */
export function shouldPatch(prev: Segment, diff: SegmentDiff): boolean {
  const changes = diff.added.length + diff.changed.length + diff.removed.length;
  return prev.generation < PATCH_MAX_GENERATIONS && changes <= Math.max(PATCH_MIN_CHANGES, prev.records.length * PATCH_MAX_FRACTION);
}

/**
 * The segment for the next harvest, derived from `prev`. Unchanged docs keep their numbers;
 * the slots of removed and changed docs are refilled (new listings first, then the last docs
 * move down), so only the docs in touched slots are analysed and only the posting lists of
 * their tokens are rewritten. Everything else is shared with `prev` or copied flat.
 */
export function updateSegment(prev: Segment, incoming: ReadonlyMap<string, DatasetRecord>, diff: SegmentDiff): Segment {
  const oldN = prev.records.length;
  const freed = [...diff.removed, ...diff.changed].map((id) => prev.byId.get(id)!).sort((x, y) => x - y);
  const newcomers = [...diff.added, ...diff.changed].map((id) => incoming.get(id)!);
  const n = oldN - freed.length + newcomers.length;

  // Slot plan. oldGone: old slots whose content leaves its slot; placed: new slots with new content.
  const oldGone = new Uint8Array(oldN);
  for (const s of freed) oldGone[s] = 1;
  const records = prev.records.slice(0, Math.min(oldN, n));
  const holes = freed.filter((s) => s < n);
  const placed: number[] = [];
  let h = 0;
  for (let s = n; s < oldN; s++) {
    if (oldGone[s]) continue;
    const to = holes[h++]; // a live doc beyond the new end moves into a hole
    records[to] = prev.records[s];
    oldGone[s] = 1;
    placed.push(to);
  }
  let next = 0;
  for (; h < holes.length; h++) {
    records[holes[h]] = newcomers[next++];
    placed.push(holes[h]);
  }
  for (let s = oldN; s < n; s++) {
    records[s] = newcomers[next++];
    placed.push(s);
  }
  placed.sort((x, y) => x - y);
  const isPlaced = new Uint8Array(n);
  for (const s of placed) isPlaced[s] = 1;

  const byId = new Map(prev.byId);
  for (const id of diff.removed) byId.delete(id);
  for (const s of placed) byId.set(records[s].id, s);

  const ptDict = new Dict(prev.productType);
  const provDict = new Dict(prev.provider);
  const a = newAttrs(n, prev);
  for (const s of placed) setAttrs(a, s, records[s], ptDict, provDict);

  // Postings: tokens of the docs that left a slot lose those entries, tokens of the placed
  // docs gain theirs; every other posting list is shared.
  const docLen = new Float64Array(n);
  docLen.set(prev.docLen.subarray(0, Math.min(oldN, n)));
  let totalLen = prev.totalLen;
  const touched = new Set<string>();
  for (let s = 0; s < oldN; s++) {
    if (!oldGone[s]) continue;
    totalLen -= prev.docLen[s];
    for (const t of recordTokens(prev.records[s])) touched.add(t);
  }
  const pb = new PostingsBuilder();
  for (const s of placed) {
    docLen[s] = pb.addDoc(s, records[s]);
    totalLen += docLen[s];
  }
  const additions = new Map<string, [number[], number[]]>();
  for (const [t, docs, tf] of pb.entries()) {
    additions.set(t, [docs, tf]);
    touched.add(t);
  }
  const goneSorted: number[] = [];
  for (let x = 0; x < oldN; x++) if (oldGone[x]) goneSorted.push(x);
  const postings = new Map(prev.postings);
  for (const t of touched) {
    const [addDocs, addTf] = additions.get(t) ?? [[], []];
    const list = patchPostings(prev.postings.get(t), oldGone, goneSorted, addDocs, addTf);
    if (list) postings.set(t, list);
    else postings.delete(t);
  }

  // Orders: untouched docs keep their relative order; the placed ones are inserted.
  const sorted = {} as Record<KeyOrder, Int32Array>;
  const rank = {} as Record<KeyOrder, Int32Array>;
  for (const order of KEY_ORDERS) {
    const cmp = docComparator(order, a.updatedMs, a.price, records);
    const old = prev.sorted[order];
    const kept = new Int32Array(n - placed.length);
    let k = 0;
    for (let i = 0; i < old.length; i++) if (!oldGone[old[i]]) kept[k++] = old[i];
    sorted[order] = insertSorted(kept, [...placed].sort(cmp), cmp);
    rank[order] = ranksOf(sorted[order]);
  }

  // Providers: recompute the representative of those that lost or gained a doc; the name
  // index only changes when one of their names did.
  const P = provDict.values.length;
  const affected = new Uint8Array(P);
  for (let x = 0; x < oldN; x++) if (oldGone[x]) affected[prev.provider.ids[x]] = 1;
  for (const x of placed) affected[a.provIds[x]] = 1;
  const providerBest = providerBestOf(records, a, P, prev.providerBest, affected);
  let namesChanged = false;
  for (let p = 0; p < P && !namesChanged; p++) {
    if (!affected[p]) continue;
    const before = p < prev.providerBest.length && prev.providerBest[p] >= 0 ? prev.records[prev.providerBest[p]].providerName : null;
    const after = providerBest[p] >= 0 ? records[providerBest[p]].providerName : null;
    namesChanged = before !== after;
  }

  return {
    exchange: prev.exchange,
    records,
    byId,
    postings,
    docLen,
    totalLen,
    updatedMs: a.updatedMs,
    price: a.price,
    levelRank: a.levelRank,
    grade: a.grade,
    pii: a.pii,
    productType: { values: ptDict.values, index: ptDict.index, ids: a.ptIds },
    provider: { values: provDict.values, index: provDict.index, ids: a.provIds },
    sectors: buildMulti(records, sectorValues, prev.sectors, isPlaced),
    scenarios: buildMulti(records, scenarioValues, prev.scenarios, isPlaced),
    sorted,
    rank,
    providerBest,
    providerText: namesChanged ? providerText(records, providerBest, prev.nameTokens) : prev.providerText,
    generation: prev.generation + 1,
    nameTokens: prev.nameTokens,
  };
}
