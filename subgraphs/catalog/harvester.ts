// Harvests every exchange's list endpoint into the index: all exchanges at start (readiness
// waits for the first attempt), then a full harvest on an interval and a cheap probe between
// harvests. An exchange that fails keeps its last harvest, marked stale.
//
// Status: OFFLINE until a harvest succeeds; ONLINE after one; DEGRADED when the last attempt
// failed (stale) or while the exchange's circuit breaker is open or probing, even if the last
// harvest succeeded. The breaker is the one of this process's own clients of that exchange
// (subgraphs/common/resilience/registry.ts): in production the catalog's harvest and probe
// calls; in a one-process stack, shared with the exchange subgraph's detail calls.

import type { ExchangeAdapter } from '../common/adapter.ts';
import type { DatasetRecord, ExchangeInfo } from '../common/model.ts';
import { upstreamHealth, type BreakerState, type UpstreamHealth } from '../common/resilience/index.ts';
import { toChinaIso } from '../common/scalars.ts';

export type ExchangeStatus = 'ONLINE' | 'DEGRADED' | 'OFFLINE';

export interface HarvestDiff {
  added: string[];
  changed: string[];
  removed: string[];
}

/** What the harvester needs of the index. */
export interface HarvestTarget {
  replaceExchange(exchange: string, records: DatasetRecord[]): HarvestDiff;
  get(id: string): DatasetRecord | undefined;
}

export interface ExchangeState {
  info: ExchangeInfo;
  status: ExchangeStatus;
  stale: boolean;
  lastHarvestAt: string | null;
  lastError: string | null;
  datasetCount: number;
  providerCount: number;
  /** Items of the last harvest that failed validation and were left out of the index. */
  skipped: number;
  harvestDurationMs: number | null;
  /** Circuit breaker of this process's calls to the exchange; null when it has no client here. */
  breaker: BreakerState | null;
}

export interface HarvesterOptions {
  adapters: readonly ExchangeAdapter[];
  index: HarvestTarget;
  intervalMs: number;
  probeIntervalMs: number;
  /** Told what changed after each successful harvest (cache invalidation hooks in here). */
  onHarvest?: (exchange: string, diff: HarvestDiff) => void;
  log?: (message: string) => void;
  /** Breaker health of an exchange's upstream (default: the process-wide `upstreamHealth`). */
  upstreamHealth?: (exchange: string) => UpstreamHealth | undefined;
}

export class Harvester {
  private readonly options: HarvesterOptions;

  private readonly states = new Map<string, ExchangeState>();
  private readonly running = new Map<string, Promise<void>>();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly abort = new AbortController();
  private firstRoundDone = false;

  constructor(options: HarvesterOptions) {
    this.options = options;
    for (const adapter of options.adapters) {
      this.states.set(adapter.info.id, {
        info: adapter.info,
        status: 'OFFLINE',
        stale: false,
        lastHarvestAt: null,
        lastError: null,
        datasetCount: 0,
        providerCount: 0,
        skipped: 0,
        harvestDurationMs: null,
        breaker: null,
      });
    }
  }

  /** Harvests every exchange once (failures are recorded, not thrown), then schedules the rest. */
  async start(): Promise<void> {
    await Promise.all(this.options.adapters.map((a) => this.harvest(a.info.id)));
    this.firstRoundDone = true;
    if (this.options.intervalMs > 0) {
      const t = setInterval(() => this.options.adapters.forEach((a) => void this.harvest(a.info.id)), this.options.intervalMs);
      t.unref();
      this.timers.push(t);
    }
    if (this.options.probeIntervalMs > 0) {
      const t = setInterval(() => this.options.adapters.forEach((a) => void this.probe(a.info.id)), this.options.probeIntervalMs);
      t.unref();
      this.timers.push(t);
    }
  }

  stop(): void {
    this.timers.forEach(clearInterval);
    this.abort.abort();
  }

  /** Ready once every exchange has been attempted once. */
  get ready(): boolean {
    return this.firstRoundDone;
  }

  /** A snapshot of the exchange's state, status including the breaker. */
  state(exchange: string): ExchangeState | undefined {
    const state = this.states.get(exchange);
    return state && this.view(state);
  }

