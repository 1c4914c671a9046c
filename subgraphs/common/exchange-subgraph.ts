// The resolvers every exchange subgraph shares: its own dataset type's live fields, from the
// exchange's detail call, batched and de-duplicated per request by DataLoader.

import DataLoader from 'dataloader';
import { GraphQLError } from 'graphql';
import type { IncomingMessage } from 'node:http';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import type { ExchangeAdapter } from './adapter.ts';
import type { DatasetDetail } from './model.ts';
import { DateTimeScalar, LongScalar } from './scalars.ts';
import { toPricePlanShape } from './money.ts';
import { maskSample } from './masking.ts';
import { ANONYMOUS, type Principal } from './principal.ts';
import { UpstreamError } from './errors.ts';

export interface ExchangeContext {
  principal: Principal;
  details: DataLoader<string, DatasetDetail | null>;
}

/** Representation the gateway sends: `{ __typename, id }`. */
interface DatasetReference {
  id: string;
}

/** A resolved entity: the detail (null when the exchange no longer knows the id). */
interface DatasetEntity {
  id: string;
  detail: DatasetDetail | null;
}

export const MAX_SAMPLE_ROWS = 20;

/** One DataLoader per request: ids → one adapter batch call, errors kept per id. */
export function detailLoader(adapter: ExchangeAdapter, exchange: string): DataLoader<string, DatasetDetail | null> {
  const prefix = `${exchange}:`;
  return new DataLoader<string, DatasetDetail | null>(
    async (ids) => {
      const nativeIds = ids.map((id) => id.slice(prefix.length));
      let results: Map<string, DatasetDetail | null | Error>;
      try {
        results = await adapter.details(nativeIds);
      } catch (e) {
        const err = e instanceof Error ? e : new UpstreamError('UPSTREAM_ERROR', exchange, String(e));
        return ids.map(() => err);
      }
      return nativeIds.map((nativeId) => results.get(nativeId) ?? null);
    },
    { maxBatchSize: 200 },
  );
}

export function exchangeResolvers(exchange: string, typeName: string): GraphQLResolverMap<ExchangeContext> {
  const prefix = `${exchange}:`;
  return {
    DateTime: DateTimeScalar,
    Long: LongScalar,
    [typeName]: {
      async __resolveReference(ref: DatasetReference, ctx: ExchangeContext): Promise<DatasetEntity | null> {
        if (typeof ref.id !== 'string' || !ref.id.startsWith(prefix)) return null;
        return { id: ref.id, detail: await ctx.details.load(ref.id) };
      },
      pricing: (e: DatasetEntity) => e.detail?.pricing.map(toPricePlanShape) ?? null,
      delivery: (e: DatasetEntity) => e.detail?.delivery ?? null,
      certificates: (e: DatasetEntity) => e.detail?.certificates ?? null,
      updateFrequency: (e: DatasetEntity) => e.detail?.updateFrequency ?? null,
      sample: (e: DatasetEntity, args: { rows?: number | null }, ctx: ExchangeContext) => {
        const rows = args.rows ?? 5;
        if (!Number.isInteger(rows) || rows < 1 || rows > MAX_SAMPLE_ROWS) {
          throw new GraphQLError(`sample(rows:) must be between 1 and ${MAX_SAMPLE_ROWS}, got ${rows}`, {
            extensions: { code: 'BAD_USER_INPUT' },
          });
        }
        const sample = e.detail?.sample;
        if (!sample) return null;
        const limited = { columns: sample.columns, rows: sample.rows.slice(0, rows) };
        return ctx.principal.personalInfo ? { ...limited, masked: false } : maskSample(limited);
      },
    },
  } as GraphQLResolverMap<ExchangeContext>;
}

export function exchangeContextFactory(adapter: ExchangeAdapter, exchange: string) {
  return async (_req: IncomingMessage): Promise<ExchangeContext> => ({
    principal: ANONYMOUS,
    details: detailLoader(adapter, exchange),
  });
}
