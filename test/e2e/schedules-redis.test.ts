// Schedules and run history on Redis: two gateway instances on one Redis, both ticking the same
// slots at once (each with the same moved clock), run every due slot exactly once between them;
// the kept runs are in Redis, where either instance serves them. Needs a real Redis at
// 127.0.0.1:6379; skipped without one locally, failing under CI.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startExtraGateway, startTestStack, type TestStack } from '../helpers/stack.ts';
import { deletePrefix, REDIS_URL, skipWithoutRedis, uniquePrefix } from '../helpers/redis.ts';
import { jsonHeaders } from '../unit/saved-queries/lifecycle.ts';

const skip = await skipWithoutRedis();
const prefix = uniquePrefix();
const HOUR = 3_600_000;
const START = Date.parse('2026-12-07T01:00:00Z');
const clock = { t: START - HOUR, now: () => clock.t };
let stack: TestStack;
let second: Awaited<ReturnType<typeof startExtraGateway>>;
let analyst: string;

describe.skipIf(skip)('schedules on Redis with two gateway instances', () => {
  beforeAll(async () => {
    const env = { DATAEX_PLAYGROUND: 'false', DATAEX_REDIS_URL: REDIS_URL, DATAEX_REDIS_PREFIX: prefix, DATAEX_SCHEDULES: 'false' };
    stack = await startTestStack(env, { clock });
    second = await startExtraGateway(stack, env, { clock });
    analyst = (await stack.keys.create({ principalId: 'ana', role: 'analyst' })).key;
  }, 120_000);

  afterAll(async () => {
    await second?.close();
    await stack?.close();
    await deletePrefix(prefix);
  });

  it('runs each hourly slot once between them, however they race', async () => {
    const put = (path: string, body: unknown) => stack.http(path, { method: 'PUT', headers: jsonHeaders(analyst), body: JSON.stringify(body) });
    expect((await put('/saved-queries/hourly-status', { document: '{ exchanges { id status datasetCount } }' })).status).toBe(201);
    const schedule = await put('/saved-queries/hourly-status/schedule', { cron: '0 * * * *' });
    expect(schedule.status, schedule.text).toBe(201);

    const schedulers = [stack.gateway.history.scheduler!, second.gateway.history.scheduler!];
    const slots: string[] = [];
    for (let h = 0; h < 6; h++) {
      clock.t = START + h * HOUR + 1_000;
      const outcomes = (await Promise.all(schedulers.map((s) => s.tick()))).flat();
      expect(outcomes, `slot ${h}`).toHaveLength(1);
      slots.push(outcomes[0].slot);
    }
    expect(new Set(slots).size).toBe(6);
    // Both instances list the same six kept runs, from Redis.
    for (const gateway of [stack.gateway, second.gateway]) {
      const res = await fetch(`${gateway.url.replace(/\/graphql$/, '')}/saved-queries/hourly-status/runs`, { headers: jsonHeaders(analyst) });
      const { runs } = (await res.json()) as { runs: Array<{ scheduledFor: string; rowCount: number }> };
      expect(runs.map((r) => r.scheduledFor).sort()).toEqual([...slots].sort());
      for (const r of runs) expect(r.rowCount).toBeGreaterThan(0);
    }
  });
});
