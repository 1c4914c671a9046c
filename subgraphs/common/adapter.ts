// The seam between upstream systems and the rest of dataex. One adapter per upstream; adapters
// are the only code that knows an upstream's wire shape.

import type { DatasetDetail, DatasetRecord, ExchangeInfo, Registration } from './model.ts';
import type { UpstreamClient } from './upstream.ts';

/** One page of a harvest: mapped records plus the items that failed validation (skipped). */
export interface HarvestPage {
  records: DatasetRecord[];
  /** Items of this page that could not be mapped, with the reason; never reach the index. */
  skipped: Array<{ nativeId: string | null; reason: string }>;
}

export interface ExchangeAdapter {
  readonly info: ExchangeInfo;
  /** Walks every page of the exchange's list endpoint (all id spaces), page by page. */
  harvest(signal?: AbortSignal): AsyncIterable<HarvestPage>;
  /**
   * Detail of many listings by native id (DatasetRecord.nativeId). The map has an entry per
   * requested id: the detail, null when the upstream does not know the id, or an Error when
   * that id's call failed. Batches and bounds concurrency internally.
   */
  details(nativeIds: readonly string[], signal?: AbortSignal): Promise<Map<string, DatasetDetail | null | Error>>;
  close(): Promise<void>;
}

/**
 * What `createAdapter`, the factory every `subgraphs/<id>/adapter.ts` exports, gets: the
 * exchange is found by convention from its id (subgraphs/exchange-modules.generated.ts, written
 * by `npm run generate`) and built by subgraphs/adapters.ts from configuration.
 */
export interface AdapterFactoryOptions {
  /** The exchange as clients see it (`Query.exchanges`), from its entry in subgraphs/exchanges.ts. */
  info: ExchangeInfo;
  /** Upstream base URL, e.g. DATAEX_BEIJING_URL. */
  baseUrl: string;
  /** The client to call the upstream with; the adapter takes ownership and closes it. */
  client: UpstreamClient;
  /** By the keys of the entry's credentials (`appKey`…); unset ones are the development values. */
  credentials: Readonly<Record<string, string | undefined>>;
  /**
   * By the keys of the entry's `settings` (DATAEX_<ID>_<KEY>, parsed; the entry's defaults where
   * unset); absent or `{}` for an exchange that declares none (then the adapter's own defaults).
   */
  settings?: Readonly<Record<string, unknown>>;
}

/** The uniform export of `subgraphs/<id>/adapter.ts`. */
export type AdapterFactory = (options: AdapterFactoryOptions) => ExchangeAdapter;

export interface RegistryAdapter {
  /** Registrations by USCC; codes the registry does not know are absent. Chunks by 100. */
  lookup(creditCodes: readonly string[], signal?: AbortSignal): Promise<Map<string, Registration>>;
  close(): Promise<void>;
}
