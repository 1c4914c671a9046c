// Opaque keyset cursors. A cursor carries the sort key of the row it points at (plus its id as
// the final tie-break), so the next page starts strictly after that row in the *current*
// index, however the index changed in between. A fingerprint of the query ties it to the query
// that produced it. Cursors are opaque, not secret: they only hold values the caller has seen.

import { ErrorCode } from '../../lib/error-codes.ts';

/** Bad client input (maps to GraphQL extensions.code BAD_USER_INPUT). */
export class SearchInputError extends Error {
  readonly code = ErrorCode.BAD_USER_INPUT;
  constructor(message: string) {
    super(message);
    this.name = 'SearchInputError';
  }
}

/** An `after` cursor that is malformed or belongs to another query (BAD_USER_INPUT). */
export class InvalidCursorError extends SearchInputError {
  constructor(message = 'invalid cursor') {
    super(message);
    this.name = 'InvalidCursorError';
  }
}

export type CursorKeyValue = number | string | null;

export interface CursorPayload {
  /** Fingerprint of the query (text tokens, filter, order, clearance). */
  f: string;
  /** Sort key values of the row, in the order's key order (the id is separate). */
  k: CursorKeyValue[];
  /** Id of the row: the final tie-break. */
  id: string;
  /** Frozen scoring statistics for relevance order (see search-index.ts). */
  st?: number[];
}

const VERSION = 1;
const MAX_CURSOR_LENGTH = 4096;

export function encodeCursor(p: CursorPayload): string {
  const body: unknown[] = [VERSION, p.f, p.k, p.id];
  if (p.st) body.push(p.st);
  return Buffer.from(JSON.stringify(body), 'utf8').toString('base64url');
}

/** Decodes and checks version, shape and fingerprint; throws InvalidCursorError. */
export function decodeCursor(cursor: string, fingerprint: string): CursorPayload {
  if (typeof cursor !== 'string' || cursor.length === 0 || cursor.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(cursor)) {
    throw new InvalidCursorError('invalid cursor: not a cursor of this API');
  }
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError('invalid cursor: not a cursor of this API');
  }
  if (!Array.isArray(body) || body[0] !== VERSION || (body.length !== 4 && body.length !== 5)) {
    throw new InvalidCursorError('invalid cursor: not a cursor of this API');
  }
  const [, f, k, id, st] = body as [unknown, unknown, unknown, unknown, unknown];
  if (typeof f !== 'string' || typeof id !== 'string' || !Array.isArray(k)) {
    throw new InvalidCursorError('invalid cursor: malformed');
  }
  if (f !== fingerprint) {
    throw new InvalidCursorError('invalid cursor: it belongs to a different query, filter or order');
  }
  for (const v of k) {
    if (!(v === null || typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v)))) {
      throw new InvalidCursorError('invalid cursor: malformed');
    }
  }
  const out: CursorPayload = { f, k: k as CursorKeyValue[], id };
  if (st !== undefined) {
    if (!Array.isArray(st) || !st.every((x) => typeof x === 'number' && Number.isFinite(x) && x >= 0)) {
      throw new InvalidCursorError('invalid cursor: malformed');
    }
    out.st = st as number[];
  }
  return out;
}

/**
 * Short, stable fingerprint of a JSON-able value (cyrb53). Not a security boundary: it only
 * makes a cursor of another query fail loudly instead of silently paging the wrong result.
 */
export function fingerprintOf(value: unknown): string {
  const s = JSON.stringify(value);
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(36);
}
