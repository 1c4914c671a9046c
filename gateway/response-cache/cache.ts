// The gateway's response cache: whole responses, keyed by the request bytes and the caller's
// scope. PUBLIC answers are shared by callers of the same access class (same role and
// clearance), PRIVATE answers belong to one principal. A hit is served from stored bytes:
// no parsing, validation, planning or execution.
//
// Stale-while-revalidate: an answer past its max-age stays stored for `staleS` more seconds. A
// request in that window gets it at once (x-dataex-cache: STALE) and starts one background
// refresh for its key; the refreshed answer replaces it. Callers of a busy key never queue
// behind an expiry. Purges drop entries outright, stale window or not.
//
// Admission: storing an answer costs a copy of its bytes, its tags in the purge index and LRU
// upkeep (and, once the memory tier is full, an eviction). When almost no look-up hits (every
// request a different query), almost every stored answer is never read again. Then an answer
// is stored only the second time its key is answered within a recent window (a "doorkeeper",
// as in W-TinyLFU): one-off answers cost one set insertion; a repeated key misses once more.

import { hash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { TieredStore } from '../../lib/cache/store.ts';
import type { Invalidation } from '../../lib/cache/bus.ts';
import type { Principal } from '../../lib/principal.ts';

export type { CacheScope } from '../contracts.ts';
import type { CacheScope } from '../contracts.ts';

export interface CachedResponse {
  status: number;
  contentType: string;
  storedAt: number;
  maxAgeS: number;
  scope: CacheScope;
  /** Kept for the audit log of hits. */
  operationName: string | null;
  queryHash: string | null;
  datasets: string[];
  body: Buffer;
}

export interface CacheKeys {
  /** Shared by callers of the same access class. */
  shared: string;
  /** This principal only. */
  private: string;
}

/** Callers with the same access class see exactly the same data, so they may share answers. */
export function accessClass(p: Principal): string {
  return `${p.role}|${p.clearance.maxLevel}|${p.clearance.maxGrade ?? '*'}|${p.personalInfo ? 'pi' : '-'}`;
}

/**
 * The two keys a request is looked up under. The request digest is their hash tag (`{…}`), so
 * on a Redis Cluster both live in one slot and one round trip reads both.
 *
 * Both carry the caller's access class, the private one also the principal id: an answer
 * stored for one class is never found by a caller of another, even one whose key reuses a
 * principal id (keys of one id must agree on their rights, but keys made before that rule, or
 * a hand-edited key file, may not). Both carry the request's Accept header (as a short
 * digest): the stored Content-Type is the one negotiated for it.
 */
// Principals are long-lived objects (key store records): compute each one's class once.
const classOf = new WeakMap<Principal, string>();

export function cacheKeys(method: string, requestBytes: Buffer | string, principal: Principal, accept?: string): CacheKeys {
  // One-shot SHA-256 (no Hash object): this runs on every request, hits included.
  const digest = hash('sha256', requestBytes, 'base64url');
  let cls = classOf.get(principal);
  if (cls === undefined) classOf.set(principal, (cls = accessClass(principal)));
  const head = `{${digest}}:${method}${mediaTag(accept)}`;
  return { shared: `${head}:c:${cls}`, private: `${head}:p:${principal.id}:${cls}` };
}

// Clients send the same few Accept headers: remember each one's tag (bounded).
const mediaTags = new Map<string, string>();

/** The part of a cache key that names the Accept header ("" without one). */
function mediaTag(accept: string | undefined): string {
  if (accept === undefined || accept === '') return '';
  let tag = mediaTags.get(accept);
  if (tag === undefined) {
    tag = `:a:${hash('sha256', accept, 'base64url').slice(0, 16)}`;
    if (mediaTags.size >= 1_000) mediaTags.clear();
    mediaTags.set(accept, tag);
  }
  return tag;
}

/** The key an answer of this scope is stored under. */
function keyFor(keys: CacheKeys, scope: CacheScope): string {
  return scope === 'PUBLIC' ? keys.shared : keys.private;
}

/** The stored form: the head as one JSON line, then the body bytes, in one allocation. */
function encode(entry: Omit<CachedResponse, 'body'>, body: string): Buffer {
  const head = `${JSON.stringify(entry)}\n`;
  const headBytes = Buffer.byteLength(head);
  const out = Buffer.allocUnsafe(headBytes + Buffer.byteLength(body));
  out.write(head, 0);
  out.write(body, headBytes);
  return out;
}

// Memory hits return the same Buffer each time: decode it once.
const decoded = new WeakMap<Buffer, CachedResponse>();

function decode(raw: Buffer | undefined): CachedResponse | undefined {
  if (!raw) return undefined;
  const known = decoded.get(raw);
  if (known) return known;
  const newline = raw.indexOf(10);
  if (newline < 0) return undefined;
  try {
    const head = JSON.parse(raw.subarray(0, newline).toString('utf8')) as Omit<CachedResponse, 'body'>;
    const entry = { ...head, body: raw.subarray(newline + 1) };
    decoded.set(raw, entry);
    return entry;
  } catch {
    return undefined;
  }
}

const DATASET_ID = /"id":"([a-z]+:[^"\\]{1,200})"/g;

