// Brute-force reference implementations the index is checked against. Deliberately naive and
// independent of the code under test: visibility and text matching are re-implemented here from
// their specification (docs, tokenize.ts's header) instead of imported, so a bug in the
// product's tokenizer or visibility rule cannot hide by also being in the oracle.

import type { DatasetRecord } from '../../../subgraphs/common/model.ts';
import { sectorByCode } from '../../../subgraphs/common/sectors.ts';
import type { Clearance, DatasetFilter, DatasetOrder, Facets, FacetBucket } from '../../../subgraphs/catalog/search-index.ts';

const collator = new Intl.Collator('zh', { numeric: true });

// ───────────── visibility ─────────────

const LEVEL_RANK: Record<string, number> = { GENERAL: 0, IMPORTANT: 1, CORE: 2 };

/**
 * Level at most the clearance's, and GENERAL data at most its grade. An unknown level counts
 * as the most restricted one; a GENERAL listing without a grade is hidden from any caller
 * whose clearance names a grade (fail closed).
 */
export function visibleTo(r: DatasetRecord, c: Clearance | null | undefined): boolean {
  if (!c) return true;
  const level = r.classification?.level;
  const rank = level !== undefined && level in LEVEL_RANK ? LEVEL_RANK[level] : 2;
  if (rank > LEVEL_RANK[c.maxLevel]) return false;
  if (rank !== 0 || c.maxGrade === null || c.maxGrade === undefined) return true;
  const grade = r.classification?.grade;
  return typeof grade === 'number' && Number.isFinite(grade) && grade <= c.maxGrade;
}

// ───────────── text ─────────────

const STOPWORDS = new Set(['a', 'an', 'and', 'are', 'as', 'at', 'by', 'for', 'from', 'in', 'is', 'of', 'on', 'or', 'the', 'to', 'with']);
/** Chinese, Japanese and Korean characters (run into bigrams), by Unicode range. */
const CJK_CHAR = /^[\u4e00-\u9fff\u3400-\u4dbf\u{20000}-\u{3134f}\uf900-\ufaff\u3040-\u30ff\uac00-\ud7af\u3007]$/u;
const WORD_CHAR = /^[\p{L}\p{N}]$/u;

/** Full-width forms folded (NFKC), lower case. */
const fold = (text: string): string => text.normalize('NFKC').toLowerCase();

/** English plurals: "records" → "record", "companies" → "company", "taxes" → "tax"; "status", "analysis", "business" stay. */
function singular(word: string): string {
  if (word.length <= 3 || !word.endsWith('s') || /\d/.test(word)) return word;
  if (word.length > 4 && word.endsWith('ies')) return `${word.slice(0, -3)}y`;
  for (const ending of ['sses', 'xes', 'ches', 'shes', 'zes']) if (word.endsWith(ending)) return word.slice(0, -2);
  for (const ending of ['ss', 'us', 'is']) if (word.endsWith(ending)) return word;
  return word.slice(0, -1);
}

/** The text split into CJK runs and words (maximal runs of other letters and digits). */
function pieces(text: string): { runs: string[][]; words: string[] } {
  const runs: string[][] = [];
  const words: string[] = [];
  let kind: 'cjk' | 'word' | 'none' = 'none';
  for (const ch of Array.from(fold(text))) {
    const k = CJK_CHAR.test(ch) ? 'cjk' : WORD_CHAR.test(ch) ? 'word' : 'none';
    if (k === 'cjk') {
      if (kind !== 'cjk') runs.push([]);
      runs[runs.length - 1].push(ch);
    } else if (k === 'word') {
      if (kind !== 'word') words.push('');
      words[words.length - 1] += ch;
    }
    kind = k;
  }
  return { runs, words };
}

/** What a query asks for (all of it, AND): CJK bigrams (a lone character as itself) and singular words, stop words left out. */
function queryTerms(text: string): { cjk: string[]; words: string[] } {
  const { runs, words } = pieces(text);
  const cjk = runs.flatMap((run) => (run.length === 1 ? run : run.slice(1).map((ch, i) => run[i] + ch)));
  return { cjk, words: words.filter((w) => !STOPWORDS.has(w)).map(singular) };
}

export function textOf(r: DatasetRecord): string[] {
  const sectorNames = r.sectors.flatMap((c) => {
    const s = sectorByCode(c);
    return s ? [s.name, s.nameEn] : [];
  });
  return [r.title, r.titleEn ?? '', r.description ?? '', ...r.keywords, ...r.scenarios, r.providerName, ...sectorNames];
}

