// The gateway's response cache: whole responses, keyed by the request bytes and the caller's
// scope. PUBLIC answers are shared by callers of the same access class (same role and
// clearance), PRIVATE answers belong to one principal. A hit is served from stored bytes:
// no parsing, validation, planning or execution.

import { hash } from 'node:crypto';
import type { TieredStore } from '../../lib/cache/store.ts';
import type { Invalidation } from '../../lib/cache/bus.ts';
import type { Principal } from '../../subgraphs/common/principal.ts';

export type CacheScope = 'PUBLIC' | 'PRIVATE';

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
 */
// Principals are long-lived objects (key store records): compute each one's class once.
const classOf = new WeakMap<Principal, string>();

export function cacheKeys(method: string, requestBytes: Buffer | string, principal: Principal): CacheKeys {
  // One-shot SHA-256 (no Hash object): this runs on every request, hits included.
  const digest = hash('sha256', requestBytes, 'base64url');
  let cls = classOf.get(principal);
  if (cls === undefined) classOf.set(principal, (cls = accessClass(principal)));
  return { shared: `{${digest}}:${method}:c:${cls}`, private: `{${digest}}:${method}:p:${principal.id}` };
}

/** The stored form: the head as one JSON line, then the body bytes, in one allocation. */
function encode(entry: Omit<CachedResponse, 'body'>, body: string): Buffer {
  const head = JSON.stringify(entry) + '\n';
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

export class ResponseCache {
  hits = 0;
  misses = 0;

  constructor(
    private readonly store: TieredStore,
    private readonly maxTtlS: number,
  ) {}

  /** Memory-only lookup: the fast path, no promise. */
  lookupLocal(keys: CacheKeys): CachedResponse | undefined {
    return decode(this.store.memory.getSync(keys.shared)) ?? decode(this.store.memory.getSync(keys.private));
  }

  /** Memory, then Redis (one round trip for both keys). */
  async lookup(keys: CacheKeys): Promise<CachedResponse | undefined> {
    const local = this.lookupLocal(keys);
    if (local || !this.store.redis) return local;
    const [shared, own] = await this.store.getMany([keys.shared, keys.private]);
    return decode(shared) ?? decode(own);
  }

  /** Stores an answer; `body` is the response text as sent. */
  async save(keys: CacheKeys, entry: Omit<CachedResponse, 'storedAt' | 'body'>, body: string): Promise<void> {
    const maxAgeS = Math.min(entry.maxAgeS, this.maxTtlS);
    if (maxAgeS <= 0) return;
    const key = entry.scope === 'PUBLIC' ? keys.shared : keys.private;
    const ttlMs = maxAgeS * 1000;
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

/** Seconds an entry has been stored (the Age header) and seconds it has left. */
export function ageOf(entry: CachedResponse, now = Date.now()): { age: number; left: number } {
  const age = Math.max(0, Math.floor((now - entry.storedAt) / 1000));
  return { age, left: Math.max(0, entry.maxAgeS - age) };
}
