// Byte-valued cache stores, fastest first: an in-process LRU with a byte budget (always), and
// Redis (when configured) behind it, shared by every process. A tiered store reads memory,
// then Redis, and writes both. Redis trouble never fails a caller: reads miss, writes are
// dropped, and a short suspension stops a hung Redis from slowing every request.

import { LRUCache } from 'lru-cache';
import type { Redis } from 'ioredis';

export interface CacheStore {
  get(key: string): Promise<Buffer | undefined>;
  /** Several keys in one round trip; the result has one entry per key. */
  getMany(keys: readonly string[]): Promise<Array<Buffer | undefined>>;
  set(key: string, value: Buffer, ttlMs: number): Promise<void>;
  delete(keys: readonly string[]): Promise<void>;
  /** Adds `key` to each tag's set, for purging by tag. */
  tag(key: string, tags: readonly string[], ttlMs: number): Promise<void>;
  /** Deletes every key tagged with `tag`; returns how many. */
  purgeTag(tag: string): Promise<number>;
  /** Deletes everything this store holds under its prefix. */
  clear(): Promise<void>;
}

export interface MemoryStoreOptions {
  /** Byte budget of values held (keys and bookkeeping not counted). */
  maxBytes: number;
}

export class MemoryStore implements CacheStore {
  private readonly lru: LRUCache<string, Buffer>;
  private readonly tags = new Map<string, Set<string>>();

  constructor(options: MemoryStoreOptions) {
    this.lru = new LRUCache<string, Buffer>({
      maxSize: options.maxBytes,
      sizeCalculation: (value, key) => value.length + key.length,
      ttlAutopurge: false,
      allowStale: false,
    });
  }

  /** Synchronous read for the hot path (no promise allocation). */
  getSync(key: string): Buffer | undefined {
    return this.lru.get(key);
  }

  /** Remaining time to live of a key, ms (0 when absent). */
  remainingTtl(key: string): number {
    return Math.max(0, this.lru.getRemainingTTL(key));
  }

  async get(key: string): Promise<Buffer | undefined> {
    return this.lru.get(key);
  }

  async getMany(keys: readonly string[]): Promise<Array<Buffer | undefined>> {
    return keys.map((k) => this.lru.get(k));
  }

  setSync(key: string, value: Buffer, ttlMs: number): void {
    if (ttlMs <= 0) return;
    this.lru.set(key, value, { ttl: ttlMs });
  }

  async set(key: string, value: Buffer, ttlMs: number): Promise<void> {
    this.setSync(key, value, ttlMs);
  }

  async delete(keys: readonly string[]): Promise<void> {
    for (const k of keys) this.lru.delete(k);
  }

  async tag(key: string, tags: readonly string[], _ttlMs?: number): Promise<void> {
    for (const t of tags) {
      let set = this.tags.get(t);
      if (!set) this.tags.set(t, (set = new Set()));
      set.add(key);
    }
  }

  async purgeTag(tag: string): Promise<number> {
    const keys = this.tags.get(tag);
    if (!keys) return 0;
    this.tags.delete(tag);
    let n = 0;
    for (const k of keys) if (this.lru.delete(k)) n++;
    return n;
  }

  async clear(): Promise<void> {
    this.lru.clear();
    this.tags.clear();
  }

  get size(): number {
    return this.lru.size;
  }

  get bytes(): number {
    return this.lru.calculatedSize;
  }
}

export interface RedisStoreOptions {
  /** Namespace inside the connection's key prefix, e.g. "rc:" for the response cache. */
  namespace: string;
  /** After this many consecutive failures, skip Redis for `suspendMs`. */
  failureThreshold?: number;
  suspendMs?: number;
}

export type RedisTierState = 'up' | 'suspended' | 'down';

/** Redis tier. Every operation is best effort: failures are counted, never thrown. */
export class RedisStore implements CacheStore {
  private failures = 0;
  private suspendedUntil = 0;
  private readonly threshold: number;
  private readonly suspendMs: number;
  errors = 0;

  constructor(
    private readonly redis: Redis,
    private readonly options: RedisStoreOptions,
  ) {
    this.threshold = options.failureThreshold ?? 3;
    this.suspendMs = options.suspendMs ?? 1_000;
  }

  get state(): RedisTierState {
    if (this.redis.status !== 'ready') return 'down';
    return Date.now() < this.suspendedUntil ? 'suspended' : 'up';
  }

  private available(): boolean {
    return this.redis.status === 'ready' && Date.now() >= this.suspendedUntil;
  }

  private async attempt<T>(op: () => Promise<T>, fallback: T): Promise<T> {
    if (!this.available()) return fallback;
    try {
      const result = await op();
      this.failures = 0;
      return result;
    } catch {
      this.errors++;
      if (++this.failures >= this.threshold) {
        this.suspendedUntil = Date.now() + this.suspendMs;
        this.failures = 0;
      }
      return fallback;
    }
  }

  private k(key: string): string {
    return this.options.namespace + key;
  }