/**
 * Every term of the query occurs in one field of the record: a CJK term as a substring of the
 * field's CJK runs (adjacent CJK characters are always in one run), a word as a singular word
 * of the field. Words and runs never span fields.
 */
export function matchesText(r: DatasetRecord, text: string): boolean {
  if (text.trim() === '') return true;
  const terms = queryTerms(text);
  if (terms.cjk.length + terms.words.length === 0) return false;
  const fields = textOf(r).map(pieces);
  const inRuns = (term: string) => fields.some((f) => f.runs.some((run) => run.join('').includes(term)));
  const inWords = (term: string) => fields.some((f) => f.words.some((w) => !STOPWORDS.has(w) && singular(w) === term));
  return terms.cjk.every(inRuns) && terms.words.every(inWords);
}

export function matchesFilter(r: DatasetRecord, f: DatasetFilter = {}): boolean {
  const some = <T>(list: readonly T[] | null | undefined, ok: (v: T) => boolean): boolean => !list || list.length === 0 || list.some(ok);
  return (
    some(f.exchanges, (e) => r.exchange === e) &&
    some(f.sectors, (s) => r.sectors.includes(s)) &&
    some(f.scenarios, (s) => r.scenarios.includes(s)) &&
    some(f.productTypes, (p) => r.productType === p) &&
    some(f.levels, (l) => r.classification.level === l) &&
    some(f.providers, (p) => r.providerCode.toUpperCase() === p.toUpperCase()) &&
    (f.updatedSince == null || Date.parse(r.updatedAt) >= Date.parse(f.updatedSince)) &&
    (f.maxPriceFen == null || (r.headlinePrice?.amountFen != null && r.headlinePrice.amountFen <= Number(f.maxPriceFen))) &&
    (f.containsPersonalInfo == null || r.classification.containsPersonalInfo === f.containsPersonalInfo)
  );
}

export function expected(records: readonly DatasetRecord[], opts: { text?: string; filter?: DatasetFilter; clearance?: Clearance }): DatasetRecord[] {
  return records.filter((r) => visibleTo(r, opts.clearance) && matchesFilter(r, opts.filter) && matchesText(r, opts.text ?? ''));
}

const byId = (a: DatasetRecord, b: DatasetRecord): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
const price = (r: DatasetRecord): number | null => r.headlinePrice?.amountFen ?? null;

/** Reference order for the key orders (RELEVANCE without text = UPDATED_DESC). */
export function sortBy(records: readonly DatasetRecord[], order: Exclude<DatasetOrder, 'RELEVANCE'>): DatasetRecord[] {
  const cmp = (a: DatasetRecord, b: DatasetRecord): number => {
    switch (order) {
      case 'UPDATED_DESC':
        return Date.parse(b.updatedAt) - Date.parse(a.updatedAt) || byId(a, b);
      case 'TITLE_ASC':
        return collator.compare(a.title, b.title) || byId(a, b);
      case 'PRICE_ASC':
      case 'PRICE_DESC': {
        const pa = price(a);
        const pb = price(b);
        if (pa === null || pb === null) return pa === pb ? byId(a, b) : pa === null ? 1 : -1;
        return (order === 'PRICE_ASC' ? pa - pb : pb - pa) || byId(a, b);
      }
    }
  };
  return [...records].sort(cmp);
}

function buckets(counts: Map<string, number>, limit = Infinity): FacetBucket[] {
  return [...counts]
    .map(([value, count]) => ({ value, count }))
    .sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0))
    .slice(0, limit);
}

export function bruteFacets(records: readonly DatasetRecord[], scenarioLimit: number): Facets {
  const inc = (m: Map<string, number>, k: string): void => void m.set(k, (m.get(k) ?? 0) + 1);
  const ex = new Map<string, number>();
  const sec = new Map<string, number>();
  const pt = new Map<string, number>();
  const lv = new Map<string, number>();
  const sc = new Map<string, number>();
  for (const r of records) {
    inc(ex, r.exchange);
    for (const s of new Set(r.sectors)) inc(sec, s);
    inc(pt, r.productType);
    inc(lv, r.classification.level);
    for (const s of new Set(r.scenarios)) inc(sc, s);
  }
  return {
    exchanges: buckets(ex),
    sectors: buckets(sec),
    productTypes: buckets(pt),
    levels: buckets(lv),
    scenarios: buckets(sc, scenarioLimit),
  };
}
