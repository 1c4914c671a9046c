// Taiyuan exchange adapter (CKAN style): offset-paged package_search harvest, package_show per
// listing. The API token goes in `Authorization` (no "Bearer") on every call.

import pLimit from 'p-limit';
import { DEVELOPMENT_UPSTREAM_CREDENTIALS } from '../../lib/config.ts';
import { ErrorCode } from '../../lib/error-codes.ts';
import type { AdapterFactoryOptions, ExchangeAdapter, HarvestPage } from '../common/adapter.ts';
import { UpstreamError } from '../common/errors.ts';
import type { DatasetDetail, ExchangeInfo } from '../common/model.ts';
import { clampInt } from '../common/normalize.ts';
import { UpstreamClient, type UpstreamPolicy, type UpstreamResponse } from '../common/upstream.ts';
import { EXCHANGE, PACKAGE_NAME, ckanFailure, mapSearchResponse, mapShowResponse } from './mapping.ts';
import { detailsOneByOne } from '../common/one-by-one.ts';

/** What the simulator accepts when DATAEX_TAIYUAN_API_TOKEN is unset (the list's development credential). */
export const DEVELOPMENT_API_TOKEN = DEVELOPMENT_UPSTREAM_CREDENTIALS.taiyuan.apiToken;

export const SEARCH_PATH = '/api/3/action/package_search';
export const SHOW_PATH = '/api/3/action/package_show';
/** The upstream silently caps `rows` at 1000. */
export const MAX_ROWS = 1000;
/**
 * A stable order for offset paging: with the default `metadata_modified desc`, a package
 * updated during a harvest moves to the front and shifts every later one, so one is skipped.
 */
export const HARVEST_SORT = 'name asc';

export interface TaiyuanAdapterOptions {
  /** The exchange as clients see it: its entry in subgraphs/exchanges.ts (default: the id alone). */
  info?: ExchangeInfo;
  /** e.g. DATAEX_TAIYUAN_URL, "http://127.0.0.1:4105". */
  baseUrl: string;
  /** CKAN API token, sent as `Authorization: <token>`. */
  apiToken?: string;
  /** Packages per search page; the upstream caps it at 1000. */
  rows?: number;
  /** Parallel package_show calls (default 8). */
  detailConcurrency?: number;
  /** Injected client (the adapter takes ownership and closes it); else one is created. */
  client?: UpstreamClient;
  /** Resilience policy for the created client (ignored when `client` is given). */
  policy?: UpstreamPolicy;
}

/** The uniform factory subgraphs/adapters.ts builds every exchange's adapter with (credentials by the list's keys). */
export function createAdapter({ info, baseUrl, client, credentials }: AdapterFactoryOptions): ExchangeAdapter {
  return createTaiyuanAdapter({ info, baseUrl, client, apiToken: credentials.apiToken });
}

export function createTaiyuanAdapter(options: TaiyuanAdapterOptions): ExchangeAdapter {
  const headers = { Authorization: options.apiToken ?? DEVELOPMENT_API_TOKEN };
  const rows = clampInt(options.rows, MAX_ROWS, MAX_ROWS);
  const limit = pLimit(clampInt(options.detailConcurrency, 8, 256));
  const client = options.client ?? new UpstreamClient({ upstream: EXCHANGE, baseUrl: options.baseUrl, policy: options.policy });
  const info = options.info ?? { id: EXCHANGE, name: EXCHANGE, city: '' };

  async function* harvest(signal?: AbortSignal): AsyncIterable<HarvestPage> {
    const seen = new Set<string>();
    let start = 0;
    for (;;) {
      const res = await client.request({
        method: 'GET',
        path: SEARCH_PATH,
        query: { rows, start, sort: HARVEST_SORT },
        headers,
        signal,
        route: `GET ${SEARCH_PATH}`,
      });
      if (res.status !== 200) throw failure(res, `taiyuan list (start ${start})`).error;
      const page = mapSearchResponse(res.text);
      // Listings shifting between pages during a harvest would otherwise appear twice.
      const records = page.records.filter((r) => !seen.has(r.id) && seen.add(r.id));
      yield { records, skipped: page.skipped };
      // Advanced by what arrived, not by `rows`: the upstream caps it silently.
      start += page.returned;
      if (page.returned === 0 || start >= page.count) return;
    }
  }

  async function detailOf(name: string, signal?: AbortSignal): Promise<DatasetDetail | null> {
    const res = await client.request({
      method: 'GET',
      path: SHOW_PATH,
      query: { id: name },
      headers,
      signal,
      route: `GET ${SHOW_PATH}`,
    });
    if (res.status === 200) return mapShowResponse(res.text, name);
    const f = failure(res, `taiyuan detail ${name}`);
    if (f.notFound) return null;
    throw f.error;
  }

  // Not a package name: the exchange cannot know it.
  const details = (nativeIds: readonly string[], signal?: AbortSignal) =>
    detailsOneByOne(
      nativeIds,
      (id) => PACKAGE_NAME.test(id),
      limit,
      (id) => detailOf(id, signal),
      signal,
    );

  return { info, harvest, details, close: () => client.close() };
}

/** A reply other than 200 (5xx and 429 already threw in the client). */
function failure(res: UpstreamResponse, what: string): { notFound: boolean; error: UpstreamError } {
  if (res.status >= 200 && res.status < 300) {
    return { notFound: false, error: new UpstreamError(ErrorCode.UPSTREAM_ERROR, EXCHANGE, `${what}: unexpected HTTP ${res.status}`) };
  }
  return ckanFailure(res.status, res.text, what);
}