  get(key: string): Promise<Buffer | undefined> {
    return this.attempt(async () => (await this.redis.getBuffer(this.k(key))) ?? undefined, undefined);
  }

  getMany(keys: readonly string[]): Promise<Array<Buffer | undefined>> {
    if (keys.length === 0) return Promise.resolve([]);
    return this.attempt(
      async () => (await this.redis.mgetBuffer(...keys.map((k) => this.k(k)))).map((v) => v ?? undefined),
      keys.map(() => undefined),
    );
  }

  /** Values with their remaining TTL, in one round trip (so a memory copy expires with the original). */
  getWithTtl(keys: readonly string[]): Promise<Array<{ value: Buffer; ttlMs: number } | undefined>> {
    if (keys.length === 0) return Promise.resolve([]);
    return this.attempt(
      async () => {
        const pipeline = this.redis.pipeline();
        for (const key of keys) {
          pipeline.getBuffer(this.k(key));
          pipeline.pttl(this.k(key));
        }
        const results = (await pipeline.exec()) ?? [];
        return keys.map((_, i) => {
          const [errV, value] = results[2 * i] ?? [];
          const [errT, ttl] = results[2 * i + 1] ?? [];
          if (errV || errT || !value || typeof ttl !== 'number' || ttl <= 0) return undefined;
          return { value: value as Buffer, ttlMs: ttl };
        });
      },
      keys.map(() => undefined),
    );
  }

  set(key: string, value: Buffer, ttlMs: number): Promise<void> {
    if (ttlMs <= 0) return Promise.resolve();
    return this.attempt(async () => {
      await this.redis.set(this.k(key), value, 'PX', Math.ceil(ttlMs));
    }, undefined);
  }

  delete(keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return Promise.resolve();
    return this.attempt(async () => {
      await this.redis.del(...keys.map((k) => this.k(k)));
    }, undefined);
  }

  tag(key: string, tags: readonly string[], ttlMs: number): Promise<void> {
    if (tags.length === 0) return Promise.resolve();
    return this.attempt(async () => {
      const pipeline = this.redis.pipeline();
      for (const t of tags) {
        pipeline.sadd(this.k(`tag:${t}`), key);
        // A tag set lives as long as its longest-lived member could.
        pipeline.pexpire(this.k(`tag:${t}`), Math.ceil(ttlMs), 'GT');
        pipeline.pexpire(this.k(`tag:${t}`), Math.ceil(ttlMs), 'NX');
      }
      await pipeline.exec();
    }, undefined);
  }

  purgeTag(tag: string): Promise<number> {
    return this.attempt(async () => {
      const keys = await this.redis.smembers(this.k(`tag:${tag}`));
      await this.redis.del(this.k(`tag:${tag}`), ...keys.map((k) => this.k(k)));
      return keys.length;
    }, 0);
  }

  clear(): Promise<void> {
    return this.attempt(async () => {
      // keyPrefix is not applied to SCAN patterns: match on the full prefix.
      const prefix = (this.redis.options.keyPrefix ?? '') + this.options.namespace;
      let cursor = '0';
      do {
        const [next, found] = await this.redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
        cursor = next;
        if (found.length > 0) await this.redis.unlink(...found.map((k) => k.slice((this.redis.options.keyPrefix ?? '').length)));
      } while (cursor !== '0');
    }, undefined);
  }
}

/** Memory first, Redis second. A Redis hit is copied into memory for the rest of its life. */
export class TieredStore implements CacheStore {
  constructor(
    readonly memory: MemoryStore,
    readonly redis: RedisStore | undefined,
  ) {}

  async get(key: string): Promise<Buffer | undefined> {
    return (await this.getMany([key]))[0];
  }

  async getMany(keys: readonly string[]): Promise<Array<Buffer | undefined>> {
    const out = keys.map((k) => this.memory.getSync(k));
    if (!this.redis) return out;
    const missing = keys.filter((_, i) => out[i] === undefined);
    if (missing.length === 0) return out;
    const remote = await this.redis.getWithTtl(missing);
    let j = 0;
    return out.map((v, i) => {
      if (v !== undefined) return v;
      const r = remote[j++];
      if (r === undefined) return undefined;
      this.memory.setSync(keys[i], r.value, r.ttlMs);
      return r.value;
    });
  }

  async set(key: string, value: Buffer, ttlMs: number): Promise<void> {
    this.memory.setSync(key, value, ttlMs);
    await this.redis?.set(key, value, ttlMs);
  }

  async delete(keys: readonly string[]): Promise<void> {
    await this.memory.delete(keys);
    await this.redis?.delete(keys);
  }

  async tag(key: string, tags: readonly string[], ttlMs: number): Promise<void> {
    await this.memory.tag(key, tags);
    await this.redis?.tag(key, tags, ttlMs);
  }

  async purgeTag(tag: string): Promise<number> {
    const [local, remote] = await Promise.all([this.memory.purgeTag(tag), this.redis?.purgeTag(tag) ?? 0]);
    return Math.max(local, remote);
  }

  async clear(): Promise<void> {
    await this.memory.clear();
    await this.redis?.clear();
  }
}
