// Shenzhen exchange adapter: 0-based paged harvest of the product list (unsigned), signed
// per-listing detail calls paced below the exchange's rate limit (5 calls/s per app key).

import { createHmac } from 'node:crypto';
import pLimit from 'p-limit';
import type { AdapterFactoryOptions, ExchangeAdapter, HarvestPage } from '../common/adapter.ts';
import { UpstreamError } from '../common/errors.ts';
import type { DatasetDetail, ExchangeInfo } from '../common/model.ts';
import { clampInt } from '../common/normalize.ts';
import { LocalRejection, breakerState } from '../common/resilience/index.ts';
import { UpstreamClient, type UpstreamPolicy, type UpstreamResponse } from '../common/upstream.ts';
import { EXCHANGE, SP_ID, mapDetailResponse, mapListResponse } from './mapping.ts';
import { SYSTEM_CLOCK, shenzhenPacers, type PacerClock, type PacerRegistry } from './pacer.ts';
import { ErrorCode } from '../../lib/error-codes.ts';
import { DEVELOPMENT_UPSTREAM_CREDENTIALS } from '../../lib/config.ts';
import { detailsOneByOne } from '../common/one-by-one.ts';

/** What the bundled simulator accepts (DESIGN.md §4, the list's development values); the defaults when no credentials are configured. */
export const DEVELOPMENT_CREDENTIALS = DEVELOPMENT_UPSTREAM_CREDENTIALS.shenzhen;

/** The exchange's limit: it answers 429 above this many detail calls per second per app key. */
export const DEFAULT_CALLS_PER_SECOND = 5;

export const LIST_PATH = '/szde/api/sp/list';
export const DETAIL_PATH = '/szde/api/sp/detail';

/** The upstream caps pageSize at 50 silently. */
export const MAX_PAGE_SIZE = 50;

export interface ShenzhenAdapterOptions {
  /** The exchange as clients see it: its entry in subgraphs/exchanges.ts (default: the id alone). */
  info?: ExchangeInfo;
  /** e.g. DATAEX_SHENZHEN_URL, "http://127.0.0.1:4106". */
  baseUrl: string;
  appKey?: string;
  appSecret?: string;
  /** List page size (default and maximum 50: the upstream caps it silently). */
  pageSize?: number;
  /** Parallel detail calls (default 8); the pace below bounds them anyway. */
  detailConcurrency?: number;
  /**
   * Detail calls per second for this app key (default 5, the exchange's limit; 0 = not paced),
   * shared by every adapter of this process using the same key: the slowest asked for wins.
   */
  callsPerSecond?: number;
  /** Times a detail call answered 429/503 with Retry-After is sent again (default 2). */
  rateLimitRetries?: number;
  /** Longest Retry-After waited for (default 5000 ms); a longer one fails the call with the error. */
  retryAfterMaxMs?: number;
  /** Injected client (the adapter takes ownership and closes it); else one is created. */
  client?: UpstreamClient;
  /** Resilience policy for the created client (ignored when `client` is given). */
  policy?: UpstreamPolicy;
  /** Clock of the signature timestamps and of the pace (tests: a virtual one). */
  clock?: PacerClock;
  /** Where the per-app-key pacers live (default: the process-wide one). */
  pacers?: PacerRegistry;
}

/** The settings of its list entry (AdapterFactoryOptions.settings). */
export interface ShenzhenSettings {
  /** DATAEX_SHENZHEN_CALLS_PER_SECOND, parsed (a number; its decimal text is taken too). */
  callsPerSecond?: unknown;
}

/** X-Sz-Sign: hex HMAC-SHA256(appSecret, appKey + timestamp + path + query), no separators; query without "?". */
export function signDetail(appKey: string, appSecret: string, timestamp: string, path: string, query: string): string {
  return createHmac('sha256', appSecret)
    .update(appKey + timestamp + path + query)
    .digest('hex');
}

/** The uniform factory subgraphs/adapters.ts builds every exchange's adapter with (credentials by the list's keys). */
export function createAdapter(options: AdapterFactoryOptions): ExchangeAdapter {
  const { info, baseUrl, client, credentials, settings } = options;
  return createShenzhenAdapter({
    info,
    baseUrl,
    client,
    appKey: credentials.appKey,
    appSecret: credentials.appSecret,
    callsPerSecond: callsPerSecondSetting(settings as Readonly<ShenzhenSettings> | undefined),
  });
}

/** The configured pace, if any: a number ≥ 0 (or its decimal text). */
function callsPerSecondSetting(settings: Readonly<ShenzhenSettings> | undefined): number | undefined {
  const raw = settings?.callsPerSecond;
  if (raw === undefined || raw === null || raw === '') return undefined;
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' ? Number(raw) : Number.NaN;
  if (Number.isNaN(n) || n < 0) throw new RangeError(`shenzhen: calls per second (DATAEX_SHENZHEN_CALLS_PER_SECOND) must be a number ≥ 0, got ${String(raw)}`);
  return n;
}

