// Trusted documents on the real stack: an app's persisted-documents manifest is published (admin
// route and `dataex documents publish`), then run by its hash alone by anonymous callers, as a
// `documentId` or an APQ `extensions.persistedQuery`, without breaking APQ for other hashes. A
// second gateway on the same data directory runs in trusted-documents mode
// (DATAEX_TRUSTED_DOCUMENTS=only): ad-hoc documents are refused 403 except from admins, published
// ones and saved queries still run. A manifest with a wrong hash or an invalid document is
// refused whole; `dataex documents check` reports a published document that no longer validates.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startExtraGateway, startTestStack, type TestStack } from '../helpers/stack.ts';
import { bearer, createKeys, jsonHeaders, type Keys } from '../unit/saved-queries/lifecycle.ts';
import { EXCHANGES } from '../../subgraphs/exchanges.ts';
import { FileTrustedDocumentStore, sha256Of } from '../../gateway/trusted-documents/store.ts';
import { runCli } from '../helpers/cli.ts';

const EXCHANGE_IDS = 'query ExchangeIds { exchanges { id } }';
const SEARCH = 'query FirstTwo($first: Int = 2) { search(first: $first) { edges { node { id } } } }';
const manifest = { [sha256Of(EXCHANGE_IDS)]: EXCHANGE_IDS, [sha256Of(SEARCH)]: SEARCH };

let stack: TestStack;
let keys: Keys;
let strict: Awaited<ReturnType<typeof startExtraGateway>>;
const work = mkdtempSync(join(tmpdir(), 'dataex-documents-'));

async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await request(url, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } });
  const text = await res.body.text();
  return { status: res.statusCode, body: JSON.parse(text) };
}

/** `dataex …` in this process, against the stack, as an admin. */
const dataex = (args: string[]) => runCli(args, { url: stack.baseUrl, key: keys.admin });

beforeAll(async () => {
  stack = await startTestStack({ DATAEX_PLAYGROUND: 'false' });
  keys = await createKeys(stack);
  strict = await startExtraGateway(stack, { DATAEX_TRUSTED_DOCUMENTS: 'only', DATAEX_PLAYGROUND: 'false', DATAEX_RATE_LIMITS: 'off' });
});

afterAll(async () => {
  await strict?.close();
  await stack?.close();
});

describe('publishing a manifest', () => {
  it('is refused whole (400, nothing stored) for a wrong hash or a document that does not validate', async () => {
    const wrongHash = { ...manifest, [sha256Of('something else')]: '{ exchanges { name } }' };
    const bad = await stack.http('/admin/documents/web', { method: 'PUT', headers: jsonHeaders(keys.admin), body: JSON.stringify(wrongHash) });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.text).message).toMatch(/1 of 3 documents were refused; nothing/);
    expect(JSON.parse(bad.text).refused[0].errors[0].message).toMatch(/not the sha256/);

    const invalidDoc = '{ exchanges { noSuchField } }';
    // Valid for the schema, over the alias limit (DATAEX_MAX_ALIASES, 30).
    const tooManyAliases = `{ exchanges { ${Array.from({ length: 31 }, (_, i) => `a${i}: id`).join(' ')} } }`;
    const invalid = await stack.http('/admin/documents/web', {
      method: 'PUT',
      headers: jsonHeaders(keys.admin),
      body: JSON.stringify({ ...manifest, [sha256Of(invalidDoc)]: invalidDoc, [sha256Of(tooManyAliases)]: tooManyAliases }),
    });
    expect(invalid.status).toBe(400);
    const codes = JSON.parse(invalid.text).errors.map((e: { extensions: { code: string } }) => e.extensions.code);
    expect(codes).toContain('GRAPHQL_VALIDATION_FAILED');
    expect(codes).toContain('QUERY_TOO_COMPLEX');

    const listed = await stack.http('/admin/documents', { headers: bearer(keys.admin) });
    expect(JSON.parse(listed.text).documents).toEqual([]);
  });

  it('needs an admin key', async () => {
    const res = await stack.http('/admin/documents/web', { method: 'PUT', headers: jsonHeaders(keys.analyst), body: JSON.stringify(manifest) });
    expect(res.status).toBe(403);
    expect((await stack.http('/admin/documents', { headers: bearer(keys.public) })).status).toBe(403);
  });

  it('publishes with `dataex documents publish`; publishing again adds nothing', async () => {
    const file = join(work, 'persisted-documents.json');
    writeFileSync(file, JSON.stringify(manifest));
    const first = await dataex(['documents', 'publish', file, '--app', 'web']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/published 2 documents of app web: 2 new/);
    const again = await dataex(['documents', 'publish', file, '--app', 'web']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/0 new, 2 already published/);
    const listed = JSON.parse((await stack.http('/admin/documents?app=web', { headers: bearer(keys.admin) })).text).documents;
    expect(listed.map((d: { id: string; operationName: string }) => [d.id, d.operationName]).sort()).toEqual(
      [
        [`web/${sha256Of(EXCHANGE_IDS)}`, 'ExchangeIds'],
        [`web/${sha256Of(SEARCH)}`, 'FirstTwo'],
      ].sort(),
    );
  });
});

