// Trusted documents: the operations front-end apps publish ahead of time (GraphQL Code Generator's
// client preset writes them as a persisted-documents manifest, {"<sha256>": "<document>"}), so
// their requests carry the hash alone. Each is kept under `<app>/<sha256>`, the `documentId` a
// client sends; the same sha256 is the `extensions.persistedQuery.sha256Hash` of APQ.
//
// Where they live: `<DATAEX_DATA_DIR>/trusted-documents.json` (the saved queries' file store:
// atomic writes, a lock across processes) or a Redis hash `<prefix>trusted-documents` (field
// `<app>/<sha256>`, value the record as JSON) shared by every gateway instance. A document is
// only ever added: its hash is its content, so publishing the same one again changes nothing
// and a deployed client's old hashes keep working after its app publishes a newer manifest.
// Lookups are cached in memory (a hash means one text forever), so the request path asks the
// store once per document and instance.

import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { DataexConfig } from '../../lib/config.ts';
import { connectRedis, unrefRedis, type RedisClient } from '../../lib/redis.ts';
import { JsonRecordFile } from '../saved-queries/file-store.ts';
import { storeCall } from '../saved-queries/store.ts';

export const TRUSTED_DOCUMENTS_FILE = 'trusted-documents.json';
export const TRUSTED_DOCUMENTS_KEY = 'trusted-documents';

/** An app name: what `--app` takes and the part of a documentId before "/". */
export const APP_RULE = 'an app name is 1-64 characters: lower-case letters, digits, "-", "_" and ".", starting with a letter or digit';
const APP_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const SHA256_PATTERN = /^[0-9a-f]{64}$/;

export const isAppName = (s: string): boolean => APP_PATTERN.test(s);
export const isSha256 = (s: string): boolean => SHA256_PATTERN.test(s);
export const sha256Of = (document: string): string => createHash('sha256').update(document).digest('hex');

export interface TrustedDocument {
  /** `<app>/<sha256>`: the documentId. */
  name: string;
  app: string;
  hash: string;
  document: string;
  /** The name of its operation, when it has one. */
  operationName: string | null;
  publishedBy: string;
  publishedAt: string;
}

/** A documentId split into its app and hash; undefined when it is not `<app>/<sha256>`. */
export function parseDocumentId(id: string): { app: string; hash: string } | undefined {
  const slash = id.indexOf('/');
  if (slash < 0) return undefined;
  const app = id.slice(0, slash);
  const hash = id.slice(slash + 1).replace(/^sha256:/, '');
  return isAppName(app) && isSha256(hash) ? { app, hash } : undefined;
}

export interface TrustedDocumentStore {
  readonly kind: 'file' | 'redis';
  /** Every published document, by documentId. */
  list(): Promise<TrustedDocument[]>;
  get(id: string): Promise<TrustedDocument | undefined>;
  /** A document's text by its hash alone, whichever app published it (the APQ form). */
  byHash(hash: string): Promise<string | undefined>;
  /** Adds the documents not published yet; returns the ids added. */
  addAll(documents: readonly TrustedDocument[]): Promise<string[]>;
  close(): Promise<void>;
}

export class FileTrustedDocumentStore implements TrustedDocumentStore {
  readonly kind = 'file' as const;
  private readonly file: JsonRecordFile<TrustedDocument>;

  constructor(dataDir: string) {
    this.file = new JsonRecordFile<TrustedDocument>(join(dataDir, TRUSTED_DOCUMENTS_FILE), 'trusted-documents');
  }

  list(): Promise<TrustedDocument[]> {
    return this.file.list();
  }

  get(id: string): Promise<TrustedDocument | undefined> {
    return this.file.get(id);
  }

  async byHash(hash: string): Promise<string | undefined> {
    return (await this.file.list()).find((d) => d.hash === hash)?.document;
  }

  addAll(documents: readonly TrustedDocument[]): Promise<string[]> {
    return this.file.addAll(documents);
  }

  close(): Promise<void> {
    return this.file.close();
  }
}