/** Every dataex dataset id in an answer (`"id":"<exchange>:…"`), once each. */
export function datasetIdsOf(body: string): string[] {
  const ids = new Set<string>();
  for (const m of body.matchAll(DATASET_ID)) ids.add(m[1]);
  return [...ids];
}

/** Tags for purging: every dataset in the answer and the exchanges they belong to. */
export function tagsOf(datasetIds: readonly string[]): string[] {
  const tags = new Set<string>();
  for (const id of datasetIds) {
    tags.add(`ds:${id}`);
    tags.add(`ex:${id.slice(0, id.indexOf(':'))}`);
  }
  return [...tags];
}

/** When the cache stores only answers whose key it has answered before (see the top). */
export interface AdmissionPolicy {
  /**
   * Look-ups (hits + misses) judged together; the policy is decided anew after each window.
   * Small enough that a gateway turns to cold traffic within a second or two of it (at 100–200
   * misses a second), large enough that a few hits decide it (5 % of 256: 13).
   */
  window: number;
  /**
   * Below this share of hits in a window, the next window stores only second sightings. A
   * stored answer costs about a twentieth of an execution, an extra miss one execution: below
   * 5 % hits, one-off answers outnumber the keys that repeat by far more than twenty to one.
   */
  minHitRatio: number;
  /** Keys remembered as answered once (the oldest are forgotten first). */
  doorkeeperSize: number;
}

export const DEFAULT_ADMISSION: AdmissionPolicy = { window: 256, minHitRatio: 0.05, doorkeeperSize: 16_384 };

export class ResponseCache {
  private readonly store: TieredStore;
  private readonly maxTtlS: number;
  /** Seconds past max-age an answer may still be served while it is refreshed (0: never). */
  private readonly staleS: number;
  private readonly admission: AdmissionPolicy;

  hits = 0;
  misses = 0;
  /** Stale answers served (also counted in `hits`). */
  staleHits = 0;
  /** Answers not stored: their key was answered for the first time while admission was on. */
  notAdmitted = 0;
  /** Keys with a background refresh on its way: one refresh per key at a time. */
  private readonly refreshing = new Set<string>();

  /** True while the cache stores only second sightings (the last window's hit ratio was low). */
  admitting = false;
  /** Keys answered once while admitting, not stored. */
  private readonly doorkeeper: LRUCache<string, true>;
  /** Hits and look-ups counted when the current window began. */
  private windowHits = 0;
  private windowLookups = 0;

  constructor(store: TieredStore, maxTtlS: number, staleS = 0, admission: AdmissionPolicy = DEFAULT_ADMISSION) {
    this.store = store;
    this.maxTtlS = maxTtlS;
    this.staleS = staleS;
    this.admission = admission;
    this.doorkeeper = new LRUCache<string, true>({ max: admission.doorkeeperSize });
  }

