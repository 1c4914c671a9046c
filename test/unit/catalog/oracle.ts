// Brute-force reference implementations the index is checked against.

import type { DatasetRecord } from '../../../subgraphs/common/model.ts';
import { sectorByCode } from '../../../subgraphs/common/sectors.ts';
import { isVisible } from '../../../subgraphs/catalog/search-index.ts';
import type { Clearance, DatasetFilter, DatasetOrder, Facets, FacetBucket } from '../../../subgraphs/catalog/search-index.ts';
import { indexTokens, queryTokens } from '../../../subgraphs/catalog/tokenize.ts';

const collator = new Intl.Collator('zh', { numeric: true });

export function textOf(r: DatasetRecord): string[] {
  const sectorNames = r.sectors.flatMap((c) => {
    const s = sectorByCode(c);
    return s ? [s.name, s.nameEn] : [];
  });
  return [r.title, r.titleEn ?? '', r.description ?? '', ...r.keywords, ...r.scenarios, r.providerName, ...sectorNames];
}

export function matchesText(r: DatasetRecord, text: string): boolean {
  if (text.trim() === '') return true;
  const tokens = queryTokens(text);
  if (tokens.length === 0) return false;
  const have = new Set(textOf(r).flatMap((t) => indexTokens(t)));
  return tokens.every((t) => have.has(t));
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

export function expected(
  records: readonly DatasetRecord[],
  opts: { text?: string; filter?: DatasetFilter; clearance?: Clearance },
): DatasetRecord[] {
  return records.filter(
    (r) => isVisible(r, opts.clearance) && matchesFilter(r, opts.filter) && matchesText(r, opts.text ?? ''),
  );
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
