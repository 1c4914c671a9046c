// A saved query's schedule: when it runs (cron in China time), with which variables, as whom
// (its owner, with the owner's key as it is at each run), where it reports (a webhook), and how
// many runs it keeps. One per saved query, kept in the schedule store (store.ts).

export interface Schedule {
  /** The saved query's name (one schedule per query). */
  name: string;
  /** Five fields (minute hour day month weekday), or six with seconds first; evaluated in Asia/Shanghai. */
  cron: string;
  variables: Record<string, unknown>;
  /** Principal id it runs as: whoever set it. */
  owner: string;
  webhook: { url: string; secret: string } | null;
  keep: { count: number; maxAgeDays: number } | null;
  createdAt: string;
  updatedAt: string;
  /** The last slot claimed (ISO), run or skipped; slots after it are due. */
  lastSlot: string | null;
  lastRunId: string | null;
  /** Why the last due slot did not run (the owner has no active key, the query is invalid), or null. */
  suspended: { at: string; reason: string } | null;
}

/** What the HTTP API shows: the webhook secret never (it is shown once, when set). */
export function scheduleView(s: Schedule, next: string | null) {
  return {
    query: s.name,
    cron: s.cron,
    timezone: 'Asia/Shanghai',
    variables: s.variables,
    owner: s.owner,
    webhook: s.webhook ? { url: s.webhook.url } : null,
    keep: s.keep,
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
    lastSlot: s.lastSlot,
    lastRunId: s.lastRunId,
    nextRun: next,
    state: s.suspended ? 'suspended' : 'active',
    suspended: s.suspended,
  };
}
