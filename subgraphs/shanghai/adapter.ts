// Shanghai exchange adapter: bearer-token calls, harvest of both id spaces, batched details.

import pLimit from 'p-limit';
import { DEVELOPMENT_UPSTREAM_CREDENTIALS } from '../../lib/config.ts';
import type { AdapterFactoryOptions, ExchangeAdapter, HarvestPage } from '../common/adapter.ts';
import { UpstreamError } from '../common/errors.ts';
import type { DatasetDetail, ExchangeInfo } from '../common/model.ts';
import { chunk, clampInt } from '../common/normalize.ts';
import { UpstreamClient, type UpstreamPolicy, type UpstreamRequest, type UpstreamResponse } from '../common/upstream.ts';
import { EXCHANGE, SERVICE_TYPES, mapDetailBatchResponse, mapSearchResponse, parseNativeKey, type ServiceType } from './mapping.ts';
import { createTokenSource } from './token.ts';
import { ErrorCode } from '../../lib/error-codes.ts';

export interface ShanghaiAdapterOptions {
  /** The exchange as clients see it: its entry in subgraphs/exchanges.ts (default: the id alone). */
  info?: ExchangeInfo;
  /** e.g. DATAEX_SHANGHAI_URL, "http://127.0.0.1:4102". */
  baseUrl: string;
  clientId?: string;
  clientSecret?: string;
  /** Search page size; the upstream silently caps it at 100. */
  pageSize?: number;
  /** Keys per batch detail call; the upstream accepts at most 50. */
  detailBatchSize?: number;
  /** Parallel batch detail calls (default 4). */
  detailConcurrency?: number;
  /** Injected client (the adapter takes ownership and closes it); else one is created. */
  client?: UpstreamClient;
  /** Resilience policy for the created client (ignored when `client` is given). */
  policy?: UpstreamPolicy;
  /** Clock for token expiry (tests). */
  now?: () => number;
}

export const SEARCH_PATH = '/dex-api/dex-es/query/all/search';
export const DETAIL_BATCH_PATH = '/dex-api/product/detail/batch';

/** The uniform factory subgraphs/adapters.ts builds every exchange's adapter with (credentials by the list's keys). */
export function createAdapter({ info, baseUrl, client, credentials }: AdapterFactoryOptions): ExchangeAdapter {
  return createShanghaiAdapter({ info, baseUrl, client, clientId: credentials.clientId, clientSecret: credentials.clientSecret });
}

export function createShanghaiAdapter(options: ShanghaiAdapterOptions): ExchangeAdapter {
  const pageSize = clampInt(options.pageSize, 100, 100);
  const batchSize = clampInt(options.detailBatchSize, 50, 50);
  const limit = pLimit(clampInt(options.detailConcurrency, 4, 256));
  const client = options.client ?? new UpstreamClient({ upstream: EXCHANGE, baseUrl: options.baseUrl, policy: options.policy });
  const tokens = createTokenSource({
    client,
    clientId: options.clientId ?? DEVELOPMENT_UPSTREAM_CREDENTIALS.shanghai.clientId,
    clientSecret: options.clientSecret ?? DEVELOPMENT_UPSTREAM_CREDENTIALS.shanghai.clientSecret,
    now: options.now,
  });
  const info = options.info ?? { id: EXCHANGE, name: EXCHANGE, city: '' };

  /** A call with the bearer token; on 401 the token is refreshed once and the call repeated. */
  async function authorized(req: UpstreamRequest, what: string): Promise<UpstreamResponse> {
    for (let attempt = 1; ; attempt++) {
      const token = await tokens.get(req.signal);
      const res = await client.request({ ...req, headers: { ...req.headers, authorization: `Bearer ${token}` } });
      if (res.status !== 401) {
        if (res.status < 200 || res.status >= 300) throw new UpstreamError(ErrorCode.UPSTREAM_ERROR, EXCHANGE, `${what}: unexpected HTTP ${res.status}`);
        return res;
      }
      tokens.invalidate(token);
      if (attempt === 2) throw new UpstreamError(ErrorCode.UPSTREAM_ERROR, EXCHANGE, `${what}: bearer token rejected (HTTP 401) even after a refresh`);
    }
  }

  async function* harvestType(serviceType: ServiceType, seen: Set<string>, signal?: AbortSignal): AsyncIterable<HarvestPage> {
    for (let pageNum = 1; ; pageNum++) {
      const what = `shanghai search (serviceType ${serviceType})`;
      const res = await authorized({ method: 'POST', path: SEARCH_PATH, json: { pageNum, pageSize, serviceType }, signal, idempotent: true, route: `POST ${SEARCH_PATH}` }, what);
      const page = mapSearchResponse(res.text, serviceType);
      if (page.pageNum !== pageNum) throw new UpstreamError(ErrorCode.UPSTREAM_ERROR, EXCHANGE, `${what}: asked for page ${pageNum}, got page ${page.pageNum}`);
      const records = page.records.filter((r) => !seen.has(r.id) && seen.add(r.id));
      yield { records, skipped: page.skipped };
      if (pageNum >= page.totalPage || page.records.length + page.skipped.length === 0) return;
    }
  }

  async function* harvest(signal?: AbortSignal): AsyncIterable<HarvestPage> {
    const seen = new Set<string>();
    for (const serviceType of SERVICE_TYPES) yield* harvestType(serviceType, seen, signal);
  }

  async function details(nativeIds: readonly string[], signal?: AbortSignal): Promise<Map<string, DatasetDetail | null | Error>> {
    const out = new Map<string, DatasetDetail | null | Error>();
    const keys: Array<{ nativeId: string; serviceType: ServiceType; id: string }> = [];
    for (const nativeId of new Set(nativeIds)) {
      const key = parseNativeKey(nativeId);
      // Not one of our keys: the exchange cannot know it.
      if (key) keys.push({ nativeId, ...key });
      else out.set(nativeId, null);
    }
    await Promise.all(
      chunk(keys, batchSize).map((batch) =>
        limit(async () => {
          const what = `shanghai detail batch (${batch.length} keys)`;
          try {
            const res = await authorized(
              {
                method: 'POST',
                path: DETAIL_BATCH_PATH,
                // Ids travel as strings: a JSON number would lose digits on either side.
                json: { keys: batch.map((k) => ({ serviceType: k.serviceType, id: k.id })) },
                signal,
                idempotent: true,
                route: `POST ${DETAIL_BATCH_PATH}`,
              },
              what,
            );
            const reply = mapDetailBatchResponse(res.text);
            for (const k of batch) {
              const d = reply.details.get(k.nativeId);
              if (d !== undefined) out.set(k.nativeId, d);
              else if (reply.unattributable > 0) out.set(k.nativeId, new UpstreamError(ErrorCode.UPSTREAM_ERROR, EXCHANGE, `${what}: ${reply.unattributable} entries without a readable id`));
              else out.set(k.nativeId, null);
            }
          } catch (err) {
            const e = err instanceof Error ? err : new Error(String(err));
            for (const k of batch) out.set(k.nativeId, e);
          }
        }),
      ),
    );
    signal?.throwIfAborted();
    return out;
  }

  return { info, harvest, details, close: () => client.close() };
}
