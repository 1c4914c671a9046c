// Guiyang exchange adapter: paged GET harvest, per-listing detail through the signed form gateway.

import pLimit from 'p-limit';
import { DEVELOPMENT_UPSTREAM_CREDENTIALS } from '../../lib/config.ts';
import type { AdapterFactoryOptions, ExchangeAdapter, HarvestPage } from '../common/adapter.ts';
import { UpstreamError } from '../common/errors.ts';
import type { DatasetDetail, ExchangeInfo } from '../common/model.ts';
import { clampInt, formatChinaTime } from '../common/normalize.ts';
import { UpstreamClient, type UpstreamPolicy, type UpstreamResponse } from '../common/upstream.ts';
import { EXCHANGE, mapGatewayResponse, mapListResponse, signGateway } from './mapping.ts';
import { ErrorCode } from '../../lib/error-codes.ts';
import { detailsOneByOne } from '../common/one-by-one.ts';

export interface GuiyangAdapterOptions {
  /** The exchange as clients see it: its entry in subgraphs/exchanges.ts (default: the id alone). */
  info?: ExchangeInfo;
  /** e.g. DATAEX_GUIYANG_URL, "http://127.0.0.1:4103". */
  baseUrl: string;
  appId?: string;
  appSecret?: string;
  /** List page size; the upstream caps it at 200. */
  pageSize?: number;
  /** Parallel gateway calls (default 8). */
  detailConcurrency?: number;
  /** Injected client (the adapter takes ownership and closes it); else one is created. */
  client?: UpstreamClient;
  /** Resilience policy for the created client (ignored when `client` is given). */
  policy?: UpstreamPolicy;
  /** Clock for the gateway timestamp (tests). */
  now?: () => number;
}

export const LIST_PATH = '/apaas/serviceapp/v3/servicemarket/dataShop/list';
export const GATEWAY_PATH = '/interface/gateway.do';
export const DETAIL_INTERFACE = 'dataShop.detail';

/** The signed form of one gateway call. */
export function gatewayForm(appId: string, appSecret: string, serviceId: number, nowMs: number): Record<string, string> {
  const params: Record<string, string> = {
    app_id: appId,
    interface_id: DETAIL_INTERFACE,
    timestamp: formatChinaTime(nowMs),
    biz_content: JSON.stringify({ serviceId }),
  };
  return { ...params, sign: signGateway(params, appSecret) };
}

/** The uniform factory subgraphs/adapters.ts builds every exchange's adapter with (credentials by the list's keys). */
export function createAdapter({ info, baseUrl, client, credentials }: AdapterFactoryOptions): ExchangeAdapter {
  return createGuiyangAdapter({ info, baseUrl, client, appId: credentials.appId, appSecret: credentials.appSecret });
}

export function createGuiyangAdapter(options: GuiyangAdapterOptions): ExchangeAdapter {
  const appId = options.appId ?? DEVELOPMENT_UPSTREAM_CREDENTIALS.guiyang.appId;
  const appSecret = options.appSecret ?? DEVELOPMENT_UPSTREAM_CREDENTIALS.guiyang.appSecret;
  const pageSize = clampInt(options.pageSize, 200, 200);
  const limit = pLimit(clampInt(options.detailConcurrency, 8, 256));
  const now = options.now ?? Date.now;
  const client = options.client ?? new UpstreamClient({ upstream: EXCHANGE, baseUrl: options.baseUrl, policy: options.policy });
  const info = options.info ?? { id: EXCHANGE, name: EXCHANGE, city: '' };

  async function* harvest(signal?: AbortSignal): AsyncIterable<HarvestPage> {
    const seen = new Set<string>();
    let fetched = 0;
    for (let page = 1; ; page++) {
      const res = await client.request({
        method: 'GET',
        path: LIST_PATH,
        query: { page, size: pageSize },
        signal,
        route: `GET ${LIST_PATH}`,
      });
      expectOk(res, 'guiyang list');
      const result = mapListResponse(res.text);
      if (result.page !== page) throw new UpstreamError(ErrorCode.UPSTREAM_ERROR, EXCHANGE, `guiyang list: asked for page ${page}, got page ${result.page}`);
      const records = result.records.filter((r) => !seen.has(r.id) && seen.add(r.id));
      yield { records, skipped: result.skipped };
      // Counted from what arrived, not page × size: the reply does not echo the size it used.
      fetched += result.count;
      if (result.count === 0 || fetched >= result.total) return;
    }
  }

  async function detailOf(serviceId: number, signal?: AbortSignal): Promise<DatasetDetail | null> {
    const res = await client.request({
      method: 'POST',
      path: GATEWAY_PATH,
      form: gatewayForm(appId, appSecret, serviceId, now()),
      signal,
      idempotent: true, // a read, despite the POST
      route: `POST ${GATEWAY_PATH} ${DETAIL_INTERFACE}`,
    });
    expectOk(res, `guiyang detail ${serviceId}`);
    return mapGatewayResponse(res.text, serviceId);
  }

  // Not a service id: the exchange cannot know it.
  const details = (nativeIds: readonly string[], signal?: AbortSignal) =>
    detailsOneByOne(
      nativeIds,
      (id) => /^(0|[1-9]\d{0,14})$/.test(id),
      limit,
      (id) => detailOf(Number(id), signal),
      signal,
    );

  return { info, harvest, details, close: () => client.close() };
}

function expectOk(res: UpstreamResponse, what: string): void {
  if (res.status < 200 || res.status >= 300) throw new UpstreamError(ErrorCode.UPSTREAM_ERROR, EXCHANGE, `${what}: unexpected HTTP ${res.status}`);
}
