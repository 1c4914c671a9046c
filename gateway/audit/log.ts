// The audit log: one JSON line per operation the gateway answered (who, when, what, which
// datasets it returned, how it ended). Append-only: a daily file under DATAEX_DATA_DIR/audit,
// or a Redis stream. Recording never blocks a response: lines are queued and written in the
// background; close() flushes.

import { chmodSync, createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RedisClient } from '../../lib/redis.ts';
import { maskFreeText } from '../../subgraphs/common/masking.ts';
import { log } from '../../lib/observability/log.ts';

export interface AuditEntry {
  /** ISO-8601 time the request arrived. */
  time: string;
  principal: string;
  role: string;
  operationName: string | null;
  /** SHA-256 hex of the document (equals its APQ hash); null when there was none. */
  queryHash: string | null;
  /** Variables with personal data (ID and mobile numbers) masked. */
  variables: unknown;
  /** dataex ids of the datasets in the answer. */
  datasets: string[];
  /** "ok", "partial" (data and errors), "error", or "refused" (auth, limits, rate). */
  outcome: 'ok' | 'partial' | 'error' | 'refused';
  errorCodes: string[];
  status: number;
  durationMs: number;
  /** HIT, STALE, MISS, BYPASS, COALESCED, or null without a response cache. */
  cache: string | null;
  /** The saved query run, if it was one. */
  savedQuery?: string;
}

export interface AuditQuery {
  principal?: string;
  since?: string;
  until?: string;
  limit?: number;
}

export interface AuditLog {
  record(entry: AuditEntry): void;
  /** Records an entry already serialized (JSON, AuditEntry's field order); `time` is its time. */
  recordLine(line: string, time: string): void;
  query(q: AuditQuery): Promise<AuditEntry[]>;
  close(): Promise<void>;
}

/** How deep maskVariables descends; anything deeper is replaced by TOO_DEEP. */
export const MAX_VARIABLE_DEPTH = 32;
export const TOO_DEEP = '[too deep]';

/**
 * Masks personal data inside variable values and keys (ID and mobile numbers in any written
 * form: masking.ts's maskFreeText, the matcher sample rows are masked with). Nesting deeper than
 * MAX_VARIABLE_DEPTH (no real variables come near it) becomes TOO_DEEP, so that hostile variables
 * (`{"a":{"a":…}}` 200 000 levels deep) neither exhaust the stack here nor in JSON.stringify.
 */
export function maskVariables(value: unknown): unknown {
  return maskAt(value, 0);
}

function maskAt(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return maskFreeText(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_VARIABLE_DEPTH) return TOO_DEEP;
  if (Array.isArray(value)) return value.map((v) => maskAt(v, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [maskFreeText(k), maskAt(v, depth + 1)]));
}

/** What a cache hit's line says of the stored answer: the same for every hit on it. */
export type AnswerFields = Pick<AuditEntry, 'operationName' | 'queryHash' | 'datasets' | 'outcome' | 'errorCodes' | 'status'>;

// A hit's line is assembled from parts serialized once (per principal, per stored answer):
// JSON.stringify of the whole entry on every hit was most of the hit path's own work.
const principalParts = new WeakMap<object, string>();

/** `"operationName":…,"status":…`: the answer's fields without braces, in AuditEntry order. */
export function answerPart(a: AnswerFields): string {
  const json = JSON.stringify({ operationName: a.operationName, queryHash: a.queryHash, datasets: a.datasets, outcome: a.outcome, errorCodes: a.errorCodes, status: a.status });
  return json.slice(1, -1);
}

/** The line `JSON.stringify(entry)` would give for a hit (no variables, no saved query). */
export function hitLine(time: string, principal: { id: string; role: string }, answer: string, durationMs: number, cache: string): string {
  let who = principalParts.get(principal);
  if (who === undefined) principalParts.set(principal, (who = JSON.stringify({ principal: principal.id, role: principal.role }).slice(1, -1)));
  return `{"time":"${time}",${who},${answer},"durationMs":${durationMs},"cache":"${cache}"}`;
}

