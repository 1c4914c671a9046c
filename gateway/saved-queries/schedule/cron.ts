// Cron expressions of schedules, read by croner in China time (Asia/Shanghai, no daylight
// saving). Only the arithmetic is croner's: the scheduler (scheduler.ts) decides when to look,
// so a test can move its clock.

import { Cron } from 'croner';

export const SCHEDULE_TIMEZONE = 'Asia/Shanghai';

export class CronError extends Error {}

/** The expression as croner reads it; CronError with croner's reason when it cannot. */
export function parseCron(expression: string): Cron {
  const trimmed = expression.trim();
  if (trimmed.split(/\s+/).length < 5) throw new CronError(`cron expression "${expression}" needs five fields (minute hour day month weekday) or six (seconds first)`);
  try {
    return new Cron(trimmed, { timezone: SCHEDULE_TIMEZONE, paused: true });
  } catch (e) {
    throw new CronError(`cron expression "${expression}" is not valid: ${(e as Error).message}`);
  }
}

/** The most recent slot at or before `now` (epoch ms), if any. */
export function latestSlot(cron: Cron, now: number): number | undefined {
  // croner leaves out a run exactly at the reference; one millisecond later includes it.
  const slot = cron.previousRuns(1, new Date(now + 1))[0]?.getTime();
  return slot !== undefined && slot <= now ? slot : undefined;
}

/** The first slot after `now`. */
export function nextSlot(cron: Cron, now: number): number | undefined {
  return cron.nextRun(new Date(now))?.getTime();
}
