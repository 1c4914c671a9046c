// Multi-key Redis operations that are safe on a Redis Cluster. A cluster refuses a command or
// a pipeline whose keys live in different hash slots (CROSSSLOT; ioredis refuses such a
// pipeline itself), so keys are grouped by slot and each group goes out on its own,
// concurrently. On a single Redis everything stays one command or one pipeline.

import type { ChainableCommander, Redis } from 'ioredis';
import { isCluster, type RedisClient } from '../redis.ts';

// CRC16-CCITT (XModem), the checksum Redis Cluster slots are computed with.
const CRC_TABLE = (() => {
  const table = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let crc = i << 8;
    for (let b = 0; b < 8; b++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    table[i] = crc;
  }
  return table;
})();

function crc16(bytes: Uint8Array, start: number, end: number): number {
  let crc = 0;
  for (let i = start; i < end; i++) crc = ((crc << 8) & 0xffff) ^ CRC_TABLE[((crc >> 8) ^ bytes[i]) & 0xff];
  return crc;
}

/** The cluster slot of a key (as sent, prefix included): the hash tag `{…}` if it has a non-empty one. */
export function keySlot(key: string | Buffer): number {
  const bytes = typeof key === 'string' ? Buffer.from(key, 'utf8') : key;
  const open = bytes.indexOf(0x7b); // {
  if (open >= 0) {
    const close = bytes.indexOf(0x7d, open + 1); // }
    if (close > open + 1) return crc16(bytes, open + 1, close) & 16383;
  }
  return crc16(bytes, 0, bytes.length) & 16383;
}

/**
 * Indices of `keys` grouped by the slot they live in (keys as given to commands; the
 * connection's keyPrefix is taken into account). One group of everything on a single Redis.
 */
export function groupBySlot(redis: RedisClient, keys: readonly string[]): number[][] {
  if (!isCluster(redis)) return keys.length > 0 ? [keys.map((_, i) => i)] : [];
  const prefix = redis.options.keyPrefix ?? '';
  const groups = new Map<number, number[]>();
  keys.forEach((key, i) => {
    const slot = keySlot(prefix + key);
    let group = groups.get(slot);
    if (!group) groups.set(slot, (group = []));
    group.push(i);
  });
  return [...groups.values()];
}

export type PipelineReply = [Error | null, unknown];

export interface PerSlotResult {
  /** Per key: the replies of the commands queued for it, in order (errors for a failed group). */
  replies: PipelineReply[][];
  /** Groups whose pipeline failed as a whole (e.g. their master was unreachable). */
  failedGroups: number;
  groups: number;
  firstError: Error | undefined;
}

/**
 * Queues `perKey` commands for each key (`add`) and runs them: one pipeline on a single Redis,
 * one pipeline per slot on a cluster, concurrently. A group that fails does not fail the others.
 */
export async function pipelinePerSlot(redis: RedisClient, keys: readonly string[], add: (pipeline: ChainableCommander, key: string) => void): Promise<PerSlotResult> {
  const replies: PipelineReply[][] = keys.map(() => []);
  const groups = groupBySlot(redis, keys);
  let failedGroups = 0;
  let firstError: Error | undefined;
  await Promise.all(
    groups.map(async (group) => {
      const pipeline = redis.pipeline();
      const counts: number[] = [];
      for (const i of group) {
        const before = pipeline.length;
        add(pipeline, keys[i]);
        counts.push(pipeline.length - before);
      }
      try {
        const results = ((await pipeline.exec()) ?? []) as PipelineReply[];
        let at = 0;
        group.forEach((i, g) => {
          replies[i] = results.slice(at, at + counts[g]);
          at += counts[g];
        });
      } catch (e) {
        const error = e instanceof Error ? e : new Error(String(e));
        failedGroups++;
        firstError ??= error;
        for (const [g, i] of group.entries()) replies[i] = Array.from({ length: counts[g] }, (): PipelineReply => [error, null]);
      }
    }),
  );
  return { replies, failedGroups, groups: groups.length, firstError };
}

/** DEL of many keys: one command on a single Redis, one per slot on a cluster. Returns how many went. */
export async function deleteMany(redis: RedisClient, keys: readonly string[]): Promise<number> {
  if (keys.length === 0) return 0;
  if (!isCluster(redis)) return redis.del(...keys);
  const counts = await Promise.all(groupBySlot(redis, keys).map((group) => redis.del(...group.map((i) => keys[i]))));
  return counts.reduce((a, b) => a + b, 0);
}

/** The connections that hold data: every master of a cluster, or the one Redis. */
export function dataNodes(redis: RedisClient): Redis[] {
  return isCluster(redis) ? redis.nodes('master') : [redis];
}
