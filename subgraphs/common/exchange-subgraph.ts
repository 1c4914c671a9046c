// The resolvers every exchange subgraph shares: its own dataset type's live fields, from the
// exchange's detail call: batched and de-duplicated per request by DataLoader, cached across
// requests (single-flight, stale-if-error) by the upstream cache.

import DataLoader from 'dataloader';
import { GraphQLError } from 'graphql';
import type { IncomingMessage } from 'node:http';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import type { CachedLookup } from '../../lib/cache/cached-lookup.ts';
import type { DatasetDetail } from './model.ts';
import { DateTimeScalar, LongScalar } from './scalars.ts';
import { toPricePlanShape } from './money.ts';
import { maskSample } from './masking.ts';
import { hasRole, type Principal } from '../../lib/principal.ts';
import type { StaleAware } from './stale.ts';
import { ErrorCode } from '../../lib/error-codes.ts';

export interface ExchangeContext extends StaleAware {
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

/** One DataLoader per request over the shared upstream cache; stale answers are reported in `stale`. */
export function detailLoader(details: CachedLookup<DatasetDetail>, exchange: string, stale: Set<string>): DataLoader<string, DatasetDetail | null> {
  const prefix = `${exchange}:`;
  return new DataLoader<string, DatasetDetail | null>(
    async (ids) => {
      const nativeIds = ids.map((id) => id.slice(prefix.length));
      const results = await details.getMany(nativeIds);
      return nativeIds.map((nativeId) => {
        const result = results.get(nativeId);
        if (!result) return null;
        if (result.stale) stale.add(exchange);
        return result.value;
      });
    },
    { maxBatchSize: 500 },
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
      pricing: (e: DatasetEntity, _: unknown, ctx: ExchangeContext) => {
        if (!hasRole(ctx.principal, 'analyst')) {
          throw new GraphQLError('price plans need the analyst or admin role (headlinePrice is public)', { extensions: { code: ErrorCode.FORBIDDEN } });
        }
        return e.detail?.pricing.map(toPricePlanShape) ?? null;
      },
      delivery: (e: DatasetEntity) => e.detail?.delivery ?? null,
      certificates: (e: DatasetEntity) => e.detail?.certificates ?? null,
      updateFrequency: (e: DatasetEntity) => e.detail?.updateFrequency ?? null,
      sample: (e: DatasetEntity, args: { rows?: number | null }, ctx: ExchangeContext) => {
        const rows = args.rows ?? 5;
        if (!Number.isInteger(rows) || rows < 1 || rows > MAX_SAMPLE_ROWS) {
          throw new GraphQLError(`sample(rows:) must be between 1 and ${MAX_SAMPLE_ROWS}, got ${rows}`, {
            extensions: { code: ErrorCode.BAD_USER_INPUT },
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

export function exchangeContextFactory(details: CachedLookup<DatasetDetail>, exchange: string) {
  return async (_req: IncomingMessage, principal: Principal): Promise<ExchangeContext> => {
    const stale = new Set<string>();
    return { principal, stale, details: detailLoader(details, exchange, stale) };
  };
}