  /**
   * Whether an answer under `key` is stored. Without admission (hit ratio fine), always. While
   * admitting: a key already stored (a refresh, a replaced answer) or answered once before is;
   * a new key is only remembered.
   */
  private admit(key: string): boolean {
    const lookups = this.hits + this.misses;
    if (lookups - this.windowLookups >= this.admission.window) {
      const wasAdmitting = this.admitting;
      this.admitting = this.hits - this.windowHits < this.admission.minHitRatio * (lookups - this.windowLookups);
      if (wasAdmitting && !this.admitting) this.doorkeeper.clear();
      this.windowHits = this.hits;
      this.windowLookups = lookups;
    }
    if (!this.admitting) return true;
    if (this.doorkeeper.delete(key) || this.store.memory.has(key)) return true;
    this.doorkeeper.set(key, true);
    this.notAdmitted++;
    return false;
  }

  /**
   * Claims the refresh of a stale entry's key; false when one is already on its way. The
   * caller refreshes, then calls `refreshed`.
   */
  claimRefresh(keys: CacheKeys, entry: CachedResponse): boolean {
    const key = keyFor(keys, entry.scope);
    if (this.refreshing.has(key)) return false;
    this.refreshing.add(key);
    return true;
  }

  refreshed(keys: CacheKeys, entry: CachedResponse): void {
    this.refreshing.delete(keyFor(keys, entry.scope));
  }

  /** Memory-only lookup: the fast path, no promise. */
  lookupLocal(keys: CacheKeys): CachedResponse | undefined {
    return this.servable(decode(this.store.memory.getSync(keys.shared)) ?? decode(this.store.memory.getSync(keys.private)));
  }

  /** Memory, then Redis. */
  async lookup(keys: CacheKeys): Promise<CachedResponse | undefined> {
    return this.lookupLocal(keys) ?? this.lookupRemote(keys);
  }

  /** The Redis tier alone (one round trip for both keys), after a memory miss; none without Redis. */
  async lookupRemote(keys: CacheKeys): Promise<CachedResponse | undefined> {
    if (!this.store.redis) return undefined;
    const [shared, own] = await this.store.getMany([keys.shared, keys.private]);
    return this.servable(decode(shared) ?? decode(own));
  }

  /** Without a stale window, an entry in its last stored millisecond is not served stale. */
  private servable(entry: CachedResponse | undefined): CachedResponse | undefined {
    return entry && this.staleS === 0 && isStale(entry) ? undefined : entry;
  }

  /** Stores an answer; `body` is the response text as sent. */
  async save(keys: CacheKeys, entry: Omit<CachedResponse, 'storedAt' | 'body'>, body: string): Promise<void> {
    const maxAgeS = Math.min(entry.maxAgeS, this.maxTtlS);
    if (maxAgeS <= 0) return;
    const key = keyFor(keys, entry.scope);
    if (!this.admit(key)) return;
    // Kept through the stale window; freshness is judged from the entry's own max-age.
    const ttlMs = (maxAgeS + this.staleS) * 1000;
    await this.store.set(key, encode({ ...entry, maxAgeS, storedAt: Date.now() }, body), ttlMs);
    await this.store.tag(key, tagsOf(entry.datasets), ttlMs);
  }

  /** Drops what an invalidation names; returns how many entries went (-1: everything). */
  async purge(message: Invalidation): Promise<number> {
    // Copies promoted from Redis into memory carry no tags: with a Redis tier, memory is only
    // a front, so drop it whole and purge Redis precisely.
    if (this.store.redis && message.kind !== 'all') await this.store.memory.clear();
    return this.purgeTags(message);
  }

  private async purgeTags(message: Invalidation): Promise<number> {
    switch (message.kind) {
      case 'all':
        await this.store.clear();
        return -1;
      case 'exchange':
        return this.store.purgeTag(`ex:${message.exchange}`);
      case 'datasets': {
        let n = 0;
        for (const id of message.ids) n += await this.store.purgeTag(`ds:${id}`);
        return n;
      }
    }
  }
}

/** Seconds an entry has been stored (the Age header) and seconds of freshness it has left. */
export function ageOf(entry: CachedResponse, now = Date.now()): { age: number; left: number } {
  const age = Math.max(0, Math.floor((now - entry.storedAt) / 1000));
  return { age, left: Math.max(0, entry.maxAgeS - age) };
}

/** Past its max-age: servable only within the stale window (the store drops it after). */
export function isStale(entry: CachedResponse, now = Date.now()): boolean {
  return now - entry.storedAt >= entry.maxAgeS * 1000;
}