function matches(e: AuditEntry, q: AuditQuery): boolean {
  if (q.principal && e.principal !== q.principal) return false;
  if (q.since && e.time < new Date(q.since).toISOString()) return false;
  if (q.until && e.time > new Date(q.until).toISOString()) return false;
  return true;
}

/** Audit files are readable and writable by their owner only. */
const AUDIT_FILE_MODE = 0o600;

/** Daily JSON-lines files: audit/audit-YYYY-MM-DD.jsonl (UTC day). */
/** Lines are written in batches: at most this long after they were recorded… */
const BATCH_MS = 50;
/** …or as soon as this many bytes wait. */
const BATCH_BYTES = 64 * 1024;

export class FileAuditLog implements AuditLog {
  private readonly dir: string;
  /** Open day files. Each day has one writer, so its file keeps the recording order. */
  private readonly streams = new Map<string, WriteStream>();
  /** Day files being closed whose last writes may still be on their way. */
  private readonly closing = new Set<Promise<void>>();
  private ready: Promise<void>;
  /** Full batches not yet handed to a stream, oldest first, with the day file they belong to. */
  private pending: Array<{ day: string; bytes: Buffer }> = [];
  /** The batch being filled: lines of one day, encoded straight into one buffer. */
  private batch = Buffer.allocUnsafe(BATCH_BYTES);
  private batchDay = '';
  private used = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(dataDir: string) {
    this.dir = join(dataDir, 'audit');
    this.ready = mkdir(this.dir, { recursive: true, mode: 0o700 }).then(() => undefined);
  }

  private streamFor(day: string): WriteStream {
    let stream = this.streams.get(day);
    if (stream) return stream;
    // Owner-only, like keys.json: the log names principals and what they read. The mode applies
    // when the file is created; a file an older version left 0644 is tightened first (one
    // syscall per day file, before any line of this process reaches it).
    const path = join(this.dir, `audit-${day}.jsonl`);
    try {
      chmodSync(path, AUDIT_FILE_MODE);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') log.error({ component: 'audit' }, `chmod failed: ${(e as Error).message}`);
    }
    stream = createWriteStream(path, { flags: 'a', mode: AUDIT_FILE_MODE });
    stream.on('error', (e) => log.error({ component: 'audit' }, `write failed: ${e.message}`));
    this.streams.set(day, stream);
    // A request that arrived before midnight may be answered after later ones: keep the two
    // newest days open and close older ones.
    if (this.streams.size > 2) {
      const oldest = [...this.streams.keys()].filter((d) => d !== day).sort()[0];
      this.end(oldest);
    }
    return stream;
  }

  private end(day: string): Promise<void> {
    const stream = this.streams.get(day)!;
    this.streams.delete(day);
    const done = new Promise<void>((resolve) => stream.end(() => resolve()));
    this.closing.add(done);
    void done.finally(() => this.closing.delete(done));
    return done;
  }

  /**
   * Queues the line; a batch goes to the file within BATCH_MS, or once BATCH_BYTES wait. One
   * write per batch instead of one per request keeps the audit log off the hot path (a cache hit
   * costs microseconds), and each line is encoded once, straight into the batch's buffer.
   */
  record(entry: AuditEntry): void {
    this.recordLine(JSON.stringify(entry), entry.time);
  }

  recordLine(line: string, time: string): void {
    const day = time.slice(0, 10);
    if (day !== this.batchDay) this.seal(day);
    // Worst case 3 UTF-8 bytes per UTF-16 unit, plus the newline.
    const room = line.length * 3 + 1;
    if (room > this.batch.length - this.used) {
      this.seal(day);
      if (room > this.batch.length) {
        this.pending.push({ day, bytes: Buffer.from(`${line}\n`) });
        return this.schedule();
      }
    }
    this.used += this.batch.write(line, this.used);
    this.batch[this.used++] = 10;
    this.schedule();
  }

  private schedule(): void {
    if (this.pending.length > 0) void this.writePending();
    else if (!this.timer) {
      this.timer = setTimeout(() => void this.writePending(), BATCH_MS);
      this.timer.unref();
    }
  }

