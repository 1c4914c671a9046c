// Runs saved queries on their schedules. Every `intervalMs` (and at start-up) the scheduler looks
// at every schedule: the most recent slot of its cron expression (China time) that is later than
// the last slot claimed is due. A due slot is claimed by moving the schedule's `lastSlot` forward
// with a compare-and-set write (store.ts), so among several gateway instances exactly one runs
// it; slots missed while no instance was running collapse into the one latest slot, run once at
// start-up. A claimed slot runs as the schedule's owner with the rights of the owner's active
// key at that moment: a downgraded key sees less, and an owner with no active key suspends the
// schedule (the slot is recorded as skipped; it resumes when the owner has a key again). The run
// is kept (run history), compared with the schedule's previous run, and reported to the webhook.
//
// The clock is injected: the gateway's is the system clock, a test's moves by hand (`tick()`).

import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { KeyStore } from '../../auth/keys.ts';
import type { GatewayServices } from '../../routes.ts';
import type { Principal } from '../../../lib/principal.ts';
import { log } from '../../../lib/observability/log.ts';
import { toChinaIso } from '../../../subgraphs/common/scalar-parsing.ts';
import type { SavedQueryCatalog } from '../catalog.ts';
import { runSpecOf } from '../run-spec.ts';
import { collectRun } from '../runs/collect.ts';
import { diffRuns } from '../runs/changes.ts';
import type { RunMeta } from '../runs/model.ts';
import type { Retention, RunStore } from '../runs/store.ts';
import { SAVED_QUERIES_PATH } from '../paths.ts';
import { latestSlot, parseCron } from './cron.ts';
import type { Schedule } from './model.ts';
import type { ScheduleStore } from './store.ts';
import { DEFAULT_DELIVERY, deliver, type DeliveryOptions } from './webhooks.ts';

export interface Clock {
  now(): number;
}

export const SYSTEM_CLOCK: Clock = { now: () => Date.now() };

export interface SchedulerDeps {
  schedules: ScheduleStore;
  runs: RunStore;
  keys: KeyStore | undefined;
  catalog: SavedQueryCatalog;
  services: GatewayServices;
  clock: Clock;
  retention: Retention;
  maxRunBytes: number;
  webhookAllow: readonly string[];
  /** Webhook retries: attempts, backoff, timeout, and how to wait (a test's clock may not wait). */
  delivery?: Partial<Pick<DeliveryOptions, 'attempts' | 'backoffMs' | 'timeoutMs' | 'sleep'>>;
}

/** What one tick did with one due slot. */
export interface SlotOutcome {
  query: string;
  slot: string;
  run: RunMeta | null;
  skipped: string | null;
}

const INTERNAL_SOCKET = { remoteAddress: '127.0.0.1' } as Socket;

/** The request a scheduled run goes through the request path as (audit lines say dataex-scheduler). */
function scheduledRequest(name: string): IncomingMessage {
  return { method: 'POST', url: `${SAVED_QUERIES_PATH}/${name}/run`, headers: { 'user-agent': 'dataex-scheduler', accept: 'application/json' }, socket: INTERNAL_SOCKET } as unknown as IncomingMessage;
}

class AlreadyClaimed extends Error {}

export class Scheduler {
  private readonly deps: SchedulerDeps;
  private timer: NodeJS.Timeout | undefined;
  private firstTimer: NodeJS.Timeout | undefined;
  private ticking: Promise<SlotOutcome[]> | undefined;

  constructor(deps: SchedulerDeps) {
    this.deps = deps;
  }

