// A change report: what differs between two kept runs of a saved query, row by row. Rows are
// matched by their `id` column (or the first id-like column: `…Id`, `creditCode`, `code`, `key`)
// and compared cell by cell as the CSV export flattens them, so a change report says the same
// thing in every format.

import { flattenItem } from '../csv.ts';
import type { RunMeta, RunRecord } from './model.ts';

export interface ChangedRow {
  key: string;
  /** Column → [old, new], only the columns that differ. */
  changes: Record<string, { old: string; new: string }>;
  row: unknown;
}

export interface ChangeReport {
  query: string;
  /** The earlier run and the later one. */
  since: Pick<RunMeta, 'id' | 'startedAt' | 'rowCount'>;
  run: Pick<RunMeta, 'id' | 'startedAt' | 'rowCount'>;
  keyColumn: string | null;
  columns: string[];
  counts: { added: number; removed: number; changed: number; unchanged: number };
  added: unknown[];
  removed: unknown[];
  changed: ChangedRow[];
  /** Rows whose key appeared more than once in a run (only the first was compared). */
  duplicateKeys: string[];
}

const ID_LIKE = /(^|\.)(id|[a-zA-Z]*Id|creditCode|code|key)$/;

/** The column rows are matched by: `id`, else the first id-like one; null when none. */
export function keyColumnOf(columns: readonly string[]): string | null {
  if (columns.includes('id')) return 'id';
  return columns.find((c) => ID_LIKE.test(c)) ?? null;
}

function rowsByKey(rows: readonly unknown[], columns: readonly string[], keyIndex: number, duplicates: Set<string>): Map<string, { cells: string[]; row: unknown }> {
  const out = new Map<string, { cells: string[]; row: unknown }>();
  for (const row of rows) {
    const cells = flattenItem(row, columns);
    // Without a key column a row is its own key: added and removed, never changed.
    const key = keyIndex >= 0 ? cells[keyIndex] : JSON.stringify(cells);
    if (out.has(key)) {
      duplicates.add(key);
      continue;
    }
    out.set(key, { cells, row });
  }
  return out;
}

/** What changed from `since` (the earlier run) to `run`. */
export function diffRuns(since: RunRecord, run: RunRecord): ChangeReport {
  // Both runs' columns, the later run's order first (a column added to the query shows too).
  const columns = [...run.columns, ...since.columns.filter((c) => !run.columns.includes(c))];
  const keyColumn = keyColumnOf(columns);
  const keyIndex = keyColumn === null ? -1 : columns.indexOf(keyColumn);
  const duplicates = new Set<string>();
  const before = rowsByKey(since.rows, columns, keyIndex, duplicates);
  const after = rowsByKey(run.rows, columns, keyIndex, duplicates);
  const added: unknown[] = [];
  const removed: unknown[] = [];
  const changed: ChangedRow[] = [];
  let unchanged = 0;
  for (const [key, now] of after) {
    const then = before.get(key);
    if (!then) {
      added.push(now.row);
      continue;
    }
    const changes: ChangedRow['changes'] = {};
    columns.forEach((column, i) => {
      if (then.cells[i] !== now.cells[i]) changes[column] = { old: then.cells[i], new: now.cells[i] };
    });
    if (Object.keys(changes).length > 0) changed.push({ key, changes, row: now.row });
    else unchanged++;
  }
  for (const [key, then] of before) if (!after.has(key)) removed.push(then.row);
  const brief = (r: RunRecord) => ({ id: r.id, startedAt: r.startedAt, rowCount: r.rowCount });
  return {
    query: run.query,
    since: brief(since),
    run: brief(run),
    keyColumn,
    columns,
    counts: { added: added.length, removed: removed.length, changed: changed.length, unchanged },
    added,
    removed,
    changed,
    duplicateKeys: [...duplicates],
  };
}

/** The change report as rows: a `change` column (added / removed / changed), then the row's columns, then what changed. */
export function changeRows(report: ChangeReport): { columns: string[]; rows: string[][] } {
  const columns = ['change', ...report.columns, 'changed'];
  const rows: string[][] = [];
  for (const row of report.added) rows.push(['added', ...flattenItem(row, report.columns), '']);
  for (const row of report.removed) rows.push(['removed', ...flattenItem(row, report.columns), '']);
  for (const c of report.changed) {
    rows.push([
      'changed',
      ...flattenItem(c.row, report.columns),
      Object.entries(c.changes)
        .map(([column, { old, new: now }]) => `${column}: ${old} → ${now}`)
        .join('; '),
    ]);
  }
  return { columns, rows };
}
