// The trusted-document stores (gateway/trusted-documents/store.ts): file and Redis keep what is
// published under `<app>/<sha256>`, find a text by its hash alone, only ever add; the request
// path's view caches what it found. Redis tests need a real Redis (test/helpers/redis.ts).

import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FileTrustedDocumentStore,
  parseDocumentId,
  RedisTrustedDocumentStore,
  sha256Of,
  TRUSTED_DOCUMENTS_FILE,
  TrustedDocuments,
  type TrustedDocument,
  type TrustedDocumentStore,
} from '../../../gateway/trusted-documents/store.ts';
import { connectRedis, redisReady } from '../../../lib/redis.ts';
import { deletePrefix, REDIS_URL, skipWithoutRedis, uniquePrefix } from '../../helpers/redis.ts';

const skipRedis = await skipWithoutRedis();

const doc = (app: string, text: string, over: Partial<TrustedDocument> = {}): TrustedDocument => {
  const hash = sha256Of(text);
  return { name: `${app}/${hash}`, app, hash, document: text, operationName: null, publishedBy: 'root', publishedAt: '2026-01-01T00:00:00.000Z', ...over };
};

const A = 'query A { exchanges { id } }';
const B = 'query B { exchanges { name } }';

function contract(makeStore: () => Promise<TrustedDocumentStore>) {
  let store: TrustedDocumentStore;
  beforeAll(async () => {
    store = await makeStore();
  });
  afterAll(async () => {
    await store?.close();
  });

  it('adds documents under <app>/<sha256>, finds them by id and by hash, lists them', async () => {
    expect(await store.get(doc('web', A).name)).toBeUndefined();
    expect(await store.byHash(sha256Of(A))).toBeUndefined();
    expect(await store.addAll([doc('web', A), doc('web', B)])).toEqual([doc('web', A).name, doc('web', B).name]);
    expect(await store.get(doc('web', A).name)).toEqual(doc('web', A));
    expect(await store.byHash(sha256Of(B))).toBe(B);
    expect((await store.list()).map((d) => d.name)).toEqual([doc('web', A).name, doc('web', B).name].sort());
  });

  it('only adds: a document published again keeps its first record; another app gets its own id', async () => {
    expect(await store.addAll([doc('web', A, { publishedBy: 'later' }), doc('mobile', A)])).toEqual([doc('mobile', A).name]);
    expect((await store.get(doc('web', A).name))?.publishedBy).toBe('root');
    expect((await store.list()).length).toBe(3);
  });
}

describe('file store', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dataex-trusted-'));
  contract(async () => new FileTrustedDocumentStore(dir));

  it('writes one JSON file in the data directory', () => {
    const file = JSON.parse(readFileSync(join(dir, TRUSTED_DOCUMENTS_FILE), 'utf8'));
    expect(Object.keys(file.queries)).toHaveLength(3);
  });
});

describe.skipIf(skipRedis)('Redis store', () => {
  const prefix = uniquePrefix();
  const redis = connectRedis({ url: REDIS_URL, keyPrefix: prefix });
  contract(async () => {
    await redisReady(redis, 2_000);
    return new RedisTrustedDocumentStore(redis);
  });
  afterAll(async () => {
    redis.disconnect();
    await deletePrefix(prefix);
  });
});

describe('documentIds', () => {
  it('are <app>/<sha256>, the hash in lower-case hex, "sha256:" allowed before it', () => {
    const hash = sha256Of(A);
    expect(parseDocumentId(`web/${hash}`)).toEqual({ app: 'web', hash });
    expect(parseDocumentId(`web/sha256:${hash}`)).toEqual({ app: 'web', hash });
    expect(parseDocumentId(hash)).toBeUndefined();
    expect(parseDocumentId(`Web/${hash}`)).toBeUndefined();
    expect(parseDocumentId(`web/${hash.toUpperCase()}`)).toBeUndefined();
    expect(parseDocumentId(`web/${hash.slice(1)}`)).toBeUndefined();
  });
});

describe('the request path view', () => {
  it('asks the store once per document and remembers what it found, not what it did not', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dataex-trusted-'));
    const store = new FileTrustedDocumentStore(dir);
    let reads = 0;
    const counted: TrustedDocumentStore = {
      kind: 'file',
      list: () => store.list(),
      get: (id) => {
        reads++;
        return store.get(id);
      },
      byHash: (h) => {
        reads++;
        return store.byHash(h);
      },
      addAll: (d) => store.addAll(d),
      close: () => store.close(),
    };
    const view = new TrustedDocuments(counted, 'only');
    expect(view.only).toBe(true);
    const id = doc('web', A).name;
    expect(await view.lookUp(id)).toBeUndefined();
    expect(view.known(id)).toBeUndefined();
    await store.addAll([doc('web', A)]);
    expect(await view.lookUp(id)).toBe(A);
    expect(await view.lookUp(sha256Of(A))).toBe(A);
    expect(reads).toBe(3);
    expect(view.known(id)).toBe(A);
    expect(await view.lookUp(id)).toBe(A);
    expect(reads).toBe(3);
    expect(new TrustedDocuments(counted).only).toBe(false);
  });
});
