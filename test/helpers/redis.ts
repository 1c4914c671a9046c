// Real Redis for tests: the machine's server at 127.0.0.1:6379 with a key prefix per run, or a
// private redis-server on a free port that a test may kill. In CI a missing Redis fails the
// suite instead of skipping it.

import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { freePort } from './process.ts';

export const REDIS_URL = process.env.DATAEX_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export async function redisAvailable(url = REDIS_URL): Promise<boolean> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, connectTimeout: 1_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

/** True when the Redis suites should be skipped: only outside CI, and only when Redis is missing. */
export async function skipWithoutRedis(): Promise<boolean> {
  if (await redisAvailable()) return false;
  if (process.env.CI) throw new Error(`Redis is required in CI and is not reachable at ${REDIS_URL}`);
  console.warn(`Redis not reachable at ${REDIS_URL}: skipping Redis tests (they fail instead under CI=true)`);
  return true;
}

export function uniquePrefix(): string {
  return `dataex-test:${process.pid}:${randomBytes(4).toString('hex')}:`;
}

/** Deletes every key under a prefix (cleanup after a test run). */
export async function deletePrefix(prefix: string, url = REDIS_URL): Promise<void> {
  const client = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await client.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    client.disconnect();
  }
}

export interface PrivateRedis {
  url: string;
  port: number;
  kill(): Promise<void>;
  start(): Promise<void>;
}

/** A redis-server of the test's own on a free port (Debian's redis-server binary). */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  let proc: ChildProcess | undefined;
  const start = async () => {
    proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    for (let i = 0; i < 50; i++) {
      if (await redisAvailable(`redis://127.0.0.1:${port}`)) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('private redis-server did not start');
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    start,
    async kill() {
      if (!proc || proc.exitCode !== null) return;
      const exited = new Promise((r) => proc!.once('exit', r));
      proc.kill('SIGKILL');
      await exited;
    },
  };
}
