// RFC 4180 CSV: CRLF line ends, fields quoted when they contain a comma, a quote, CR or LF (and
// here also when they start with `#` or a space, so that a record starting with an unquoted
// `#ERROR` can only be an export error, never data), quotes doubled. Files start with a UTF-8
// BOM so that Excel reads Chinese text correctly.

export const BOM = '\uFEFF';
export const CRLF = '\r\n';
/** Separator of the values of lists in one cell. */
export const LIST_SEPARATOR = '; ';
/** First field of the records that report errors at the end of an export. */
export const ERROR_MARKER = '#ERROR';

export function csvField(value: string): string {
  if (value === '') return '';
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
function valuesAt(value: unknown, path: readonly string[], i = 0, out: unknown[] = []): unknown[] {
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
  return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) =>
    v !== null && typeof v === 'object' ? columnsOfValue(v, `${prefix}${k}.`) : [`${prefix}${k}`],
  );
}
