// Where kept runs live: files under DATAEX_DATA_DIR/runs/<query>/ (one index of run metadata,
// one file per result), or Redis when configured (a hash of metadata per query, one key per
// result), shared by every gateway instance. Retention is applied on every write: at most
// `keep` runs per query and none older than `maxAgeMs`; the oldest go first.

import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../../lib/atomic-file.ts';
import type { RedisClient } from '../../../lib/redis.ts';
import { JsonRecordFile } from '../file-store.ts';
import { StoreUnavailableError, storeCall } from '../store.ts';
import type { RunMeta, RunRecord } from './model.ts';

export interface Retention {
  /** Most runs kept per query. */
  keep: number;
  /** Oldest run kept, in milliseconds of age. */
  maxAgeMs: number;
}

export interface RunStore {
  /** Stores a run, then applies `retention` to its query; returns the ids removed. */
  put(run: RunRecord, retention: Retention, now: number): Promise<string[]>;
  /** A query's kept runs, newest first (metadata only). */
  list(query: string): Promise<RunMeta[]>;
  get(query: string, id: string): Promise<RunRecord | undefined>;
  /** Replaces a run's metadata (its rows stay): webhook delivery outcomes. */
  updateMeta(query: string, id: string, update: (meta: RunMeta) => RunMeta): Promise<void>;
  /** Every kept run of a query (when the query is deleted). */
  deleteAll(query: string): Promise<void>;
  close(): Promise<void>;
}

/** Runs to drop under `retention`: past the count (oldest first) or the age. */
export function expired(metas: readonly RunMeta[], retention: Retention, now: number): string[] {
  const newestFirst = [...metas].sort((a, b) => b.id.localeCompare(a.id));
  return newestFirst.filter((m, i) => i >= retention.keep || now - Date.parse(m.startedAt) > retention.maxAgeMs).map((m) => m.id);
}

type IndexEntry = RunMeta & { name: string };

export class FileRunStore implements RunStore {
  private readonly dir: string;
  private readonly indexes = new Map<string, JsonRecordFile<IndexEntry>>();

  constructor(dataDir: string) {
    this.dir = join(dataDir, 'runs');
  }

  private index(query: string): JsonRecordFile<IndexEntry> {
    let index = this.indexes.get(query);
    if (!index) this.indexes.set(query, (index = new JsonRecordFile<IndexEntry>(join(this.dir, query, 'index.json'), 'run index')));
    return index;
  }

  private resultPath(query: string, id: string): string {
    return join(this.dir, query, `${id}.json`);
  }

  async put(run: RunRecord, retention: Retention, now: number): Promise<string[]> {
    const { rows, ...meta } = run;
    try {
      await mkdir(join(this.dir, run.query), { recursive: true });
      await writeFileAtomic(this.resultPath(run.query, run.id), JSON.stringify(rows));
    } catch (e) {
      throw new StoreUnavailableError(`cannot write run ${run.id} of ${run.query}: ${(e as Error).message}`, { cause: e });
    }
    const index = this.index(run.query);
    await index.put(run.id, () => ({ ...meta, name: run.id }));
    const drop = expired(await index.list(), retention, now);
    for (const id of drop) {
      await index.delete(id);
      await rm(this.resultPath(run.query, id), { force: true });
    }
    return drop;
  }

  async list(query: string): Promise<RunMeta[]> {
    return (await this.index(query).list()).map(({ name: _name, ...meta }) => meta).sort((a, b) => b.id.localeCompare(a.id));
  }

  async get(query: string, id: string): Promise<RunRecord | undefined> {
    const entry = await this.index(query).get(id);
    if (!entry) return undefined;
    const { name: _name, ...meta } = entry;
    try {
      return { ...meta, rows: JSON.parse(await readFile(this.resultPath(query, id), 'utf8')) as unknown[] };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new StoreUnavailableError(`cannot read run ${id} of ${query}: ${(e as Error).message}`, { cause: e });
    }
  }

