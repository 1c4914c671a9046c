// Run history and schedules of one gateway: the stores, the key store the scheduler reads
// owners' rights from, the clock, and the scheduler once the saved-query routes have made it.
// launchGateway makes one (gateway/launch.ts) and hands it to the routes; tests reach the
// scheduler through it to move time.

import type { KeyStore } from '../auth/keys.ts';
import type { DataexConfig } from '../../lib/config.ts';
import type { RedisClient } from '../../lib/redis.ts';
import { FileRunStore, RedisRunStore, type RunStore } from './runs/store.ts';
import { scheduleStoreFor, type ScheduleStore } from './schedule/store.ts';
import { SYSTEM_CLOCK, type Clock, type Scheduler } from './schedule/scheduler.ts';

export interface RunHistory {
  runs: RunStore;
  schedules: ScheduleStore;
  keys: KeyStore | undefined;
  clock: Clock;
  /** Set by the saved-query routes; runs schedules when DATAEX_SCHEDULES is on. */
  scheduler: Scheduler | undefined;
}

export function runHistoryFor(config: Pick<DataexConfig, 'dataDir'>, redis: RedisClient | undefined, keys: KeyStore | undefined, clock: Clock = SYSTEM_CLOCK): RunHistory {
  return {
    runs: redis ? new RedisRunStore(redis) : new FileRunStore(config.dataDir),
    schedules: scheduleStoreFor(config.dataDir, redis),
    keys,
    clock,
    scheduler: undefined,
  };
}
