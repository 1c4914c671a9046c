// One way to open Redis for every dataex use (cache tier, APQ, saved queries, keys, rate
// limits, audit): a single Redis (DATAEX_REDIS_URL) or a Redis Cluster (DATAEX_REDIS_CLUSTER).
// Commands fail fast while Redis is down instead of queueing without bound: callers decide
// whether to degrade (caches) or report an error (stores).

import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';

/** A connection to a single Redis or to a Redis Cluster; both take the same commands. */
export type RedisClient = Redis | Cluster;

export interface RedisConnectOptions {
  /** A single Redis: redis:// or rediss:// URL. */
  url?: string;
  /** Redis Cluster seed nodes, `host:port` each (any reachable node finds the rest). */
  cluster?: readonly string[];
  /** Prepended to every key (ioredis keyPrefix). Must not contain `{`: hash tags follow it. */
  keyPrefix: string;
  /** Per-command timeout; a hung Redis must not hang requests. */
  commandTimeoutMs?: number;
}

export function isCluster(redis: RedisClient): redis is Cluster {
  return redis instanceof Cluster;
}

/** `host:port` seed nodes; throws naming the bad entry. */
export function parseClusterNodes(entries: readonly string[]): Array<{ host: string; port: number }> {
  if (entries.length === 0) throw new Error('needs at least one host:port seed node');
  return entries.map((entry) => {
    const m = /^\[?([^\s[\]]+?)\]?:(\d{1,5})$/.exec(entry.trim());
    const port = m ? Number(m[2]) : NaN;
    if (!m || port < 1 || port > 65535) throw new Error(`seed nodes must look like host:port (got ${JSON.stringify(entry)})`);
    return { host: m[1], port };
  });
}

/** Where a connection goes, for messages. */
export function describeRedis(options: Pick<RedisConnectOptions, 'url' | 'cluster'>): string {
  return options.cluster ? `Redis Cluster ${options.cluster.join(',')}` : `Redis at ${options.url}`;
}

export function connectRedis(options: RedisConnectOptions & { cluster?: undefined; url: string }): Redis;
export function connectRedis(options: RedisConnectOptions): RedisClient;
export function connectRedis(options: RedisConnectOptions): RedisClient {
  const commandTimeout = options.commandTimeoutMs ?? 500;
  if (options.cluster) {
    if (options.keyPrefix.includes('{')) throw new Error('DATAEX_REDIS_PREFIX must not contain "{" with a Redis Cluster (hash tags follow the prefix)');
    const clusterOptions: ClusterOptions = {
      // The prefix is applied once, by the cluster client (node connections carry none), so
      // the slot of a key is computed on the prefixed key, hash tags included.
      keyPrefix: options.keyPrefix,
      // Writes and reads go to the master of a slot: a replica may lag behind a fresh entry.
      scaleReads: 'master',
      // No offline queue: while a slot has no reachable master, commands reject (after the
      // bounded redirections below) instead of piling up.
      enableOfflineQueue: false,
      enableReadyCheck: true,
      // Keep trying to come back when no seed node answers, at most once a second.
      clusterRetryStrategy: (times) => Math.min(times * 100, 1_000),
      slotsRefreshTimeout: 1_000,
      slotsRefreshInterval: 5_000,
      // A command whose master just died is retried (slots refreshed in between) every
      // 100 ms, at most maxRedirections times: a failover costs a bounded delay, not an error.
      retryDelayOnFailover: 100,
      retryDelayOnClusterDown: 100,
      retryDelayOnTryAgain: 100,
      maxRedirections: 16,
      redisOptions: {
        commandTimeout,
        connectTimeout: 2_000,
        maxRetriesPerRequest: 0,
      },
    };
    const cluster = new Cluster(parseClusterNodes(options.cluster), clusterOptions);
    // Failures surface through command rejections; unhandled 'error' events would crash.
    cluster.on('error', () => undefined);
    cluster.on('node error', () => undefined);
    return cluster;
  }
  if (!options.url) throw new Error('connectRedis needs a url or cluster seed nodes');
  const redisOptions: RedisOptions = {
    keyPrefix: options.keyPrefix,
    commandTimeout,
    connectTimeout: 2_000,
    // No offline queue: while disconnected, commands reject at once.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    // Keep trying to come back, at most once a second.
    retryStrategy: (times) => Math.min(times * 100, 1_000),
    lazyConnect: false,
  };
  const redis = new Redis(options.url, redisOptions);
  // Connection errors are reported through command failures; an unhandled 'error' event
  // would otherwise crash the process.
  redis.on('error', () => undefined);
  return redis;
}

