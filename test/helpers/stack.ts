// Starts the real stack on free ports for end-to-end tests and talks to it over HTTP.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { loadConfig, type DataexConfig } from '../../lib/config.ts';
import { startStack, type RunningStack } from '../../stack.ts';
import type { UpstreamOptions } from '../../simulators/index.ts';
import { EXCHANGE_WORLD_PARTS, type ExchangeSimulator } from '../../simulators/world.ts';
import { settingVariable } from '../../subgraphs/exchanges.ts';
import { keyStoreFor, type KeyStore } from '../../gateway/auth/keys.ts';
import type { Invalidation, InvalidationBus } from '../../lib/cache/bus.ts';

export interface GraphQLResult<T = any> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  data?: T;
  errors?: Array<{ message: string; path?: (string | number)[]; extensions?: Record<string, any> }>;
  extensions?: Record<string, any>;
}

export interface TestStack extends RunningStack {
  config: DataexConfig;
  /** The key store the gateway reads (Redis when the stack has it, else keys.json). */
  keys: KeyStore;
  gql<T = any>(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<GraphQLResult<T>>;
  http(path: string, init?: { method?: string; body?: string; headers?: Record<string, string> }): Promise<{ status: number; headers: Record<string, any>; text: string }>;
  baseUrl: string;
}

export interface TestStackOptions {
  /** Send every gql() call with a key of this role unless the call passes its own headers
   * (`{ authorization: '' }` = anonymous). */
  as?: 'public' | 'analyst' | 'admin';
  /** `real`: every exchange at its real pace, not its module's `testSpeed` (default `test`). */
  speed?: 'test' | 'real';
  /** The gateway's clock for schedules (a test moves it and calls `gateway.history.scheduler.tick()`). */
  clock?: import('../../gateway/saved-queries/schedule/scheduler.ts').Clock;
}

/**
 * The exchanges' test speed (each simulator module's `simulator.testSpeed`): its adapter settings
 * as variables (DATAEX_<ID>_<KEY>) and its simulator's options, by exchange id. Raised together,
 * so a test stack's adapter never outpaces its simulator.
 */
export function testSpeedOf(parts: readonly ExchangeSimulator[] = EXCHANGE_WORLD_PARTS): { env: Record<string, string>; upstreamOptions: Record<string, UpstreamOptions> } {
  const env: Record<string, string> = {};
  const upstreamOptions: Record<string, UpstreamOptions> = {};
  for (const part of parts) {
    if (!part.testSpeed) continue;
    for (const [key, value] of Object.entries(part.testSpeed.settings)) env[settingVariable(part.id, key)] = value;
    upstreamOptions[part.id] = { ...part.testSpeed.upstream };
  }
  return { env, upstreamOptions };
}

export async function startTestStack(env: Record<string, string> = {}, options: TestStackOptions = {}): Promise<TestStack> {
  const speed = options.speed === 'real' ? { env: {}, upstreamOptions: {} } : testSpeedOf();
  const config = loadConfig({
    DATAEX_DATA_DIR: mkdtempSync(join(tmpdir(), 'dataex-test-')),
    DATAEX_PROBE_INTERVAL_MS: '0',
    DATAEX_HARVEST_INTERVAL_MS: '0',
    DATAEX_UPSTREAM_TIMEOUT_MS: '3000',
    // Suites fire bursts from one address; the rate-limit suite turns limits on itself.
    DATAEX_RATE_LIMITS: 'off',
    ...speed.env,
    ...env,
  });
  const stack = await startStack({ config, freePorts: true, upstreamOptions: speed.upstreamOptions, ...(options.clock ? { clock: options.clock } : {}) });
  await stack.catalog.firstHarvest;
  const baseUrl = stack.gateway.url.replace(/\/graphql$/, '');
  const http: TestStack['http'] = async (path, init = {}) => {
    const res = await request(baseUrl + path, { method: (init.method ?? 'GET') as any, body: init.body, headers: init.headers });
    return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
  };
  const keys = keyStoreFor(config.dataDir, stack.cache.redis);
  const defaults: Record<string, string> = options.as ? await apiKey({ keys }, options.as, `test-${options.as}`) : {};
  const gql: TestStack['gql'] = async (query, variables, headers = {}) => {
    const merged: Record<string, string> = { 'content-type': 'application/json', ...defaults, ...headers };
    if (merged.authorization === '') delete merged.authorization;
    const res = await http('/graphql', {
      method: 'POST',
      body: JSON.stringify({ query, variables }),
      headers: merged,
    });
    const body = JSON.parse(res.text);
    return { status: res.status, headers: res.headers, data: body.data, errors: body.errors, extensions: body.extensions };
  };
  return { ...stack, config, keys, gql, http, baseUrl };
}

/** JSON call to a simulator (control routes and raw upstream reads). */
export async function simCall(baseUrl: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<any> {
  const res = await request(baseUrl + path, {
    method: method as any,
    body: body === undefined ? undefined : JSON.stringify(body),
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
  });
  const text = await res.body.text();
  return text ? JSON.parse(text) : undefined;
}

/** Creates an API key in the stack's key file and returns the Authorization header for it. */
export async function apiKey(stack: { keys: KeyStore }, role: 'public' | 'analyst' | 'admin', principalId = `${role}-${Math.random().toString(36).slice(2, 8)}`): Promise<Record<string, string>> {
  const { key } = await stack.keys.create({ principalId, role });
  return { authorization: `Bearer ${key}` };
}

/** Request counts per simulator route, for before/after comparisons. */
export async function simStats(stack: RunningStack): Promise<Record<string, Record<string, number>>> {
  const entries = await Promise.all(Object.entries(stack.simulators).map(async ([name, s]) => [name, (await simCall(s!.url, 'GET', '/__sim/stats')).routes as Record<string, number>] as const));
  return Object.fromEntries(entries);
}

/** Calls made between two stats snapshots to routes matching `pattern` of one simulator. */
export function callsBetween(before: Record<string, Record<string, number>>, after: Record<string, Record<string, number>>, sim: string, pattern: RegExp): number {
  return Object.keys(after[sim] ?? {})
    .filter((k) => pattern.test(k))
    .reduce((n, k) => n + after[sim][k] - (before[sim]?.[k] ?? 0), 0);
}

/**
 * A further gateway instance over the same subgraphs (and, through the config, the same Redis).
 * `subgraphUrls` replaces some of them (e.g. with a countingProxy in front of one).
 */
export async function startExtraGateway(
  stack: TestStack,
  env: Record<string, string> = {},
  options: { subgraphUrls?: Record<string, string>; clock?: import('../../gateway/saved-queries/schedule/scheduler.ts').Clock } = {},
) {
  const { launchGateway } = await import('../../gateway/launch.ts');
  const { createCacheSetup } = await import('../../lib/cache/setup.ts');
  const config = loadConfig({ DATAEX_DATA_DIR: stack.config.dataDir, ...env });
  const cache = createCacheSetup({ redisUrl: config.redisUrl, redisCluster: config.redisCluster, redisPrefix: config.redisPrefix, memoryBytes: config.cacheMemoryBytes });
  const gateway = await launchGateway(config, cache, {
    signingSecret: stack.signingSecret,
    port: 0,
    subgraphUrls: { ...Object.fromEntries(Object.entries(stack.subgraphs).map(([name, s]) => [name, s.url])), ...options.subgraphUrls },
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const gql = async (query: string, headers: Record<string, string> = {}) => {
    const res = await request(gateway.url, { method: 'POST', body: JSON.stringify({ query }), headers: { 'content-type': 'application/json', ...headers } });
    const body: any = await res.body.json();
    return { status: res.statusCode, headers: res.headers, data: body.data, errors: body.errors };
  };
  return {
    gateway,
    gql,
    /** This instance's cache setup (its Redis connection and invalidation bus). */
    cache,
    async close() {
      await gateway.close();
      await cache.close();
    },
  };
}

/**
 * Resolves with the next invalidation `bus` delivers that matches `match`, or rejects after
 * `timeoutMs`. Subscribe (call this) before causing the message. The product's own handlers
 * subscribed when the stack started, so they have run when this resolves: a test can wait for
 * "the purge reached that instance" instead of sleeping for pub/sub.
 */
export function nextInvalidation(bus: InvalidationBus, match: (m: Invalidation) => boolean = () => true, timeoutMs = 10_000): Promise<Invalidation> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`no matching invalidation delivered within ${timeoutMs} ms`));
    }, timeoutMs);
    const unsubscribe = bus.subscribe((m) => {
      if (!match(m)) return;
      clearTimeout(timer);
      unsubscribe();
      resolve(m);
    });
  });
}

/** Polls `check` until it returns a value other than undefined, or throws after `timeoutMs`. */
export async function until<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
