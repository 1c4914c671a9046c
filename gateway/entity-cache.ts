// Entity cache: the answers of `_entities` subgraph fetches, per entity. Pages of different
// searches keep asking the exchange and registry subgraphs for the same listings' live fields
// and the same providers' registrations; with this cache a fetch asks only for the entities it
// has not seen within their TTL. Only PUBLIC, error-free, non-stale answers are kept, keyed by
// subgraph, selection, other variables, the representation and the caller's access class, for
// the max-age the subgraph's cache hint gave. Any invalidation (harvest, purge) clears it.

import { hash } from 'node:crypto';
import { LRUCache } from 'lru-cache';

interface Entry {
  /** The entity as JSON: the gateway merges answers into its result tree in place, so every
   * reader gets fresh objects and no request can change what another one reads. */
  json: string;
  expiresAt: number;
}

export class EntityCache {
  private readonly lru: LRUCache<string, Entry>;
  hits = 0;
  misses = 0;

  constructor(maxEntries = 100_000) {
    this.lru = new LRUCache<string, Entry>({ max: maxEntries });
  }

  /**
   * What every entity of one fetch shares in its key: subgraph, selection, other variables and
   * the caller's access class. Hashed once per fetch, not once per entity (the selection is long).
   */
  scope(subgraph: string, query: string, otherVariables: string, accessClass: string): string {
    return hash('sha256', `${subgraph}\n${query}\n${otherVariables}\n${accessClass}`, 'base64url');
  }

  /** Key of one entity: its fetch's scope and its representation (short: `__typename` and key fields). */
  key(scope: string, representation: unknown): string {
    return `${scope}|${JSON.stringify(representation)}`;
  }

  get(key: string, now = Date.now()): { value: unknown; expiresAt: number } | undefined {
    const entry = this.lru.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= now) {
      this.lru.delete(key);
      return undefined;
    }
    return { value: JSON.parse(entry.json), expiresAt: entry.expiresAt };
  }

  set(key: string, value: unknown, maxAgeS: number, now = Date.now()): void {
    if (maxAgeS > 0) this.lru.set(key, { json: JSON.stringify(value), expiresAt: now + maxAgeS * 1000 });
  }

  clear(): void {
    this.lru.clear();
  }

  get size(): number {
    return this.lru.size;
  }
}

/** max-age and private-ness of a subgraph's Cache-Control header. */
export function cacheHintOf(header: string | null | undefined): { maxAgeS: number; private: boolean } {
  if (!header) return { maxAgeS: 0, private: false };
  const maxAge = /(?:^|,)\s*max-age=(\d+)/i.exec(header);
  return { maxAgeS: maxAge ? Number(maxAge[1]) : 0, private: /(?:^|,)\s*(private|no-store)\b/i.test(header) };
}