describe('running a published document by its hash', () => {
  it('by documentId, as an anonymous caller, with variables', async () => {
    const res = await post(stack.gateway.url, { documentId: `web/${sha256Of(SEARCH)}`, variables: { first: 3 } });
    expect(res.status).toBe(200);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.search.edges).toHaveLength(3);
  });

  it('by extensions.persistedQuery, as an anonymous caller', async () => {
    const res = await post(stack.gateway.url, { extensions: { persistedQuery: { version: 1, sha256Hash: sha256Of(EXCHANGE_IDS) } } });
    expect(res.status).toBe(200);
    expect(res.body.data.exchanges).toHaveLength(EXCHANGES.length);
  });

  it('refuses a documentId never published, naming how to publish', async () => {
    const res = await post(stack.gateway.url, { documentId: `web/${sha256Of('{ exchanges { name } }')}` });
    expect(res.status).toBe(400);
    expect(res.body.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    expect(res.body.errors[0].message).toMatch(/dataex documents publish/);
  });

  it('leaves APQ working for hashes that were never published', async () => {
    const doc = '{ exchanges { name } }';
    const extensions = { persistedQuery: { version: 1, sha256Hash: sha256Of(doc) } };
    const unknown = await post(stack.gateway.url, { extensions });
    expect(unknown.body.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    const registered = await post(stack.gateway.url, { query: doc, extensions });
    expect(registered.body.data.exchanges).toHaveLength(EXCHANGES.length);
    const byHash = await post(stack.gateway.url, { extensions });
    expect(byHash.body.data.exchanges).toHaveLength(EXCHANGES.length);
  });
});

describe('trusted-documents mode (DATAEX_TRUSTED_DOCUMENTS=only)', () => {
  it("serves an admin's ad-hoc document", async () => {
    const res = await post(strict.gateway.url, { query: '{ exchanges { id name } }' }, bearer(keys.admin));
    expect(res.status).toBe(200);
    expect(res.body.data.exchanges).toHaveLength(EXCHANGES.length);
  });

  it('refuses an ad-hoc document from anyone else with 403 naming the mode, even one an admin just had answered', async () => {
    for (const headers of [{}, bearer(keys.public), bearer(keys.analyst)]) {
      const res = await post(strict.gateway.url, { query: '{ exchanges { id name } }' }, headers);
      expect(res.status).toBe(403);
      expect(res.body.data).toBeUndefined();
      expect(res.body.errors[0].extensions.code).toBe('FORBIDDEN');
      expect(res.body.errors[0].message).toMatch(/DATAEX_TRUSTED_DOCUMENTS=only.*dataex documents publish/);
    }
    const apq = await post(strict.gateway.url, { extensions: { persistedQuery: { version: 1, sha256Hash: sha256Of('{ exchanges { name } }') } } });
    expect(apq.status).toBe(403);
  });

  it('runs published documents and saved queries for anonymous callers', async () => {
    const byId = await post(strict.gateway.url, { documentId: `web/${sha256Of(EXCHANGE_IDS)}` });
    expect(byId.status).toBe(200);
    expect(byId.body.data.exchanges).toHaveLength(EXCHANGES.length);
    const byHash = await post(strict.gateway.url, { extensions: { persistedQuery: { version: 1, sha256Hash: sha256Of(SEARCH) } } });
    expect(byHash.status).toBe(200);
    expect(byHash.body.data.search.edges).toHaveLength(2);
    const saved = await request(`${strict.gateway.url.replace(/\/graphql$/, '')}/saved-queries/exchange-status/run`);
    expect(saved.statusCode).toBe(200);
    expect(((await saved.body.json()) as { data: { exchanges: unknown[] } }).data.exchanges).toHaveLength(EXCHANGES.length);
  });
});

describe('dataex documents check', () => {
  it('passes while every published document validates, and fails listing one that no longer does', async () => {
    const ok = await dataex(['documents', 'check']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stderr).toMatch(/all 2 published documents validate/);

    // A document published under an earlier schema: in the store, no longer valid now.
    const stale = '{ exchanges { retiredField } }';
    const hash = sha256Of(stale);
    await new FileTrustedDocumentStore(stack.config.dataDir).addAll([
      { name: `old-app/${hash}`, app: 'old-app', hash, document: stale, operationName: null, publishedBy: 'root', publishedAt: '2025-01-01T00:00:00.000Z' },
    ]);
    const failed = await dataex(['documents', 'check']);
    expect(failed.code).toBe(5);
    expect(failed.stdout).toContain(`old-app/${hash}`);
    expect(failed.stdout).toMatch(/GRAPHQL_VALIDATION_FAILED: .*retiredField/);
    expect(failed.stderr).toMatch(/1 of 3 published documents no longer validate/);
  });
});
