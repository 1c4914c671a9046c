// Where schedules live: `<DATAEX_DATA_DIR>/schedules.json` (the saved-query file's format and
// locking), or a Redis hash `<prefix>schedules` shared by every gateway instance. Writes are
// compare-and-set in both, which is what makes a due run happen once across instances: the
// scheduler claims a slot by moving `lastSlot` forward, and only one claim of a slot succeeds.

import { join } from 'node:path';
import { JsonRecordFile } from '../file-store.ts';
import { RedisRecordHash } from '../redis-store.ts';
import type { RedisClient } from '../../../lib/redis.ts';
import type { Schedule } from './model.ts';

export const SCHEDULES_FILE = 'schedules.json';
export const SCHEDULES_KEY = 'schedules';

export interface ScheduleStore {
  list(): Promise<Schedule[]>;
  get(name: string): Promise<Schedule | undefined>;
  /** `update` sees the current record under the write's lock (or compare-and-set); throwing from it writes nothing. */
  put(name: string, update: (current: Schedule | undefined) => Schedule): Promise<{ created: boolean; query: Schedule }>;
  delete(name: string): Promise<boolean>;
  close(): Promise<void>;
}

export function scheduleStoreFor(dataDir: string, redis: RedisClient | undefined): ScheduleStore {
  return redis ? new RedisRecordHash<Schedule>(redis, SCHEDULES_KEY, 'schedule') : new JsonRecordFile<Schedule>(join(dataDir, SCHEDULES_FILE), 'schedules');
}
