// gateway/request/documents.ts: a document named by its hash (documentId, APQ's persistedQuery)
// filled in from the trusted documents, APQ hashes never published left to Apollo, and
// trusted-documents mode refusing every other document except from admins.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { mayNameDocument, resolveDocument, TRUSTED_ONLY_MESSAGE, type ResolvedRequest } from '../../../gateway/request/documents.ts';
import { FileTrustedDocumentStore, sha256Of, TrustedDocuments } from '../../../gateway/trusted-documents/store.ts';

const A = 'query A { exchanges { id } }';
const hashA = sha256Of(A);
const OTHER = 'query O { exchanges { name } }';
const store = new FileTrustedDocumentStore(mkdtempSync(join(tmpdir(), 'dataex-trusted-')));
const off = new TrustedDocuments(store, 'off');
const only = new TrustedDocuments(store, 'only');

beforeAll(async () => {
  await store.addAll([{ name: `web/${hashA}`, app: 'web', hash: hashA, document: A, operationName: 'A', publishedBy: 'root', publishedAt: '2026-01-01T00:00:00.000Z' }]);
});

// The step answers at once when it need not wait (and throws then): as a promise either way here.
const post = async (docs: TrustedDocuments, body: unknown, admin = false) => resolveDocument(docs, 'POST', body, '', admin);
const get = async (docs: TrustedDocuments, search: string, admin = false) => resolveDocument(docs, 'GET', undefined, search, admin);
const refusal = (status: number, code: string, message?: RegExp) => expect.objectContaining({ status, code, ...(message ? { message: expect.stringMatching(message) } : {}) });

describe('a document named by hash', () => {
  it('is filled in from a documentId, the id taken out, other fields kept', async () => {
    const r = await post(off, { documentId: `web/${hashA}`, variables: { x: 1 }, operationName: 'A' });
    expect(r).toEqual<ResolvedRequest>({ body: { query: A, variables: { x: 1 }, operationName: 'A' }, search: '', trusted: true });
  });

  it('is filled in from a persisted-query hash published by any app, the persistedQuery extension taken out', async () => {
    const r = await post(off, { extensions: { persistedQuery: { version: 1, sha256Hash: hashA }, trace: true } });
    expect(r.body).toEqual({ query: A, extensions: { trace: true } });
    expect(r.trusted).toBe(true);
    const bare = await post(off, { extensions: { persistedQuery: { version: 1, sha256Hash: hashA } } });
    expect(bare.body).toEqual({ query: A });
  });

  it('works on GET: the query string gets the document', async () => {
    const r = await get(off, `?documentId=${encodeURIComponent(`web/${hashA}`)}&variables=%7B%7D`);
    const params = new URLSearchParams(r.search);
    expect(params.get('query')).toBe(A);
    expect(params.has('documentId')).toBe(false);
    expect(params.get('variables')).toBe('{}');
    const apq = await get(off, `?extensions=${encodeURIComponent(JSON.stringify({ persistedQuery: { version: 1, sha256Hash: hashA } }))}`);
    expect(new URLSearchParams(apq.search).get('query')).toBe(A);
    expect(new URLSearchParams(apq.search).has('extensions')).toBe(false);
  });

  it('leaves an APQ hash that was never published to Apollo, unchanged', async () => {
    const body = { extensions: { persistedQuery: { version: 1, sha256Hash: sha256Of(OTHER) } } };
    expect(await post(off, body)).toEqual({ body, search: '', trusted: false });
  });

  it('refuses a documentId never published (400 PERSISTED_QUERY_NOT_FOUND, naming how to publish), a malformed one and one sent with a query (400 BAD_REQUEST)', async () => {
    await expect(post(off, { documentId: `web/${sha256Of(OTHER)}` })).rejects.toEqual(refusal(400, 'PERSISTED_QUERY_NOT_FOUND', /dataex documents publish .* --app web/));
    await expect(post(off, { documentId: `mobile/${hashA}` })).rejects.toEqual(refusal(400, 'PERSISTED_QUERY_NOT_FOUND'));
    await expect(post(off, { documentId: hashA })).rejects.toEqual(refusal(400, 'BAD_REQUEST', /<app>\/<sha256>/));
    await expect(post(off, { documentId: 5 })).rejects.toEqual(refusal(400, 'BAD_REQUEST'));
    await expect(post(off, { documentId: `web/${hashA}`, query: A })).rejects.toEqual(refusal(400, 'BAD_REQUEST', /not both/));
  });

  it('is only looked for in bodies that may name one', () => {
    expect(mayNameDocument(Buffer.from(JSON.stringify({ documentId: 'web/x' })))).toBe(true);
    expect(mayNameDocument(Buffer.from('?extensions=%7B%22persistedQuery%22'))).toBe(true);
    expect(mayNameDocument(Buffer.from(JSON.stringify({ query: A })))).toBe(false);
  });
});

describe('trusted-documents mode', () => {
  it('refuses any other document from a caller who is not an admin: 403 FORBIDDEN naming the mode and how to publish', async () => {
    await expect(post(only, { query: OTHER })).rejects.toEqual(refusal(403, 'FORBIDDEN', /DATAEX_TRUSTED_DOCUMENTS=only/));
    await expect(post(only, { query: OTHER })).rejects.toThrow(TRUSTED_ONLY_MESSAGE);
    await expect(post(only, { extensions: { persistedQuery: { version: 1, sha256Hash: sha256Of(OTHER) } } })).rejects.toEqual(refusal(403, 'FORBIDDEN'));
    await expect(get(only, `?query=${encodeURIComponent(OTHER)}`)).rejects.toEqual(refusal(403, 'FORBIDDEN'));
    await expect(post(only, {})).rejects.toEqual(refusal(403, 'FORBIDDEN'));
  });

  it('runs published documents, by id, by hash or sent whole', async () => {
    expect((await post(only, { documentId: `web/${hashA}` })).trusted).toBe(true);
    expect((await post(only, { extensions: { persistedQuery: { version: 1, sha256Hash: hashA } } })).trusted).toBe(true);
    expect(await post(only, { query: A })).toEqual({ body: { query: A }, search: '', trusted: true });
  });

  it("lets an admin's documents through", async () => {
    expect(await post(only, { query: OTHER }, true)).toEqual({ body: { query: OTHER }, search: '', trusted: false });
    expect((await post(only, { documentId: `web/${hashA}` }, true)).body).toEqual({ query: A });
  });

  it('is off by default: any document passes', async () => {
    expect(await post(off, { query: OTHER })).toEqual({ body: { query: OTHER }, search: '', trusted: false });
  });
});
