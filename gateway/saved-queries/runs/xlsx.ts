// Excel workbooks of kept runs and change reports (format=xlsx), written with exceljs: one sheet
// of rows with typed cells and a second sheet saying what the rows are (query, variables, time,
// caller). Types, so that Excel neither loses nor invents anything:
//   - JSON numbers, and the decimal strings of money and count columns (amountFen, yuan, …,
//     written as strings because GraphQL's Int is 32-bit), are numbers;
//   - `DateTime` and date strings are dates, shown in China time (Excel has no time zones: the
//     cell holds the China wall-clock time);
//   - everything else is text, ids and credit codes included, so that `911101085923662400`
//     never becomes 9.11101E+17;
// the header row is frozen and has a filter.

import ExcelJS from 'exceljs';
import { LIST_SEPARATOR, valuesAt } from '../csv.ts';
import { changeRows, type ChangeReport } from './changes.ts';
import type { RunMeta, RunRecord } from './model.ts';

export const XLSX_CONTENT_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** Columns whose decimal strings are numbers (their last path segment). */
const NUMERIC_STRING_FIELDS = new Set(['amountFen', 'yuan', 'exactYuan', 'totalCount', 'datasetCount', 'providerCount', 'count', 'grade']);
const CHINA_OFFSET_MS = 8 * 3600_000;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DECIMAL = /^-?\d+(\.\d+)?$/;

type Cell = { value: string | number | boolean | Date | null; numFmt?: string };

/** A cell of `column` for one row, typed as above. */
export function typedCell(item: unknown, column: string): Cell {
  const values = valuesAt(item, column.split('.'));
  if (values.length === 0) return { value: null };
  if (values.length > 1) return { value: values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(LIST_SEPARATOR), numFmt: '@' };
  const v = values[0];
  if (typeof v === 'number') return { value: v };
  if (typeof v === 'boolean') return { value: v };
  if (typeof v !== 'string') return { value: JSON.stringify(v), numFmt: '@' };
  const field = column.slice(column.lastIndexOf('.') + 1);
  if (NUMERIC_STRING_FIELDS.has(field) && DECIMAL.test(v) && Number.isSafeInteger(Math.trunc(Number(v)))) return { value: Number(v) };
  if (DATE_TIME.test(v)) {
    const at = Date.parse(v);
    if (!Number.isNaN(at)) return { value: new Date(at + CHINA_OFFSET_MS), numFmt: 'yyyy-mm-dd hh:mm:ss' };
  }
  if (DATE_ONLY.test(v)) return { value: new Date(`${v}T00:00:00Z`), numFmt: 'yyyy-mm-dd' };
  return { value: v, numFmt: '@' };
}

function addRowsSheet(workbook: ExcelJS.Workbook, name: string, header: string[], rows: Cell[][]): void {
  const sheet = workbook.addWorksheet(name, { views: [{ state: 'frozen', ySplit: 1 }] });
  sheet.addRow(header).font = { bold: true };
  for (const cells of rows) {
    const row = sheet.addRow(cells.map((c) => c.value));
    cells.forEach((c, i) => {
      if (c.numFmt) row.getCell(i + 1).numFmt = c.numFmt;
    });
  }
  if (header.length > 0) sheet.autoFilter = { from: { row: 1, column: 1 }, to: { row: Math.max(1, rows.length + 1), column: header.length } };
  header.forEach((h, i) => {
    const widest = Math.max(h.length, ...rows.slice(0, 200).map((r) => String(r[i]?.value ?? '').length));
    sheet.getColumn(i + 1).width = Math.min(60, Math.max(8, widest + 2));
  });
}

function addAboutSheet(workbook: ExcelJS.Workbook, entries: Array<[string, string | number | null]>): void {
  const sheet = workbook.addWorksheet('about');
  sheet.addRow(['what', 'value']).font = { bold: true };
  for (const [k, v] of entries) sheet.addRow([k, v]).getCell(2).numFmt = typeof v === 'number' ? 'General' : '@';
  sheet.getColumn(1).width = 18;
  sheet.getColumn(2).width = 80;
}

function describeRun(run: RunMeta): Array<[string, string | number | null]> {
  return [
    ['saved query', run.query],
    ['run', run.id],
    ['ran at (China time)', run.startedAt],
    ['ran as', `${run.principal} (${run.role})`],
    ['trigger', run.trigger],
    ['scheduled for', run.scheduledFor],
    ['variables', JSON.stringify(run.variables)],
    ['outcome', run.outcome],
    ['rows', run.rowCount],
    ['errors', run.errors.map((e) => `${e.code ?? ''} ${e.message}`.trim()).join('\n') || null],
  ];
}

export async function runWorkbook(run: RunRecord, document: string): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  workbook.created = new Date(Date.parse(run.startedAt));
  addRowsSheet(
    workbook,
    'rows',
    run.columns,
    run.rows.map((item) => run.columns.map((c) => typedCell(item, c))),
  );
  addAboutSheet(workbook, [...describeRun(run), ['document', document]]);
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

export async function changesWorkbook(report: ChangeReport, since: RunMeta, run: RunMeta): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  const { columns } = changeRows(report);
  const entries: Array<[string, unknown]> = [...report.added.map((row) => ['added', row] as [string, unknown]), ...report.removed.map((row) => ['removed', row] as [string, unknown])];
  const rows: Cell[][] = entries.map(([change, row]) => [{ value: change }, ...report.columns.map((c) => typedCell(row, c)), { value: null }]);
  for (const c of report.changed) {
    rows.push([
      { value: 'changed' },
      ...report.columns.map((col) => typedCell(c.row, col)),
      {
        value: Object.entries(c.changes)
          .map(([column, { old, new: now }]) => `${column}: ${old} → ${now}`)
          .join('; '),
        numFmt: '@',
      },
    ]);
  }
  addRowsSheet(workbook, 'changes', columns, rows);
  addAboutSheet(workbook, [
    ['saved query', report.query],
    ['since run', `${since.id} (${since.startedAt}, ${since.rowCount} rows)`],
    ['run', `${run.id} (${run.startedAt}, ${run.rowCount} rows)`],
    ['ran as', `${run.principal} (${run.role})`],
    ['variables', JSON.stringify(run.variables)],
    ['matched by', report.keyColumn ?? '(whole rows)'],
    ['added', report.counts.added],
    ['removed', report.counts.removed],
    ['changed', report.counts.changed],
  ]);
  return Buffer.from(await workbook.xlsx.writeBuffer());
}
