// Byte-valued cache stores, fastest first: an in-process LRU with a byte budget (always), and
// Redis (when configured) behind it, shared by every process. A tiered store reads memory,
// then Redis, and writes both. Redis trouble never fails a caller: reads miss, writes are
// dropped, and a short suspension stops a hung Redis from slowing every request.

import { LRUCache } from 'lru-cache';
import type { ChainableCommander } from 'ioredis';
import { isCluster, RedisGuard, type RedisClient } from '../redis.ts';
import { dataNodes, deleteMany, pipelinePerSlot, type PipelineReply } from './slots.ts';

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

/** The keys carrying one tag. It knows its tag, so a key leaving it can drop an emptied set. */
class TagSet extends Set<string> {
  readonly tag: string;
  constructor(tag: string) {
    super();
    this.tag = tag;
  }
}

export class MemoryStore implements CacheStore {
  private readonly lru: LRUCache<string, Buffer>;
  private readonly tags = new Map<string, TagSet>();
  /**
   * The tag sets of each tagged key, so an evicted or expired key leaves them too. Sets, not
   * tag strings: an entry keeps one small array alive, not a copy of each of its tags' names.
   */
  private readonly setsOfKey = new Map<string, TagSet[]>();

  constructor(options: MemoryStoreOptions) {
    this.lru = new LRUCache<string, Buffer>({
      maxSize: options.maxBytes,
      sizeCalculation: (value, key) => value.length + key.length,
      ttlAutopurge: false,
      allowStale: false,
      // Replaced values keep their tags (set() re-tags them); anything else forgets them.
      dispose: (_value, key, reason) => {
        if (reason !== 'set') this.untag(key);
      },
    });
  }

  private untag(key: string): void {
    const sets = this.setsOfKey.get(key);
    if (!sets) return;
    this.setsOfKey.delete(key);
    for (const set of sets) {
      set.delete(key);
      if (set.size === 0 && this.tags.get(set.tag) === set) this.tags.delete(set.tag);
    }
  }

  /** Distinct tags held (bounded by the live entries: evicted entries leave theirs). */
  get tagCount(): number {
    return this.tags.size;
  }

  /** Whether `key` is held (and not expired), without counting as a use. */
  has(key: string): boolean {
    return this.lru.has(key);
  }

  /** Synchronous read for the hot path (no promise allocation). */
  getSync(key: string): Buffer | undefined {
    return this.lru.get(key);
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
    if (!this.lru.has(key)) return;
    this.untag(key);
    const sets: TagSet[] = [];
    for (const t of tags) {
      let set = this.tags.get(t);
      if (!set) this.tags.set(t, (set = new TagSet(t)));
      set.add(key);
      sets.push(set);
    }
    this.setsOfKey.set(key, sets);
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
    this.setsOfKey.clear();
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
  /**
   * A lookup or write not done after this long counts as failed (default 500 ms). A single Redis
   * bounds each command by its command timeout already; a cluster retries a command whose
   * master just died for up to ~1.6 s, longer than a cache lookup is worth.
   */
  deadlineMs?: number;
}

export type RedisTierState = 'up' | 'suspended' | 'down';

/**
 * Redis tier, on a single Redis or a Redis Cluster. Every operation is best effort: failures
 * are counted, never thrown. On a cluster, multi-key operations go out per hash slot (see
 * slots.ts); when one slot's master is unreachable (a failover), only its keys miss.
 */
export class RedisStore implements CacheStore {
  private readonly redis: RedisClient;
  private readonly options: RedisStoreOptions;

  private readonly guard: RedisGuard;
  errors = 0;

  constructor(redis: RedisClient, options: RedisStoreOptions) {
    this.redis = redis;
    this.options = options;
    this.guard = new RedisGuard(redis, { deadlineMs: options.deadlineMs ?? 500, failureThreshold: options.failureThreshold ?? 3, suspendMs: options.suspendMs ?? 1_000 });
  }

  get state(): RedisTierState {
    if (this.redis.status !== 'ready') return 'down';
    return this.guard.suspended ? 'suspended' : 'up';
  }

  /** Runs `op`, bounded by the deadline unless it is a bulk operation (purge, clear). */
  private async attempt<T>(op: () => Promise<T>, fallback: T, bounded = true): Promise<T> {
    if (!this.guard.available) return fallback;
    try {
      return await this.guard.run(op, bounded);
    } catch {
      this.errors++;
      return fallback;
    }
  }

