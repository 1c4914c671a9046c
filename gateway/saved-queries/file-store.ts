// Saved queries in one JSON file, `<DATAEX_DATA_DIR>/saved-queries.json`:
//   { "version": 1, "queries": { "<name>": { name, document, description, defaultVariables,
//     owner, updatedBy, createdAt, updatedAt } } }
//
// Crash safety: every write replaces the whole file with writeFileAtomic (temporary file, fsync,
// rename, fsync of the directory), so a crash at any moment leaves the old file or the new one.
// Writers are serialised in-process by a promise chain and across processes (several gateways
// or tools on one data directory) by a lock file created with O_EXCL; each write re-reads the
// file under the lock, so no process overwrites another's change. A lock left by a process that
// died (its pid is gone) or older than LOCK_STALE_MS is taken over. Reads need no lock (rename
// is atomic) and are cached by the file's inode, size and mtime.

import { mkdir, open, readFile, readdir, rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { writeFileAtomic } from '../../lib/atomic-file.ts';
import type { StoredQuery } from './model.ts';
import { StoreUnavailableError, type SavedQueryStore } from './store.ts';

export const SAVED_QUERIES_FILE = 'saved-queries.json';
const LOCK_STALE_MS = 30_000;
const LOCK_WAIT_MS = 10_000;

interface FileShape<T> {
  version: 1;
  queries: Record<string, T>;
}

/**
 * Named records in one JSON file with the crash safety and locking above. Saved queries are
 * one kind of record; trusted documents (trusted-documents/store.ts) another.
 */
export class JsonRecordFile<T extends { name: string }> {
  readonly path: string;
  private readonly what: string;
  private readonly lockPath: string;
  private cache: { key: string; data: FileShape<T> } | undefined;
  private chain: Promise<unknown> = Promise.resolve();
  private cleaned = false;

  /** `what` names the file in errors ("saved-queries"). */
  constructor(path: string, what: string) {
    this.path = path;
    this.what = what;
    this.lockPath = `${this.path}.lock`;
  }

  private async read(): Promise<FileShape<T>> {
    let key: string;
    try {
      const s = await stat(this.path);
      key = `${s.ino}:${s.size}:${s.mtimeMs}`;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, queries: {} };
      throw new StoreUnavailableError(`cannot read ${this.path}: ${(e as Error).message}`, { cause: e });
    }
    if (this.cache?.key === key) return this.cache.data;
    let data: FileShape<T>;
    try {
      data = JSON.parse(await readFile(this.path, 'utf8')) as FileShape<T>;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, queries: {} };
      throw new StoreUnavailableError(`cannot read ${this.path}: ${(e as Error).message}`, { cause: e });
    }
    if (!data || typeof data !== 'object' || typeof data.queries !== 'object' || data.queries === null) {
      throw new StoreUnavailableError(`${this.path} is not a ${this.what} file`);
    }
    this.cache = { key, data };
    return data;
  }

  async list(): Promise<T[]> {
    return Object.values((await this.read()).queries).sort((a, b) => a.name.localeCompare(b.name));
  }

  async get(name: string): Promise<T | undefined> {
    const queries = (await this.read()).queries;
    return Object.hasOwn(queries, name) ? queries[name] : undefined;
  }

  async put(name: string, update: (current: T | undefined) => T): Promise<{ created: boolean; query: T }> {
    return this.mutate((queries) => {
      const current = Object.hasOwn(queries, name) ? queries[name] : undefined;
      const query = update(current);
      queries[name] = query;
      return { result: { created: current === undefined, query }, write: true };
    });
  }

  /** Adds the records not there yet, in one write; returns the names added. */
  async addAll(records: readonly T[]): Promise<string[]> {
    return this.mutate((queries) => {
      const added = records.filter((r) => !Object.hasOwn(queries, r.name));
      for (const r of added) queries[r.name] = r;
      return { result: added.map((r) => r.name), write: added.length > 0 };
    });
  }

  async delete(name: string): Promise<boolean> {
    return this.mutate((queries) => {
      if (!Object.hasOwn(queries, name)) return { result: false, write: false };
      delete queries[name];
      return { result: true, write: true };
    });
  }

  async close(): Promise<void> {
    await this.chain.catch(() => undefined);
  }

  /** Read-modify-write under the in-process chain and the cross-process lock. */
  private mutate<R>(change: (queries: Record<string, T>) => { result: R; write: boolean }): Promise<R> {
    const run = async (): Promise<R> => {
      const release = await this.lock();
      try {
        this.cache = undefined; // another process may have written: read afresh under the lock
        const data = await this.read();
        const queries = { ...data.queries };
        const outcome = change(queries);
        if (!outcome.write) return outcome.result;
        const sorted = Object.fromEntries(
          Object.keys(queries)
            .sort()
            .map((k) => [k, queries[k]]),
        );
        const text = `${JSON.stringify({ version: 1, queries: sorted } satisfies FileShape<T>, null, 2)}\n`;
        try {
          await writeFileAtomic(this.path, text);
        } catch (e) {
          throw new StoreUnavailableError(`cannot write ${this.path}: ${(e as Error).message}`, { cause: e });
        }
        this.cache = undefined;
        return outcome.result;
      } finally {
        await release();
      }
    };
    const next = this.chain.then(run, run);
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async lock(): Promise<() => Promise<void>> {
    const deadline = Date.now() + LOCK_WAIT_MS;
    const me = `${process.pid}\n${hostname()}\n${Date.now()}\n`;
    for (let attempt = 0; ; attempt++) {
      try {
        const handle = await open(this.lockPath, 'wx', 0o600);
        try {
          await handle.writeFile(me);
        } finally {
          await handle.close();
        }
        if (!this.cleaned) await this.removeOrphanTemporaries();
        return async () => {
          await rm(this.lockPath, { force: true });
        };
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') {
          // The data directory does not exist yet.
          await mkdir(dirname(this.lockPath), { recursive: true });
          continue;
        }
        if (code !== 'EEXIST') throw new StoreUnavailableError(`cannot lock ${this.path}: ${(e as Error).message}`, { cause: e });
      }
      if (await this.breakStaleLock()) continue;
      if (Date.now() > deadline) {
        throw new StoreUnavailableError(`${this.path} is locked by another process (${this.lockPath}); try again`);
      }
      await new Promise((r) => setTimeout(r, Math.min(5 + attempt * 5, 50)));
    }
  }

  /** Removes the lock when its owner died or it is older than LOCK_STALE_MS. */
  private async breakStaleLock(): Promise<boolean> {
    let text: string;
    let mtimeMs: number;
    try {
      text = await readFile(this.lockPath, 'utf8');
      mtimeMs = (await stat(this.lockPath)).mtimeMs;
    } catch {
      return true; // released meanwhile: try again at once
    }
    const [pidText, host] = text.split('\n');
    const pid = Number(pidText);
    let stale = Date.now() - mtimeMs > LOCK_STALE_MS;
    if (!stale && host === hostname() && Number.isInteger(pid) && pid > 0) stale = !processAlive(pid);
    if (!stale && text === '' && Date.now() - mtimeMs > 1_000) stale = true; // died between create and write
    if (!stale) return false;
    // Only remove the lock we judged stale (another process may have taken it over already).
    try {
      if ((await readFile(this.lockPath, 'utf8')) !== text) return true;
      await rm(this.lockPath, { force: true });
    } catch {
      /* gone already */
    }
    return true;
  }

  /** Temporary files of writes that were killed before their rename; harmless, but tidy up. */
  private async removeOrphanTemporaries(): Promise<void> {
    this.cleaned = true;
    const dir = dirname(this.path);
    const prefix = `.${basename(this.path)}.`;
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      return;
    }
    for (const name of names) {
      if (!name.startsWith(prefix) || !name.endsWith('.tmp')) continue;
      const pid = Number(name.slice(prefix.length).split('.')[0]);
      if (Number.isInteger(pid) && pid !== process.pid && !processAlive(pid)) await rm(join(dir, name), { force: true });
    }
  }
}

export class FileSavedQueryStore extends JsonRecordFile<StoredQuery> implements SavedQueryStore {
  readonly kind = 'file' as const;

  constructor(dataDir: string) {
    super(join(dataDir, SAVED_QUERIES_FILE), 'saved-queries');
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