  async updateMeta(query: string, id: string, update: (meta: RunMeta) => RunMeta): Promise<void> {
    await this.index(query).put(id, (current) => {
      if (!current) throw new StoreUnavailableError(`run ${id} of ${query} is gone`);
      const { name: _name, ...meta } = current;
      return { ...update(meta), name: id };
    });
  }

  async deleteAll(query: string): Promise<void> {
    await rm(join(this.dir, query), { recursive: true, force: true });
    this.indexes.delete(query);
  }

  async close(): Promise<void> {}
}

/** Redis: `runs:<query>` hash (run id → metadata JSON) and `run-rows:<query>:<id>` (the rows). */
export class RedisRunStore implements RunStore {
  private readonly redis: RedisClient;
  private readonly closeConnection: boolean;

  constructor(redis: RedisClient, options: { closeConnection?: boolean } = {}) {
    this.redis = redis;
    this.closeConnection = options.closeConnection ?? false;
  }

  private call<T>(doing: string, fn: () => Promise<T>): Promise<T> {
    return storeCall(this.redis, 'run', doing, fn);
  }

  private static metaKey = (query: string) => `runs:${query}`;
  private static rowsKey = (query: string, id: string) => `run-rows:${query}:${id}`;

  async put(run: RunRecord, retention: Retention, now: number): Promise<string[]> {
    const { rows, ...meta } = run;
    const ttlS = Math.ceil(retention.maxAgeMs / 1000) + 60;
    await this.call('saving a run', async () => {
      await this.redis.set(RedisRunStore.rowsKey(run.query, run.id), JSON.stringify(rows), 'EX', ttlS);
      await this.redis.hset(RedisRunStore.metaKey(run.query), run.id, JSON.stringify(meta));
    });
    const drop = expired(await this.list(run.query), retention, now);
    if (drop.length > 0) {
      await this.call('applying retention', async () => {
        await this.redis.hdel(RedisRunStore.metaKey(run.query), ...drop);
        for (const id of drop) await this.redis.del(RedisRunStore.rowsKey(run.query, id));
      });
    }
    return drop;
  }

  async list(query: string): Promise<RunMeta[]> {
    const values = await this.call('listing runs', () => this.redis.hvals(RedisRunStore.metaKey(query)));
    return values.map((v) => JSON.parse(v) as RunMeta).sort((a, b) => b.id.localeCompare(a.id));
  }

  async get(query: string, id: string): Promise<RunRecord | undefined> {
    const [meta, rows] = await this.call('reading a run', () => Promise.all([this.redis.hget(RedisRunStore.metaKey(query), id), this.redis.get(RedisRunStore.rowsKey(query, id))]));
    if (meta === null || rows === null) return undefined;
    return { ...(JSON.parse(meta) as RunMeta), rows: JSON.parse(rows) as unknown[] };
  }

  async updateMeta(query: string, id: string, update: (meta: RunMeta) => RunMeta): Promise<void> {
    const raw = await this.call('reading a run', () => this.redis.hget(RedisRunStore.metaKey(query), id));
    if (raw === null) throw new StoreUnavailableError(`run ${id} of ${query} is gone`);
    const next = update(JSON.parse(raw) as RunMeta);
    await this.call('saving a run', () => this.redis.hset(RedisRunStore.metaKey(query), id, JSON.stringify(next)));
  }

  async deleteAll(query: string): Promise<void> {
    const ids = await this.call('listing runs', () => this.redis.hkeys(RedisRunStore.metaKey(query)));
    await this.call('deleting runs', async () => {
      for (const id of ids) await this.redis.del(RedisRunStore.rowsKey(query, id));
      await this.redis.del(RedisRunStore.metaKey(query));
    });
  }

  async close(): Promise<void> {
    if (this.closeConnection) this.redis.disconnect();
  }
}
