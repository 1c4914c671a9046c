// Every saved query a gateway knows: the shipped ones (read-only, they win on a name clash) over
// the writable store.

import type { SavedQuery, StoredQuery } from './model.ts';
import type { SavedQueryStore } from './store.ts';

export class SavedQueryCatalog {
  readonly store: SavedQueryStore;

  private readonly shipped: Map<string, StoredQuery>;

  constructor(store: SavedQueryStore, shipped: readonly StoredQuery[] = []) {
    this.store = store;
    this.shipped = new Map(shipped.map((q) => [q.name, q]));
  }

  isShipped(name: string): boolean {
    return this.shipped.has(name);
  }

  async list(): Promise<SavedQuery[]> {
    const stored = (await this.store.list()).filter((q) => !this.shipped.has(q.name)).map((q) => this.fromStore(q));
    const shipped = [...this.shipped.values()].map((q) => fromShipped(q));
    return [...shipped, ...stored].sort((a, b) => a.name.localeCompare(b.name));
  }

  async get(name: string): Promise<SavedQuery | undefined> {
    const shipped = this.shipped.get(name);
    if (shipped) return fromShipped(shipped);
    const stored = await this.store.get(name);
    return stored ? this.fromStore(stored) : undefined;
  }

  private fromStore(q: StoredQuery): SavedQuery {
    return { ...q, source: this.store.kind, readOnly: false };
  }
}

function fromShipped(q: StoredQuery): SavedQuery {
  return { ...q, source: 'shipped', readOnly: true };
}
