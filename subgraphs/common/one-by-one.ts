// Details from an upstream without a batch call (Beijing, Guiyang, Taiyuan, Shenzhen): each
// distinct id asked once, at most the limiter's concurrency at a time. An id the upstream
// cannot know (it fails `valid`) is answered null without a call, so no malformed id ever
// reaches a URL; a call that fails is that id's Error, not the whole batch's (the resolver
// then names the exchange on that listing's fields only).

import type { LimitFunction } from 'p-limit';
import type { DatasetDetail } from './model.ts';

export type DetailResults = Map<string, DatasetDetail | null | Error>;

export async function detailsOneByOne(
  nativeIds: readonly string[],
  valid: (id: string) => boolean,
  limit: LimitFunction,
  fetchOne: (id: string) => Promise<DatasetDetail | null>,
  signal?: AbortSignal,
): Promise<DetailResults> {
  const out: DetailResults = new Map();
  await Promise.all(
    [...new Set(nativeIds)].map((id) => {
      if (!valid(id)) {
        out.set(id, null);
        return undefined;
      }
      return limit(() => fetchOne(id)).then(
        (d) => void out.set(id, d),
        (e: unknown) => void out.set(id, e instanceof Error ? e : new Error(String(e))),
      );
    }),
  );
  signal?.throwIfAborted();
  return out;
}