  /**
   * Looks as soon as the gateway serves a schema (a slot missed while it was down runs then),
   * and every `intervalMs` after.
   */
  start(intervalMs: number): void {
    const first = () => {
      try {
        this.deps.services.apiSchema();
      } catch {
        this.firstTimer = setTimeout(first, 250).unref();
        return;
      }
      void this.tick();
    };
    first();
    this.timer = setInterval(() => void this.tick(), intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearTimeout(this.firstTimer);
    clearInterval(this.timer);
    await this.ticking?.catch(() => undefined);
  }

  /** Runs every due slot once; a tick already under way is joined, never doubled. */
  tick(): Promise<SlotOutcome[]> {
    this.ticking ??= this.runDue().finally(() => {
      this.ticking = undefined;
    });
    return this.ticking;
  }

  private async runDue(): Promise<SlotOutcome[]> {
    const outcomes: SlotOutcome[] = [];
    let schedules: Schedule[];
    try {
      schedules = await this.deps.schedules.list();
    } catch (e) {
      log.warn({ component: 'scheduler', err: e }, 'cannot read the schedules; trying again at the next tick');
      return outcomes;
    }
    for (const schedule of schedules) {
      try {
        const outcome = await this.runIfDue(schedule);
        if (outcome) outcomes.push(outcome);
      } catch (e) {
        log.error({ component: 'scheduler', err: e, savedQuery: schedule.name }, 'scheduled run failed');
      }
    }
    return outcomes;
  }

  private async runIfDue(schedule: Schedule): Promise<SlotOutcome | undefined> {
    const now = this.deps.clock.now();
    let cron: ReturnType<typeof parseCron>;
    try {
      cron = parseCron(schedule.cron);
    } catch {
      return undefined; // refused when saved; a record edited by hand waits for a fix
    }
    const due = latestSlot(cron, now);
    if (due === undefined || due <= Date.parse(schedule.lastSlot ?? schedule.createdAt)) return undefined;
    try {
      this.deps.services.apiSchema();
    } catch {
      return undefined; // no supergraph yet (start-up): the slot waits, unclaimed, for the next tick
    }
    const slot = toChinaIso(due);
    try {
      await this.deps.schedules.put(schedule.name, (current) => {
        if (!current || due <= Date.parse(current.lastSlot ?? current.createdAt)) throw new AlreadyClaimed();
        return { ...current, lastSlot: slot };
      });
    } catch (e) {
      if (e instanceof AlreadyClaimed) return undefined; // another instance has it
      throw e;
    }
    return this.runSlot(schedule.name, slot);
  }

  private async suspend(name: string, reason: string): Promise<void> {
    const at = toChinaIso(this.deps.clock.now());
    await this.deps.schedules.put(name, (current) => {
      if (!current) throw new AlreadyClaimed();
      return { ...current, suspended: { at, reason } };
    });
    log.warn({ component: 'scheduler', savedQuery: name }, `schedule suspended: ${reason}`);
  }

  /** The owner as their active key says now; undefined when they have none. */
  private async ownerPrincipal(owner: string): Promise<Principal | undefined> {
    const records = (await this.deps.keys?.list()) ?? [];
    return records.find((r) => r.principal.id === owner && r.revokedAt === null)?.principal;
  }

  private async runSlot(name: string, slot: string): Promise<SlotOutcome> {
    const { catalog, services, runs, clock } = this.deps;
    const schedule = await this.deps.schedules.get(name);
    const query = await catalog.get(name);
    if (!schedule || !query) {
      if (schedule) await this.deps.schedules.delete(name);
      return { query: name, slot, run: null, skipped: 'the saved query is gone; its schedule was deleted' };
    }
    const principal = await this.ownerPrincipal(schedule.owner);
    if (!principal) {
      const reason = `its owner "${schedule.owner}" has no active API key`;
      await this.suspend(name, reason);
      return { query: name, slot, run: null, skipped: reason };
    }
    let spec: ReturnType<typeof runSpecOf>;
    try {
      spec = runSpecOf(services.apiSchema(), query, schedule.variables, { format: 'json', all: true });
    } catch (e) {
      const reason = (e as Error).message;
      await this.suspend(name, reason);
      return { query: name, slot, run: null, skipped: reason };
    }
    const record = await collectRun(services, spec, scheduledRequest(name), {
      trigger: 'schedule',
      principal,
      asPrincipal: true,
      scheduledFor: slot,
      maxBytes: this.deps.maxRunBytes,
      now: () => clock.now(),
    });
    const retention = schedule.keep ? { keep: schedule.keep.count, maxAgeMs: schedule.keep.maxAgeDays * 86_400_000 } : this.deps.retention;
    // The previous scheduled run, read before this one is stored (retention may drop it).
    const previousMeta = (await runs.list(name)).find((m) => m.trigger === 'schedule' && m.id < record.id);
    const previous = previousMeta ? await runs.get(name, previousMeta.id) : undefined;
    await runs.put(record, retention, clock.now());
    await this.deps.schedules.put(name, (current) => {
      if (!current) throw new AlreadyClaimed();
      return { ...current, lastRunId: record.id, suspended: null };
    });
    const { rows: _rows, ...meta } = record;
    if (!schedule.webhook) return { query: name, slot, run: meta, skipped: null };

    const report = previous ? diffRuns(previous, record) : undefined;
    const base = `${SAVED_QUERIES_PATH}/${name}/runs`;
    const payload = {
      event: 'saved-query.run',
      query: name,
      run: { id: record.id, scheduledFor: slot, startedAt: record.startedAt, outcome: record.outcome, rows: record.rowCount, truncated: record.truncated, errors: record.errors },
      previousRun: previous?.id ?? null,
      changes: report ? report.counts : null,
      links: {
        run: `${base}/${record.id}`,
        changes: previous ? `${base}/${record.id}/changes?since=${previous.id}` : null,
        changesCsv: previous ? `${base}/${record.id}/changes?since=${previous.id}&format=csv` : null,
      },
    };
    const delivery = await deliver(schedule.webhook, 'saved-query.run', record.id, payload, {
      ...DEFAULT_DELIVERY,
      ...this.deps.delivery,
      allow: this.deps.webhookAllow,
      now: () => clock.now(),
      sleep: this.deps.delivery?.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
    });
    await runs.updateMeta(name, record.id, (m) => ({ ...m, webhook: delivery }));
    return { query: name, slot, run: { ...meta, webhook: delivery }, skipped: null };
  }
}
