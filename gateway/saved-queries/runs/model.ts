// A kept run of a saved query: who ran it, when, with what, how it ended, and its whole result
// (every page), as the run store (store.ts) keeps it and the HTTP API shows it.

import { randomBytes } from 'node:crypto';
import type { Principal } from '../../../lib/principal.ts';

/** How a run was started. */
export type RunTrigger = 'schedule' | 'http' | 'cli' | 'console';

/** One attempt to deliver a run's webhook (schedule/webhooks.ts). */
export interface DeliveryAttempt {
  at: string;
  /** HTTP status of the receiver's answer, or null when none came. */
  status: number | null;
  error: string | null;
  durationMs: number;
}

export interface WebhookDelivery {
  url: string;
  delivered: boolean;
  attempts: DeliveryAttempt[];
}

/** What a run list shows: everything but the rows. */
export interface RunMeta {
  /** Sortable and unguessable: `<UTC yyyyMMddTHHmmssSSS>-<12 hex>`. */
  id: string;
  query: string;
  trigger: RunTrigger;
  /** Principal id of the caller (the schedule's owner for scheduled runs). */
  principal: string;
  role: Principal['role'];
  /** The schedule slot this run is for (ISO, China time), for scheduled runs. */
  scheduledFor: string | null;
  startedAt: string;
  durationMs: number;
  variables: Record<string, unknown>;
  /** ok: every page answered without errors; partial: rows with errors; error: no rows. */
  outcome: 'ok' | 'partial' | 'error';
  errors: Array<{ message: string; code: string | null }>;
  rowCount: number;
  pages: number;
  totalCount: number | null;
  columns: string[];
  /** True when the result was cut at the per-run size limit (DATAEX_RUN_MAX_BYTES): rows after it are not kept. */
  truncated: boolean;
  resultBytes: number;
  webhook: WebhookDelivery | null;
}

export interface RunRecord extends RunMeta {
  /** The main list's items, every page, in order. */
  rows: unknown[];
}

let lastStampMs = 0;

/**
 * A new run id: the start time to the millisecond (so ids sort by time; two runs started in the
 * same millisecond of one process get consecutive ones) and 48 random bits (unguessable, and
 * unique across instances).
 */
export function newRunId(at: Date): string {
  const ms = Math.max(at.getTime(), lastStampMs + 1);
  lastStampMs = ms;
  const stamp = new Date(ms).toISOString().replace(/[-:.]/g, '').replace(/Z$/, '');
  return `${stamp}-${randomBytes(6).toString('hex')}`;
}

export const RUN_ID_PATTERN = /^\d{8}T\d{9}-[0-9a-f]{12}$/;

/** Who may read a kept run: the caller it ran as, and admins (its rows are that caller's view). */
export function mayReadRun(run: Pick<RunMeta, 'principal'>, caller: Principal): boolean {
  return caller.role === 'admin' || (caller.id === run.principal && caller.id !== 'anonymous');
}