/**
 * A second connection like `redis` that queues commands until it is connected (for
 * subscriptions, which must survive start-up and reconnects).
 */
export function duplicateQueued(redis: RedisClient): RedisClient {
  // Queued, retried across reconnects, and never timed out: a SUBSCRIBE lost with a connection
  // that dropped before its reply (a loaded machine, a connect timeout) would otherwise leave
  // the subscriber deaf for good, since ioredis re-subscribes only what it saw confirmed.
  const copy = isCluster(redis)
    ? redis.duplicate([], { enableOfflineQueue: true, redisOptions: { ...redis.options.redisOptions, maxRetriesPerRequest: null, commandTimeout: undefined } })
    : redis.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null, commandTimeout: undefined });
  copy.on('error', () => undefined);
  if (isCluster(copy)) copy.on('node error', () => undefined);
  return copy;
}

/** Lets the process exit while this connection is open (its sockets do not hold the loop). */
export function unrefRedis(redis: RedisClient): void {
  const unrefOne = (r: Redis) => {
    const unref = () => (r as unknown as { stream?: { unref?: () => void } }).stream?.unref?.();
    r.on('connect', unref);
    unref();
  };
  if (isCluster(redis)) {
    redis.on('+node', (node: Redis) => unrefOne(node));
    for (const node of redis.nodes()) unrefOne(node);
  } else {
    unrefOne(redis);
  }
}

/** Resolves when connected (a cluster: slots known and cluster_state ok), or rejects after `timeoutMs`. */
export function redisReady(redis: RedisClient, timeoutMs = 3_000): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`Redis not ready after ${timeoutMs} ms (status ${redis.status})`));
    }, timeoutMs);
    const onReady = () => {
      cleanup();
      resolve();
    };
    const cleanup = () => {
      clearTimeout(timer);
      redis.off('ready', onReady);
    };
    redis.on('ready', onReady);
  });
}

/** Rejects when `promise` has not settled after `ms` (the operation itself carries on). */
export function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Redis did not answer within ${ms} ms`)), ms);
  });
  promise.catch(() => undefined);
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

export interface RedisGuardOptions {
  /** A command not done after this long counts as failed (it carries on in Redis). */
  deadlineMs: number;
  /** After this many failures in a row, Redis is skipped for `suspendMs` (default 3). */
  failureThreshold?: number;
  suspendMs?: number;
}

/**
 * Best-effort use of Redis, the one rule every optional Redis use follows (cache tiers, nonces,
 * rate limits): nothing waits for a Redis that is not ready, a command has a deadline, and a
 * Redis that keeps failing is skipped for a second at a time, so a hung Redis costs requests at
 * most a few deadlines, not one each. `run` throws when Redis is skipped or the command fails;
 * the caller falls back.
 */
export class RedisGuard {
  private readonly redis: RedisClient;
  private readonly options: RedisGuardOptions;

  private failures = 0;
  private suspendedUntil = 0;

  constructor(redis: RedisClient, options: RedisGuardOptions) {
    this.redis = redis;
    this.options = options;
  }

  /** Ready and not skipped. */
  get available(): boolean {
    return this.redis.status === 'ready' && Date.now() >= this.suspendedUntil;
  }

  /** Skipped after failures (while the connection itself may look ready). */
  get suspended(): boolean {
    return Date.now() < this.suspendedUntil;
  }

  /** Runs `op` against Redis (bounded by the deadline unless `bounded` is false), counting failures. */
  async run<T>(op: () => Promise<T>, bounded = true): Promise<T> {
    if (!this.available) throw new Error(`Redis is ${this.redis.status === 'ready' ? 'skipped after failures' : this.redis.status}`);
    try {
      const result = bounded ? await withDeadline(op(), this.options.deadlineMs) : await op();
      this.failures = 0;
      return result;
    } catch (e) {
      if (++this.failures >= (this.options.failureThreshold ?? 3)) {
        this.failures = 0;
        this.suspendedUntil = Date.now() + (this.options.suspendMs ?? 1_000);
      }
      throw e;
    }
  }
}