/** One hash holds the records, a second one the texts by sha256 (the APQ form's look-up). */
export class RedisTrustedDocumentStore implements TrustedDocumentStore {
  readonly kind = 'redis' as const;
  private readonly redis: RedisClient;
  private readonly closeConnection: boolean;

  constructor(redis: RedisClient, options: { closeConnection?: boolean } = {}) {
    this.redis = redis;
    this.closeConnection = options.closeConnection ?? false;
  }

  private call<T>(doing: string, fn: () => Promise<T>): Promise<T> {
    return storeCall(this.redis, 'trusted-document', doing, fn);
  }

  async list(): Promise<TrustedDocument[]> {
    const values = await this.call('listing', () => this.redis.hvals(TRUSTED_DOCUMENTS_KEY));
    return values.map((v) => JSON.parse(v) as TrustedDocument).sort((a, b) => a.name.localeCompare(b.name));
  }

  async get(id: string): Promise<TrustedDocument | undefined> {
    const value = await this.call('reading', () => this.redis.hget(TRUSTED_DOCUMENTS_KEY, id));
    return value === null ? undefined : (JSON.parse(value) as TrustedDocument);
  }

  async byHash(hash: string): Promise<string | undefined> {
    return (await this.call('reading', () => this.redis.hget(`${TRUSTED_DOCUMENTS_KEY}:by-hash`, hash))) ?? undefined;
  }

  async addAll(documents: readonly TrustedDocument[]): Promise<string[]> {
    const added: string[] = [];
    for (const d of documents) {
      // The text first: a record is never visible without its text being found by hash.
      await this.call('publishing', () => this.redis.hset(`${TRUSTED_DOCUMENTS_KEY}:by-hash`, d.hash, d.document));
      if ((await this.call('publishing', () => this.redis.hsetnx(TRUSTED_DOCUMENTS_KEY, d.name, JSON.stringify(d)))) === 1) added.push(d.name);
    }
    return added;
  }

  async close(): Promise<void> {
    if (this.closeConnection) this.redis.disconnect();
  }
}

/** The store the configuration asks for: Redis (or a Redis Cluster) when configured, else the data directory. */
export function trustedDocumentStoreFor(config: Pick<DataexConfig, 'redisUrl' | 'redisPrefix' | 'dataDir'> & { redisCluster?: readonly string[] | undefined }): TrustedDocumentStore {
  if (!config.redisUrl && !config.redisCluster) return new FileTrustedDocumentStore(config.dataDir);
  const redis = connectRedis({ url: config.redisUrl, cluster: config.redisCluster, keyPrefix: config.redisPrefix, commandTimeoutMs: 2_000 });
  unrefRedis(redis);
  return new RedisTrustedDocumentStore(redis, { closeConnection: true });
}

/** How many texts the in-memory cache of a gateway keeps. */
const CACHED_TEXTS = 10_000;

/**
 * The request path's view of the store: a look-up by documentId or by hash, answered from
 * memory once known (sync, so a cached answer costs the hit path no promise).
 */
export class TrustedDocuments {
  readonly store: TrustedDocumentStore;
  /** DATAEX_TRUSTED_DOCUMENTS: `only` refuses every other document except from admins. */
  readonly only: boolean;
  private readonly texts = new Map<string, string>();

  constructor(store: TrustedDocumentStore, mode: 'off' | 'only' = 'off') {
    this.store = store;
    this.only = mode === 'only';
  }

  /** The text of `<app>/<hash>` (app given) or of `<hash>` (any app) if this instance has seen it. */
  known(key: string): string | undefined {
    return this.texts.get(key);
  }

  /** The text of a documentId `<app>/<hash>`, or of a bare sha256 published by any app. */
  async lookUp(key: string): Promise<string | undefined> {
    const known = this.texts.get(key);
    if (known !== undefined) return known;
    const text = key.includes('/') ? (await this.store.get(key))?.document : await this.store.byHash(key);
    if (text !== undefined) this.remember(key, text);
    return text;
  }

  private remember(key: string, text: string): void {
    if (this.texts.size >= CACHED_TEXTS) this.texts.delete(this.texts.keys().next().value!);
    this.texts.set(key, text);
  }
}
