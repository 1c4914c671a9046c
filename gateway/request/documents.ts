// The trusted-documents step of /graphql: a request that names a published document by its hash
// (`{"documentId": "<app>/<sha256>"}`, or APQ's `extensions.persistedQuery.sha256Hash` with no
// `query`) is given the document's text before Apollo reads it, and in trusted-documents mode
// (DATAEX_TRUSTED_DOCUMENTS=only) every other document is refused unless the caller is an admin.
// A persisted-query hash that was never published goes on to Apollo's APQ unchanged. The store is
// trusted-documents/store.ts; what the request carries is read here from the parsed POST body or
// the GET query string.

import { HttpError } from '../../lib/http.ts';
import { ErrorCode } from '../../lib/error-codes.ts';
import { isSha256, parseDocumentId, sha256Of, type TrustedDocuments } from '../trusted-documents/store.ts';

export const TRUSTED_ONLY_MESSAGE =
  'this gateway runs trusted documents only (DATAEX_TRUSTED_DOCUMENTS=only): send {"documentId": "<app>/<sha256>"} of a published document (publish an app\'s persisted-documents manifest with `dataex documents publish <manifest.json> --app <name>`) or run a saved query with GET /saved-queries/<name>/run; other documents need an admin API key';

/** What the endpoint hands to Apollo: the POST body and the GET query string, the document filled in. */
export interface ResolvedRequest {
  body: unknown;
  search: string;
  /** The document is a published one (named by its hash, or sent whole with a published hash). */
  trusted: boolean;
}

const DOCUMENT_ID = Buffer.from('documentId');
const PERSISTED_QUERY = Buffer.from('persistedQuery');

/** Whether the raw body or query string may name a document by hash (a cheap test before parsing). */
export function mayNameDocument(raw: Buffer): boolean {
  return raw.includes(DOCUMENT_ID) || raw.includes(PERSISTED_QUERY);
}

interface Sent {
  documentId: unknown;
  query: unknown;
  extensions: unknown;
}

function sentOf(method: string, body: unknown, search: string): Sent {
  if (method === 'POST') {
    const b = (body && typeof body === 'object' && !Array.isArray(body) ? body : {}) as Record<string, unknown>;
    return { documentId: b.documentId, query: b.query, extensions: b.extensions };
  }
  const params = new URLSearchParams(search);
  let extensions: unknown;
  try {
    extensions = params.has('extensions') ? JSON.parse(params.get('extensions')!) : undefined;
  } catch {
    extensions = undefined; // Apollo answers a malformed one
  }
  return { documentId: params.get('documentId') ?? undefined, query: params.get('query') ?? undefined, extensions };
}

function persistedHashOf(extensions: unknown): string | undefined {
  const pq = (extensions as { persistedQuery?: { sha256Hash?: unknown } } | null | undefined)?.persistedQuery;
  return typeof pq?.sha256Hash === 'string' && isSha256(pq.sha256Hash) ? pq.sha256Hash : undefined;
}

/** The request with `text` as its document, the hash that named it taken out. */
function withDocument(method: string, body: unknown, search: string, text: string): ResolvedRequest {
  const dropPersisted = (extensions: unknown): unknown => {
    if (!extensions || typeof extensions !== 'object') return extensions;
    const { persistedQuery: _, ...rest } = extensions as Record<string, unknown>;
    return Object.keys(rest).length > 0 ? rest : undefined;
  };
  if (method === 'POST') {
    const { documentId: _, extensions, ...rest } = body as Record<string, unknown>;
    const kept = dropPersisted(extensions);
    return { body: { ...rest, query: text, ...(kept === undefined ? {} : { extensions: kept }) }, search, trusted: true };
  }
  const params = new URLSearchParams(search);
  params.delete('documentId');
  params.set('query', text);
  if (params.has('extensions')) {
    let kept: unknown;
    try {
      kept = dropPersisted(JSON.parse(params.get('extensions')!));
    } catch {
      kept = undefined;
    }
    if (kept === undefined) params.delete('extensions');
    else params.set('extensions', JSON.stringify(kept));
  }
  return { body, search: `?${params}`, trusted: true };
}

/** Waits only when the text is not in memory yet. */
function lookUp(documents: TrustedDocuments, key: string): string | undefined | Promise<string | undefined> {
  return documents.known(key) ?? documents.lookUp(key);
}

/** A whole document is trusted when it is a published one (its hash is published, with this text). */
export function isPublished(documents: TrustedDocuments, query: string): boolean | Promise<boolean> {
  return then(lookUp(documents, sha256Of(query)), (text) => text === query);
}

function then<T, U>(value: T | Promise<T>, f: (v: T) => U): U | Promise<U> {
  return value instanceof Promise ? value.then(f) : f(value);
}

/**
 * Fills in the document a request names by hash. `admin`: the caller is an admin (trusted-documents
 * mode lets their documents through). Throws (or rejects with) an HttpError: 400 BAD_REQUEST for
 * a malformed documentId or one sent with a query, 400 PERSISTED_QUERY_NOT_FOUND for a documentId
 * never published, 403 FORBIDDEN for a document that is not trusted in trusted-documents mode.
 */
export function resolveDocument(documents: TrustedDocuments, method: string, body: unknown, search: string, admin: boolean): ResolvedRequest | Promise<ResolvedRequest> {
  const sent = sentOf(method, body, search);
  const unchanged: ResolvedRequest = { body, search, trusted: false };
  const mustBeTrusted = (r: ResolvedRequest): ResolvedRequest => {
    if (documents.only && !admin && !r.trusted) throw new HttpError(403, ErrorCode.FORBIDDEN, TRUSTED_ONLY_MESSAGE);
    return r;
  };

  if (sent.documentId !== undefined && sent.documentId !== null) {
    const id = typeof sent.documentId === 'string' ? parseDocumentId(sent.documentId) : undefined;
    if (!id)
      throw new HttpError(400, ErrorCode.BAD_REQUEST, `"documentId" must be "<app>/<sha256>" (the app's name and the document's sha256 in lower-case hex), got ${JSON.stringify(sent.documentId)}`);
    if (sent.query !== undefined && sent.query !== null) throw new HttpError(400, ErrorCode.BAD_REQUEST, 'send either "documentId" or "query", not both');
    const key = `${id.app}/${id.hash}`;
    return then(lookUp(documents, key), (text) => {
      if (text === undefined) {
        throw new HttpError(
          400,
          ErrorCode.PERSISTED_QUERY_NOT_FOUND,
          `no trusted document "${key}" is published: publish the app's persisted-documents manifest with \`dataex documents publish <manifest.json> --app ${id.app}\``,
        );
      }
      return withDocument(method, body, search, text);
    });
  }

  const hash = persistedHashOf(sent.extensions);
  if (typeof sent.query === 'string') {
    if (!documents.only || admin) return unchanged;
    return then(isPublished(documents, sent.query), (published) => mustBeTrusted({ ...unchanged, trusted: published }));
  }
  if (hash !== undefined) {
    // Published: its text; otherwise an APQ hash, which Apollo looks up (or asks for the document).
    return then(lookUp(documents, hash), (text) => mustBeTrusted(text === undefined ? unchanged : withDocument(method, body, search, text)));
  }
  return mustBeTrusted(unchanged);
}
