// A GraphQL result as a table, without the DOM: the first connection (`edges { node }`) or
// list of objects in the answer becomes the rows; nested fields become dotted columns
// (`provider.name`), lists of values are joined with "; ". The connection's pageInfo and
// totalCount come along so the runner can page with `after`.

export type Cell = string | null;

export interface ResultTable {
  columns: string[];
  rows: Cell[][];
  /** Path of the list the rows come from, e.g. `search.edges`. */
  source: string;
  totalCount?: number;
  pageInfo?: { hasNextPage: boolean; endCursor: string | null };
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function isObject(v: unknown): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function scalarText(v: Json): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** Flattens one record into dotted columns; lists are joined per column with "; ". */
export function flattenRecord(value: Json, prefix = '', out: Map<string, Cell> = new Map()): Map<string, Cell> {
  if (value === null || value === undefined) {
    if (prefix && !out.has(prefix)) out.set(prefix, null);
    return out;
  }
  if (Array.isArray(value)) {
    if (value.every((v) => !isObject(v) && !Array.isArray(v))) {
      out.set(prefix, value.length ? value.map((v) => (v === null ? '' : scalarText(v))).join('; ') : '');
      return out;
    }
    const parts = value.map((item) => flattenRecord(item, prefix));
    const keys = [...new Set(parts.flatMap((p) => [...p.keys()]))];
    for (const key of keys) {
      out.set(key, parts.map((p) => p.get(key) ?? '').join('; '));
    }
    if (value.length === 0 && prefix) out.set(prefix, '');
    return out;
  }
  if (isObject(value)) {
    for (const [key, v] of Object.entries(value)) {
      if (key === '__typename' && prefix !== '') continue;
      flattenRecord(v, prefix ? `${prefix}.${key}` : key, out);
    }
    return out;
  }
  out.set(prefix || 'value', scalarText(value));
  return out;
}

interface Found {
  path: string;
  items: Json[];
  container?: Record<string, Json>;
}

/** Breadth-first: the shallowest connection, else the shallowest list of objects. */
function findList(data: Record<string, Json>): Found | undefined {
  const queue: Array<{ value: Json; path: string }> = [{ value: data, path: '' }];
  let firstList: Found | undefined;
  while (queue.length) {
    const { value, path } = queue.shift()!;
    if (Array.isArray(value)) {
      if (!firstList && value.some(isObject)) firstList = { path, items: value };
      continue;
    }
    if (!isObject(value)) continue;
    if (Array.isArray(value.edges)) {
      return { path: path ? `${path}.edges` : 'edges', items: value.edges.map((e) => (isObject(e) && 'node' in e ? e.node : e)), container: value };
    }
    for (const [key, v] of Object.entries(value)) queue.push({ value: v, path: path ? `${path}.${key}` : key });
  }
  return firstList;
}

export function tableFromData(data: unknown): ResultTable | undefined {
  if (!isObject(data)) return undefined;
  const found = findList(data);
  if (!found) {
    // No list: one row of the whole answer.
    const flat = flattenRecord(data);
    return { columns: [...flat.keys()], rows: [[...flat.values()]], source: '' };
  }
  const flats = found.items.map((item) => flattenRecord(item));
  const columns = [...new Set(flats.flatMap((f) => [...f.keys()]))];
  const table: ResultTable = { columns, rows: flats.map((f) => columns.map((c) => f.get(c) ?? null)), source: found.path };
  const c = found.container;
  if (c && typeof c.totalCount === 'number') table.totalCount = c.totalCount;
  if (c && isObject(c.pageInfo) && typeof c.pageInfo.hasNextPage === 'boolean') {
    table.pageInfo = { hasNextPage: c.pageInfo.hasNextPage, endCursor: typeof c.pageInfo.endCursor === 'string' ? c.pageInfo.endCursor : null };
  }
  return table;
}

/** Accepts what a run endpoint may answer: a GraphQL response, or rows with columns. */
export function tableFromRunResponse(body: unknown): { table?: ResultTable; errors: string[] } {
  if (!isObject(body)) return { errors: ['the server answered with something that is not JSON'] };
  const errors = Array.isArray(body.errors) ? body.errors.map((e) => (isObject(e) && typeof e.message === 'string' ? e.message : JSON.stringify(e))) : [];
  if (Array.isArray(body.columns) && Array.isArray(body.rows)) {
    const columns = body.columns.map(String);
    const rows = body.rows.map((r) =>
      Array.isArray(r) ? r.map((v) => (v === null ? null : scalarText(v))) : isObject(r) ? columns.map((c) => (r[c] === undefined || r[c] === null ? null : scalarText(r[c]))) : [scalarText(r)],
    );
    const table: ResultTable = { columns, rows, source: typeof body.source === 'string' ? body.source : '' };
    if (typeof body.totalCount === 'number') table.totalCount = body.totalCount;
    if (isObject(body.pageInfo) && typeof body.pageInfo.hasNextPage === 'boolean') {
      table.pageInfo = { hasNextPage: body.pageInfo.hasNextPage, endCursor: typeof body.pageInfo.endCursor === 'string' ? body.pageInfo.endCursor : null };
    }
    return { table, errors };
  }
  if ('data' in body) return { table: tableFromData(body.data) ?? undefined, errors };
  if (errors.length) return { errors };
  return { table: tableFromData(body), errors };
}
