// Per-key upstream cache for batched look-ups (listing details, registrations): fresh entries
// are served from the store; missing or expired keys are fetched in one batch; concurrent
// requests for the same key share one fetch (single-flight); when the upstream fails, the
// last good value is served until a stale limit, flagged stale.

import type { CacheStore } from './store.ts';

export interface LookupOptions<V> {
  store: CacheStore;
  /** Key namespace, e.g. "up:beijing:detail:". */
  namespace: string;
  /** A value is fresh this long. */
  ttlMs: number;
  /** A value no longer fresh may still be served this long after it was stored, if the upstream fails. */
  staleMs: number;
  /** Freshness of a "not found" (null) answer. */
  negativeTtlMs?: number;
  /** Fetches many keys; an Error value fails that key only; a throw fails them all. */
  fetch: (keys: string[]) => Promise<Map<string, V | null | Error>>;
  now?: () => number;
}

export interface LookupResult<V> {
  value: V | null | Error;
  /** Served from an expired entry because the upstream failed. */
  stale: boolean;
  /** Served from the cache without asking upstream. */
  hit: boolean;
}

interface Envelope<V> {
  storedAt: number;
  value: V | null;
}

export class CachedLookup<V> {
  private readonly options: LookupOptions<V>;

  private readonly inflight = new Map<string, Promise<V | null | Error>>();
  private readonly now: () => number;
  stats = { hits: 0, misses: 0, stale: 0, errors: 0 };

  constructor(options: LookupOptions<V>) {
    this.options = options;
    this.now = options.now ?? Date.now;
  }

  async getMany(keys: readonly string[]): Promise<Map<string, LookupResult<V>>> {
    const unique = [...new Set(keys)];
    const stored = await this.options.store.getMany(unique.map((k) => this.options.namespace + k));
    const results = new Map<string, LookupResult<V>>();
    const expired = new Map<string, Envelope<V>>();
    const toFetch: string[] = [];
    const waits: Array<Promise<void>> = [];
    const now = this.now();

    unique.forEach((key, i) => {
      const envelope = decode<V>(stored[i]);
      if (envelope) {
        const ttl = envelope.value === null ? (this.options.negativeTtlMs ?? this.options.ttlMs) : this.options.ttlMs;
        if (now - envelope.storedAt < ttl) {
          this.stats.hits++;
          results.set(key, { value: envelope.value, stale: false, hit: true });
          return;
        }
        expired.set(key, envelope);
      }
      const pending = this.inflight.get(key);
      if (pending) {
        waits.push(pending.then((value) => void results.set(key, this.settle(key, value, expired.get(key)))));
      } else {
        toFetch.push(key);
      }
    });

    if (toFetch.length > 0) {
      this.stats.misses += toFetch.length;
      const batch = this.fetchAndStore(toFetch);
      for (const key of toFetch) {
        const one = batch.then((m) => m.get(key) ?? null);
        this.inflight.set(key, one);
        void one.finally(() => this.inflight.delete(key));
        waits.push(one.then((value) => void results.set(key, this.settle(key, value, expired.get(key)))));
      }
    }
    await Promise.all(waits);
    return results;
  }

  /** Drops keys (harvest saw them change, or an admin purged them). */
  async invalidate(keys: readonly string[]): Promise<void> {
    await this.options.store.delete(keys.map((k) => this.options.namespace + k));
  }

  private settle(key: string, value: V | null | Error, expired: Envelope<V> | undefined): LookupResult<V> {
    if (!(value instanceof Error)) return { value, stale: false, hit: false };
    if (expired && this.now() - expired.storedAt < this.options.staleMs) {
      this.stats.stale++;
      return { value: expired.value, stale: true, hit: true };
    }
    this.stats.errors++;
    void key;
    return { value, stale: false, hit: false };
  }

  private async fetchAndStore(keys: string[]): Promise<Map<string, V | null | Error>> {
    let fetched: Map<string, V | null | Error>;
    try {
      fetched = await this.options.fetch(keys);
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      return new Map(keys.map((k) => [k, err]));
    }
    const storedAt = this.now();
    await Promise.all(
      keys.map((key) => {
        const value = fetched.get(key);
        if (value === undefined || value instanceof Error) return undefined;
        return this.options.store.set(this.options.namespace + key, encode({ storedAt, value }), this.options.staleMs);
      }),
    );
    return fetched;
  }
}

function encode<V>(envelope: Envelope<V>): Buffer {
  return Buffer.from(JSON.stringify(envelope));
}

function decode<V>(raw: Buffer | undefined): Envelope<V> | undefined {
  if (!raw) return undefined;
  try {
    const parsed = JSON.parse(raw.toString('utf8')) as Envelope<V>;
    return typeof parsed.storedAt === 'number' ? parsed : undefined;
  } catch {
    return undefined;
  }
}
