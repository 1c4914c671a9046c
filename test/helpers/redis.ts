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
  /** The running redis-server's pid (undefined while it is down). */
  pid(): number | undefined;
  /** SIGKILLs the server; resolves once it has exited. */
  kill(): Promise<void>;
  /** Starts it again on the same port (after `kill`). */
  start(): Promise<void>;
  /** SIGSTOP: the server keeps its connections open but answers nothing (a hung Redis). */
  pause(): void;
  /** SIGCONT after `pause`. */
  resume(): void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** INFO server's process_id of whatever answers on `port`, or undefined. */
async function pidOn(port: number): Promise<number | undefined> {
  const client = new Redis(`redis://127.0.0.1:${port}`, { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, connectTimeout: 1_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const m = /^process_id:(\d+)/m.exec(await client.info('server'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  } finally {
    client.disconnect();
  }
}

/**
 * A redis-server of the test's own (Debian's binary). Its port comes from freePort(), which
 * another process may take before redis-server binds it: the helper only accepts a server that
 * answers with its own pid, and tries another port when the bind fails.
 */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  let port = 0;
  let proc: ChildProcess | undefined;
  const running = () => proc !== undefined && proc.exitCode === null && proc.signalCode === null;
  /** Spawns on `port`; false when it exited (port taken) before answering. */
  const spawnOn = async (): Promise<boolean> => {
    const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    proc = child;
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null) return false;
      if ((await pidOn(port)) === child.pid) return true;
      await sleep(50);
    }
    child.kill('SIGKILL');
    throw new Error(`private redis-server on ${port} did not answer within 10 s`);
  };
  for (let attempt = 0; ; attempt++) {
    port = await freePort();
    if (await spawnOn()) break;
    if (attempt === 4) throw new Error('private redis-server could not bind a free port in 5 attempts');
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    pid: () => (running() ? proc!.pid : undefined),
    async start() {
      // The same port again (clients reconnect to it): retry while the old socket lingers.
      for (let attempt = 0; attempt < 20; attempt++) {
        if (await spawnOn()) return;
        await sleep(100);
      }
      throw new Error(`private redis-server could not bind ${port} again`);
    },
    async kill() {
      if (!proc || !running()) return;
      const exited = new Promise((r) => proc!.once('exit', r));
      proc.kill('SIGCONT');
      proc.kill('SIGKILL');
      await exited;
    },
    pause() {
      if (!running()) throw new Error('private redis-server is not running');
      proc!.kill('SIGSTOP');
    },
    resume() {
      if (running()) proc!.kill('SIGCONT');
    },
  };
}
