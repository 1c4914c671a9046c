// Paging and simple filtering shared by the list endpoints.

export interface Page<T> {
  items: T[];
  total: number;
  /** Number of pages at this page size (0 when there are no items). */
  pages: number;
}

/** Page `page` (1-based) of `size` items; past the end is an empty page, not an error. */
export function pageOf<T>(items: readonly T[], page: number, size: number): Page<T> {
  const start = (page - 1) * size;
  return { items: items.slice(start, start + size), total: items.length, pages: Math.ceil(items.length / size) };
}

/** Case-insensitive substring match of a keyword against any of the texts. */
export function matchesKeyword(keyword: string, texts: ReadonlyArray<string | null | undefined>): boolean {
  const needle = keyword.trim().toLowerCase();
  if (needle === '') return true;
  return texts.some((t) => t?.toLowerCase().includes(needle));
}

/**
 * A whole number from a JSON value or a digit string (what Java-style backends coerce);
 * undefined/null → the fallback, anything else → null (malformed).
 */
export function wholeNumber(value: unknown, fallback: number): number | null {
  if (value === undefined || value === null || value === '') return fallback;
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : null;
  if (typeof value === 'bigint') return null;
  if (typeof value === 'string' && /^-?\d{1,15}$/.test(value.trim())) return Number(value.trim());
  return null;
}