  allStates(): ExchangeState[] {
    return [...this.states.values()].map((s) => this.view(s));
  }

  /** Breaker health of one exchange's upstream in this process. */
  breakerHealth(exchange: string): UpstreamHealth | undefined {
    return (this.options.upstreamHealth ?? ((id: string) => upstreamHealth.health(id)))(exchange);
  }

  /** Breaker state alone: read for every listing answered, so not the whole health() snapshot. */
  private breakerState(exchange: string): BreakerState | null {
    return (this.options.upstreamHealth ? this.options.upstreamHealth(exchange)?.breaker : upstreamHealth.breakerState(exchange)) ?? null;
  }

  private view(state: ExchangeState): ExchangeState {
    const breaker = this.breakerState(state.info.id);
    // An open (or probing) breaker means calls fail fast: not ONLINE, whatever the last harvest said.
    const status = state.status === 'ONLINE' && (breaker === 'open' || breaker === 'half-open') ? 'DEGRADED' : state.status;
    return { ...state, status, breaker };
  }

  /** Full harvest of one exchange; concurrent calls share the one under way. */
  harvest(exchange: string): Promise<void> {
    const existing = this.running.get(exchange);
    if (existing) return existing;
    const run = this.runHarvest(exchange).finally(() => this.running.delete(exchange));
    this.running.set(exchange, run);
    return run;
  }

  private adapter(exchange: string): ExchangeAdapter {
    const adapter = this.options.adapters.find((a) => a.info.id === exchange);
    if (!adapter) throw new Error(`unknown exchange ${exchange}`);
    return adapter;
  }

  private async runHarvest(exchange: string): Promise<void> {
    const state = this.states.get(exchange)!;
    const started = performance.now();
    const records: DatasetRecord[] = [];
    const seen = new Set<string>();
    let skipped = 0;
    try {
      for await (const page of this.adapter(exchange).harvest(this.abort.signal)) {
        skipped += page.skipped.length;
        for (const record of page.records) {
          // An upstream that repeats an item across pages must not double-count it.
          if (seen.has(record.id)) continue;
          seen.add(record.id);
          records.push(record);
        }
      }
    } catch (e) {
      this.markFailed(state, e);
      return;
    }
    const diff = this.options.index.replaceExchange(exchange, records);
    Object.assign(state, {
      status: 'ONLINE',
      stale: false,
      lastError: null,
      lastHarvestAt: toChinaIso(Date.now()),
      datasetCount: records.length,
      providerCount: new Set(records.map((r) => r.providerCode)).size,
      skipped,
      harvestDurationMs: Math.round(performance.now() - started),
    } satisfies Partial<ExchangeState>);
    if (skipped > 0) this.options.log?.(`harvest ${exchange}: skipped ${skipped} invalid item(s)`);
    if (diff.added.length + diff.changed.length + diff.removed.length > 0) this.options.onHarvest?.(exchange, diff);
  }

  /**
   * Reads the first page only. A failure marks the exchange stale; a success after a failure,
   * or a first page that differs from the index, triggers a full harvest.
   */
  async probe(exchange: string): Promise<void> {
    if (this.running.has(exchange)) return;
    const state = this.states.get(exchange)!;
    const iterator = this.adapter(exchange).harvest(this.abort.signal)[Symbol.asyncIterator]();
    let changed = false;
    try {
      const first = await iterator.next();
      if (!first.done) {
        changed = first.value.records.some((r) => this.options.index.get(r.id)?.updatedAt !== r.updatedAt);
      }
    } catch (e) {
      this.markFailed(state, e);
      return;
    } finally {
      await iterator.return?.().catch(() => undefined);
    }
    if (state.stale || state.status !== 'ONLINE' || changed) await this.harvest(exchange);
  }

  private markFailed(state: ExchangeState, e: unknown): void {
    if (this.abort.signal.aborted) return;
    state.lastError = e instanceof Error ? e.message : String(e);
    state.stale = true;
    state.status = state.lastHarvestAt !== null ? 'DEGRADED' : 'OFFLINE';
    this.options.log?.(`harvest ${state.info.id} failed: ${state.lastError}`);
  }
}