  /** Queues the batch being filled (if it holds anything) and starts one for `day`. */
  private seal(day: string): void {
    if (this.used > 0) {
      this.pending.push({ day: this.batchDay, bytes: this.batch.subarray(0, this.used) });
      this.batch = Buffer.allocUnsafe(BATCH_BYTES);
      this.used = 0;
    }
    this.batchDay = day;
  }

  /** Hands every queued batch to its day's file stream. */
  private async writePending(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.seal(this.batchDay);
    if (this.pending.length === 0) return;
    const batches = this.pending;
    this.pending = [];
    await this.ready;
    for (const { day, bytes } of batches) this.streamFor(day).write(bytes);
  }

  async query(q: AuditQuery): Promise<AuditEntry[]> {
    await this.ready;
    await this.flush();
    const files = (await readdir(this.dir)).filter((f) => /^audit-\d{4}-\d{2}-\d{2}\.jsonl$/.test(f)).sort();
    const sinceDay = q.since ? new Date(q.since).toISOString().slice(0, 10) : '';
    const untilDay = q.until ? new Date(q.until).toISOString().slice(0, 10) : '9999';
    const out: AuditEntry[] = [];
    for (const file of files) {
      const day = file.slice(6, 16);
      if (day < sinceDay || day > untilDay) continue;
      for (const line of (await readFile(join(this.dir, file), 'utf8')).split('\n')) {
        if (!line) continue;
        try {
          const entry = JSON.parse(line) as AuditEntry;
          if (matches(entry, q)) out.push(entry);
        } catch {
          // A torn last line after a crash: skip it.
        }
      }
    }
    return q.limit ? out.slice(-q.limit) : out;
  }

  /** Everything recorded so far is in the files once this resolves. */
  private async flush(): Promise<void> {
    await this.writePending();
    const writing = [...this.streams.values()].filter((s) => s.writableLength > 0).map((s) => new Promise<void>((resolve) => s.write('', () => resolve())));
    await Promise.all([...writing, ...this.closing]);
  }

  async close(): Promise<void> {
    await this.ready;
    await this.writePending();
    await Promise.all([...[...this.streams.keys()].map((day) => this.end(day)), ...this.closing]);
  }
}

/** A Redis stream (XADD, capped near `maxLength` entries; one key, so one slot on a cluster), shared by every gateway instance. */
export class RedisAuditLog implements AuditLog {
  private readonly redis: RedisClient;
  private readonly key: string;
  private readonly maxLength: number;

  private pending = new Set<Promise<unknown>>();
  private readonly fallback: FileAuditLog;

  constructor(redis: RedisClient, dataDir: string, key = 'audit', maxLength = 1_000_000) {
    this.redis = redis;
    this.key = key;
    this.maxLength = maxLength;
    // If Redis cannot take a line, the local file does: a line is never just dropped.
    this.fallback = new FileAuditLog(dataDir);
  }

  record(entry: AuditEntry): void {
    this.recordLine(JSON.stringify(entry), entry.time);
  }

  recordLine(line: string, time: string): void {
    const p = this.redis
      .xadd(this.key, 'MAXLEN', '~', String(this.maxLength), '*', 'e', line)
      .catch(() => this.fallback.recordLine(line, time))
      .finally(() => this.pending.delete(p));
    this.pending.add(p);
  }

  async query(q: AuditQuery): Promise<AuditEntry[]> {
    await Promise.all(this.pending);
    const start = q.since ? String(new Date(q.since).getTime()) : '-';
    const end = q.until ? String(new Date(q.until).getTime()) : '+';
    const rows = await this.redis.xrange(this.key, start, end);
    const entries = rows.map(([, fields]) => JSON.parse(fields[1]) as AuditEntry).filter((e) => matches(e, q));
    const local = await this.fallback.query(q);
    const all = [...entries, ...local].sort((a, b) => a.time.localeCompare(b.time));
    return q.limit ? all.slice(-q.limit) : all;
  }

  async close(): Promise<void> {
    await Promise.all(this.pending);
    await this.fallback.close();
  }
}