export function createShenzhenAdapter(options: ShenzhenAdapterOptions): ExchangeAdapter {
  const appKey = options.appKey ?? DEVELOPMENT_CREDENTIALS.appKey;
  const appSecret = options.appSecret ?? DEVELOPMENT_CREDENTIALS.appSecret;
  const pageSize = clampInt(options.pageSize, MAX_PAGE_SIZE, MAX_PAGE_SIZE);
  const limit = pLimit(clampInt(options.detailConcurrency, 8, 256));
  const rateLimitRetries = Math.max(0, Math.floor(options.rateLimitRetries ?? 2));
  const retryAfterMaxMs = options.retryAfterMaxMs ?? 5_000;
  const clock = options.clock ?? SYSTEM_CLOCK;
  const info = options.info ?? { id: EXCHANGE, name: EXCHANGE, city: '' };
  // The signature covers the path the exchange receives, base-URL prefix included.
  const detailPath = basePathOf(options.baseUrl) + DETAIL_PATH;
  const lease = (options.pacers ?? shenzhenPacers).lease(appKey, { callsPerSecond: options.callsPerSecond ?? DEFAULT_CALLS_PER_SECOND, clock });
  let client: UpstreamClient;
  try {
    client = options.client ?? new UpstreamClient({ upstream: EXCHANGE, baseUrl: options.baseUrl, policy: options.policy });
  } catch (e) {
    lease.release();
    throw e;
  }
  const pacer = lease.pacer;

  async function* harvest(signal?: AbortSignal): AsyncIterable<HarvestPage> {
    const seen = new Set<string>();
    // pageNo is 0-based: the first page is 0, and `pageNo: 1` silently answers the SECOND page.
    for (let pageNo = 0; ; pageNo++) {
      const res = await client.request({
        method: 'POST',
        path: LIST_PATH,
        json: { pageNo, pageSize },
        signal,
        idempotent: true,
        route: `POST ${LIST_PATH}`,
      });
      expectOk(res, 'shenzhen list');
      const page = mapListResponse(res.text);
      // Listings shifting between pages during a harvest would otherwise appear twice.
      const records = page.records.filter((r) => !seen.has(r.id) && seen.add(r.id));
      yield { records, skipped: page.skipped };
      if (page.count === 0 || pageNo + 1 >= Math.ceil(page.totalCount / pageSize)) return;
    }
  }

  async function detailOf(spId: string, signal?: AbortSignal): Promise<DatasetDetail | null> {
    for (let retry = 0; ; retry++) {
      // An open breaker (this process's guard of the exchange) fails the call at once, without
      // reaching the exchange: nothing to pace, and no Retry-After hold to wait out first.
      if (breakerState(EXCHANGE) !== 'open') await pacer.acquire(signal);
      // Signed after the pacer let it through, so the timestamp is the moment it is sent.
      const timestamp = String(clock.now());
      const query = `spId=${spId}`; // spId is "SZ" + digits: nothing to encode
      try {
        const res = await client.request({
          method: 'GET',
          path: DETAIL_PATH,
          query: { spId },
          headers: { 'X-Sz-AppKey': appKey, 'X-Sz-Timestamp': timestamp, 'X-Sz-Sign': signDetail(appKey, appSecret, timestamp, detailPath, query) },
          signal,
          route: `GET ${DETAIL_PATH}`,
        });
        expectOk(res, `shenzhen detail ${spId}`);
        return mapDetailResponse(res.text, spId);
      } catch (err) {
        const wait = retryAfterMs(err);
        if (wait === null) throw err;
        // Every detail call of this app key in this process waits, not only this one.
        pacer.holdOff(wait);
        if (retry >= rateLimitRetries || wait > retryAfterMaxMs) throw err;
      }
    }
  }

  // Not an spId: the exchange cannot know it, and it must not reach the query string. The concurrency slot first, then the pace: a call counted by the pacer is sent at once.
  const details = (nativeIds: readonly string[], signal?: AbortSignal) =>
    detailsOneByOne(
      nativeIds,
      (id) => SP_ID.test(id),
      limit,
      (id) => detailOf(id, signal),
      signal,
    );

  async function close(): Promise<void> {
    lease.release();
    await client.close();
  }

  return { info, harvest, details, close };
}

/**
 * Milliseconds the upstream asked us to wait (HTTP 429, or 503, with Retry-After; the client
 * turns those into UPSTREAM_UNAVAILABLE carrying retryAfterSeconds), or null for any other error.
 * A breaker or bulkhead of this process failing fast also carries a Retry-After: not the upstream's.
 */
function retryAfterMs(err: unknown): number | null {
  if (!(err instanceof UpstreamError) || err instanceof LocalRejection) return null;
  if (err.code !== ErrorCode.UPSTREAM_UNAVAILABLE || err.retryAfterSeconds === undefined) return null;
  return err.retryAfterSeconds * 1000;
}

function basePathOf(baseUrl: string): string {
  try {
    return new URL(baseUrl).pathname.replace(/\/+$/, '');
  } catch {
    return ''; // the client reports the invalid URL
  }
}

/** Any status but 2xx (5xx/429 already threw in the client) is an upstream error here. */
function expectOk(res: UpstreamResponse, what: string): void {
  if (res.status < 200 || res.status >= 300) throw new UpstreamError(ErrorCode.UPSTREAM_ERROR, EXCHANGE, `${what}: unexpected HTTP ${res.status}`);
}
