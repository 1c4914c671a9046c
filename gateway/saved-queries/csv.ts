// RFC 4180 CSV: CRLF line ends, fields quoted when they contain a comma, a quote, CR or LF (and
// here also when they start with `#` or a space, so that a record starting with an unquoted
// `#ERROR` can only be an export error, never data), quotes doubled, formulas neutralised (below).
// Files start with a UTF-8 BOM so that Excel reads Chinese text correctly.
//
// Hand-written rather than csv-stringify (checked: 6.9.0, MIT, maintained, the same escape_formulas
// rule): the export streams one record at a time, writes an unquoted `#ERROR` marker record next
// to data whose `#` fields are quoted, and gets its cells as strings from flattenItem, so
// csv-stringify's number check (only typeof number escapes the `-` rule) would not see numbers.

export const BOM = '\uFEFF';
export const CRLF = '\r\n';
/** Separator of the values of lists in one cell. */
export const LIST_SEPARATOR = '; ';
/** First field of the records that report errors at the end of an export. */
export const ERROR_MARKER = '#ERROR';

// Formula injection (CSV injection): a spreadsheet runs a cell that starts with =, +, -, @, a tab
// or a CR (Apple Numbers also the full-width ＝ ＋ － ＠) as a formula. Such a cell is written with
// a leading single quote, exactly as csv-stringify's `escape_formulas` does, with one exception:
// a cell that is nothing but a decimal number (-5, -0.25, -1e+21) is a number to every
// spreadsheet, never a formula, and stays as it is. Every field (data, header, error message)
// passes through csvField, so the rule holds whatever the field's source.
const FORMULA_START = /^[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20]/;
const DECIMAL_NUMBER = /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/** The value with a leading `'` when a spreadsheet would run it as a formula. */
export function neutraliseFormula(value: string): string {
  return FORMULA_START.test(value) && !DECIMAL_NUMBER.test(value) ? `'${value}` : value;
}

export function csvField(value: string): string {
  if (value === '') return '';
  value = neutraliseFormula(value);
  if (/[",\r\n]/.test(value) || value.startsWith('#') || value.startsWith(' ')) return `"${value.replace(/"/g, '""')}"`;
  return value;
}

export function csvRecord(fields: readonly string[]): string {
  return fields.map(csvField).join(',') + CRLF;
}

/** An error record with as many fields as the header (an unquoted `#ERROR` first field). */
export function csvErrorRecord(message: string, columnCount: number): string {
  const rest = [message, ...Array<string>(Math.max(0, columnCount - 2)).fill('')];
  return [ERROR_MARKER, ...rest.map(csvField)].join(',') + CRLF;
}

/** Every value at a dotted path, lists along the way expanded. */
export function valuesAt(value: unknown, path: readonly string[], i = 0, out: unknown[] = []): unknown[] {
  if (value === null || value === undefined) return out;
  if (Array.isArray(value)) {
    for (const v of value) valuesAt(v, path, i, out);
    return out;
  }
  if (i === path.length) {
    out.push(value);
    return out;
  }
  if (typeof value !== 'object') return out;
  return valuesAt((value as Record<string, unknown>)[path[i]], path, i + 1, out);
}

function cellText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return JSON.stringify(v);
}

/** One item as cells of `columns` (dotted paths); lists joined with "; ", null as empty. */
export function flattenItem(item: unknown, columns: readonly string[]): string[] {
  return columns.map((col) => valuesAt(item, col.split('.')).map(cellText).join(LIST_SEPARATOR));
}

/** Dotted leaf paths of a JSON value (when the selection cannot give the columns). */
export function columnsOfValue(value: unknown, prefix = ''): string[] {
  if (value === null || typeof value !== 'object') return prefix ? [prefix.slice(0, -1)] : [];
  if (Array.isArray(value)) return columnsOfValue(value.find((v) => v !== null) ?? null, prefix);
  return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => (v !== null && typeof v === 'object' ? columnsOfValue(v, `${prefix}${k}.`) : [`${prefix}${k}`]));
}
