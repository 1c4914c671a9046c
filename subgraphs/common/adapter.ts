// The seam between upstream systems and the rest of dataex. One adapter per upstream; adapters
// are the only code that knows an upstream's wire shape.

import type { DatasetDetail, DatasetRecord, ExchangeInfo, Registration } from './model.ts';

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

export interface RegistryAdapter {
  /** Registrations by USCC; codes the registry does not know are absent. Chunks by 100. */
  lookup(creditCodes: readonly string[], signal?: AbortSignal): Promise<Map<string, Registration>>;
  close(): Promise<void>;
}