  /** Per-slot pipelines: all failed = a failure (thrown); some failed = counted, the rest served. */
  private async perSlot(keys: readonly string[], add: (pipeline: ChainableCommander, key: string) => void): Promise<PipelineReply[][]> {
    const result = await pipelinePerSlot(this.redis, keys, add);
    if (result.failedGroups > 0 && result.failedGroups === result.groups) throw result.firstError;
    if (result.failedGroups > 0) this.errors++;
    return result.replies;
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
      async () => {
        const full = keys.map((k) => this.k(k));
        if (!isCluster(this.redis)) return (await this.redis.mgetBuffer(...full)).map((v) => v ?? undefined);
        const replies = await this.perSlot(full, (p, key) => void p.getBuffer(key));
        return replies.map(([[err, value] = [null, null]]) => (err || !value ? undefined : (value as Buffer)));
      },
      keys.map(() => undefined),
    );
  }

  /**
   * Values with their remaining TTL, in one round trip (so a memory copy expires with the
   * original); on a cluster, one round trip per slot, concurrently.
   */
  getWithTtl(keys: readonly string[]): Promise<Array<{ value: Buffer; ttlMs: number } | undefined>> {
    if (keys.length === 0) return Promise.resolve([]);
    return this.attempt(
      async () => {
        const replies = await this.perSlot(
          keys.map((k) => this.k(k)),
          (pipeline, key) => {
            pipeline.getBuffer(key);
            pipeline.pttl(key);
          },
        );
        return replies.map(([[errV, value] = [null, null], [errT, ttl] = [null, null]]) => {
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
      await deleteMany(
        this.redis,
        keys.map((k) => this.k(k)),
      );
    }, undefined);
  }

  tag(key: string, tags: readonly string[], ttlMs: number): Promise<void> {
    if (tags.length === 0) return Promise.resolve();
    return this.attempt(async () => {
      // Tag sets live in slots of their own (not the tagged key's): one pipeline per slot.
      await this.perSlot(
        tags.map((t) => this.k(`tag:${t}`)),
        (pipeline, tagKey) => {
          pipeline.sadd(tagKey, key);
          // A tag set lives as long as its longest-lived member could.
          pipeline.pexpire(tagKey, Math.ceil(ttlMs), 'GT');
          pipeline.pexpire(tagKey, Math.ceil(ttlMs), 'NX');
        },
      );
    }, undefined);
  }

  purgeTag(tag: string): Promise<number> {
    return this.attempt(
      async () => {
        const keys = await this.redis.smembers(this.k(`tag:${tag}`));
        // The members live in many slots: one DEL on a single Redis, one per slot on a cluster.
        await deleteMany(this.redis, [this.k(`tag:${tag}`), ...keys.map((k) => this.k(k))]);
        return keys.length;
      },
      0,
      false,
    );
  }

  clear(): Promise<void> {
    return this.attempt(
      async () => {
        const keyPrefix = this.redis.options.keyPrefix ?? '';
        // keyPrefix is not applied to SCAN patterns: match on the full prefix.
        const pattern = `${keyPrefix}${this.options.namespace}*`;
        if (!isCluster(this.redis)) {
          const redis = this.redis;
          let cursor = '0';
          do {
            const [next, found] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
            cursor = next;
            if (found.length > 0) await redis.unlink(...found.map((k) => k.slice(keyPrefix.length)));
          } while (cursor !== '0');
          return;
        }
        // A cluster: every master holds a share of the keys. Its node connections carry no key
        // prefix, and the keys one SCAN returns span slots: unlink them one by one (pipelined).
        await Promise.all(
          dataNodes(this.redis).map(async (node) => {
            let cursor = '0';
            do {
              const [next, found] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
              cursor = next;
              if (found.length > 0) {
                const pipeline = node.pipeline();
                for (const k of found) pipeline.unlink(k);
                await pipeline.exec();
              }
            } while (cursor !== '0');
          }),
        );
      },
      undefined,
      false,
    );
  }
}

/** Memory first, Redis second. A Redis hit is copied into memory for the rest of its life. */
export class TieredStore implements CacheStore {
  readonly memory: MemoryStore;
  readonly redis: RedisStore | undefined;
  constructor(memory: MemoryStore, redis: RedisStore | undefined) {
    this.memory = memory;
    this.redis = redis;
  }

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
