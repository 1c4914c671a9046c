// Beijing exchange adapter: paged harvest of the product index, signed per-listing detail calls.

import { createHmac } from 'node:crypto';
import pLimit from 'p-limit';
import { DEVELOPMENT_UPSTREAM_CREDENTIALS } from '../../lib/config.ts';
import type { AdapterFactoryOptions, ExchangeAdapter, HarvestPage } from '../common/adapter.ts';
import { UpstreamError } from '../common/errors.ts';
import type { DatasetDetail, ExchangeInfo } from '../common/model.ts';
import { clampInt } from '../common/normalize.ts';
import { UpstreamClient, type UpstreamPolicy, type UpstreamResponse } from '../common/upstream.ts';
import { EXCHANGE, UUID, mapDetailResponse, mapListResponse } from './mapping.ts';
import { ErrorCode } from '../../lib/error-codes.ts';
import { detailsOneByOne } from '../common/one-by-one.ts';

export interface BeijingAdapterOptions {
  /** The exchange as clients see it: its entry in subgraphs/exchanges.ts (default: the id alone). */
  info?: ExchangeInfo;
  /** e.g. DATAEX_BEIJING_URL, "http://127.0.0.1:4101". */
  baseUrl: string;
  appKey?: string;
  appSecret?: string;
  /** List page size; the upstream caps it at 500. */
  pageSize?: number;
  /** Parallel detail calls (default 8). */
  detailConcurrency?: number;
  /** Injected client (the adapter takes ownership and closes it); else one is created. */
  client?: UpstreamClient;
  /** Resilience policy for the created client (ignored when `client` is given). */
  policy?: UpstreamPolicy;
  /** Clock for request signatures (tests). */
  now?: () => number;
}

export const LIST_PATH = '/product/api/productIndex/getProductList';
export const DETAIL_PATH = '/product/api/detail/';

/** X-Sign per wire.ts: hex HMAC-SHA256(appSecret, `${appKey}\n${timestamp}\nGET\n${path}`). */
export function signDetail(appKey: string, appSecret: string, timestamp: string, path: string): string {
  return createHmac('sha256', appSecret).update(`${appKey}\n${timestamp}\nGET\n${path}`).digest('hex');
}

/** The uniform factory subgraphs/adapters.ts builds every exchange's adapter with (credentials by the list's keys). */
export function createAdapter({ info, baseUrl, client, credentials }: AdapterFactoryOptions): ExchangeAdapter {
  return createBeijingAdapter({ info, baseUrl, client, appKey: credentials.appKey, appSecret: credentials.appSecret });
}

export function createBeijingAdapter(options: BeijingAdapterOptions): ExchangeAdapter {
  const appKey = options.appKey ?? DEVELOPMENT_UPSTREAM_CREDENTIALS.beijing.appKey;
  const appSecret = options.appSecret ?? DEVELOPMENT_UPSTREAM_CREDENTIALS.beijing.appSecret;
  const pageSize = clampInt(options.pageSize, 500, 500);
  const limit = pLimit(clampInt(options.detailConcurrency, 8, 256));
  const now = options.now ?? Date.now;
  const client = options.client ?? new UpstreamClient({ upstream: EXCHANGE, baseUrl: options.baseUrl, policy: options.policy });
  const info = options.info ?? { id: EXCHANGE, name: EXCHANGE, city: '' };

  async function* harvest(signal?: AbortSignal): AsyncIterable<HarvestPage> {
    const seen = new Set<string>();
    // `pageNo`, not `pageNum`: the wrong name is silently ignored and returns page 1 forever.
    for (let pageNo = 1; ; pageNo++) {
      const res = await client.request({
        method: 'POST',
        path: LIST_PATH,
        json: { pageNo, pageSize },
        signal,
        idempotent: true,
        route: `POST ${LIST_PATH}`,
      });
      expectOk(res, 'beijing list');
      const page = mapListResponse(res.text);
      if (page.current !== pageNo) {
        throw new UpstreamError(ErrorCode.UPSTREAM_ERROR, EXCHANGE, `beijing list: asked for page ${pageNo}, got page ${page.current}`);
      }
      // Listings shifting between pages during a harvest would otherwise appear twice.
      const records = page.records.filter((r) => !seen.has(r.id) && seen.add(r.id));
      yield { records, skipped: page.skipped };
      if (pageNo >= page.pages || page.records.length + page.skipped.length === 0) return;
    }
  }

  async function detailOf(uuid: string, signal?: AbortSignal): Promise<DatasetDetail | null> {
    const path = DETAIL_PATH + uuid;
    const timestamp = String(now());
    const res = await client.request({
      method: 'GET',
      path,
      headers: { 'X-App-Key': appKey, 'X-Timestamp': timestamp, 'X-Sign': signDetail(appKey, appSecret, timestamp, path) },
      signal,
      route: `GET ${DETAIL_PATH}:uuid`,
    });
    if (res.status === 401) {
      throw new UpstreamError(ErrorCode.UPSTREAM_ERROR, EXCHANGE, `beijing detail ${uuid}: request signature rejected (HTTP 401); check the app key, secret and clock`);
    }
    expectOk(res, `beijing detail ${uuid}`);
    return mapDetailResponse(res.text, uuid);
  }

  // Not a uuid: the exchange cannot know it, and it must not reach the URL path.
  const details = (nativeIds: readonly string[], signal?: AbortSignal) =>
    detailsOneByOne(
      nativeIds,
      (id) => UUID.test(id),
      limit,
      (id) => detailOf(id, signal),
      signal,
    );

  return { info, harvest, details, close: () => client.close() };
}

/** Any status but 200 (5xx/429 already threw in the client) is an upstream error here. */
function expectOk(res: UpstreamResponse, what: string): void {
  if (res.status < 200 || res.status >= 300) throw new UpstreamError(ErrorCode.UPSTREAM_ERROR, EXCHANGE, `${what}: unexpected HTTP ${res.status}`);
}
