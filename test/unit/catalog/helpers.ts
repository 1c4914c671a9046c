import type { DatasetRecord } from '../../../subgraphs/common/model.ts';
import { DatasetIndex } from '../../../subgraphs/catalog/search-index.ts';
import type { DatasetEdge, SearchParams } from '../../../subgraphs/catalog/search-index.ts';
import { byExchange } from './fixtures.ts';

export function indexOf(records: readonly DatasetRecord[]): DatasetIndex {
  const index = new DatasetIndex();
  for (const [exchange, list] of byExchange(records)) index.replaceExchange(exchange, list);
  return index;
}

/** Follows `after` until the end; `between(page)` runs after each page (e.g. a replace). */
export function walk(index: DatasetIndex, params: Omit<SearchParams, 'after' | 'first'>, pageSize: number, between?: (page: number) => void): DatasetEdge[] {
  const out: DatasetEdge[] = [];
  let after: string | null = null;
  for (let page = 0; page < 10_000; page++) {
    const res = index.search({ ...params, first: pageSize, after });
    out.push(...res.edges);
    if (!res.pageInfo.hasNextPage) return out;
    after = res.pageInfo.endCursor;
    between?.(page);
  }
  throw new Error('walk did not end');
}

export const ids = (xs: ReadonlyArray<{ id: string } | { record: { id: string } }>): string[] => xs.map((x) => ('record' in x ? x.record.id : x.id));
