// Catalog resolvers: maps the index and harvest state onto the client-facing schema.

import { GraphQLError } from 'graphql';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import type { DatasetRecord } from '../common/model.ts';
import type { Principal } from '../common/principal.ts';
import { DateTimeScalar, LongScalar } from '../common/scalars.ts';
import { toPricePlanShape } from '../common/money.ts';
import { sectorByCode, SECTORS } from '../common/sectors.ts';
import { isValidUscc, looksLikeUscc } from '../common/identifiers.ts';
import { EXCHANGES, exchangeById } from '../exchanges.ts';
import type { Harvester, ExchangeState } from './harvester.ts';
import { SearchInputError, type DatasetIndex, type DatasetFilter, type ProviderSummary, type SearchResult } from './search-index.ts';

export interface CatalogContext {
  principal: Principal;
}

export interface CatalogDeps {
  index: DatasetIndex;
  harvester: Harvester;
}

export const MAX_IDS = 100;

function badInput(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });
}

/** Index input errors (bad cursor, bad `first`) are the caller's fault. */
function asUserError<T>(run: () => T): T {
  try {
    return run();
  } catch (e) {
    if (e instanceof SearchInputError) throw badInput(e.message);
    throw e;
  }
}

const typeNameOf = new Map(EXCHANGES.map((e) => [e.id, e.typeName]));
const exchangeName = new Map(EXCHANGES.map((e) => [e.id, e.name]));
const sectorName = new Map(SECTORS.map((s) => [s.code, s.name]));

function exchangeShape(state: ExchangeState) {
  return {
    id: state.info.id,
    name: state.info.name,
    city: state.info.city,
    datasetCount: state.datasetCount,
    providerCount: state.providerCount,
    status: state.status,
    lastHarvestAt: state.lastHarvestAt,
    stale: state.stale,
    lastError: state.lastError,
  };
}

function facetsShape(result: SearchResult) {
  const label = (map: Map<string, string>) => (f: { value: string; count: number }) => ({ ...f, label: map.get(f.value) ?? null });
  const plain = (f: { value: string; count: number }) => ({ ...f, label: null });
  return {
    exchanges: result.facets.exchanges.map(label(exchangeName)),
    sectors: result.facets.sectors.map(label(sectorName)),
    productTypes: result.facets.productTypes.map(plain),
    levels: result.facets.levels.map(plain),
    scenarios: result.facets.scenarios.map(plain),
  };
}

function connectionShape(result: SearchResult) {
  return {
    totalCount: result.totalCount,
    edges: result.edges.map((e) => ({ cursor: e.cursor, node: e.record, score: e.score ?? null })),
    pageInfo: result.pageInfo,
    facets: facetsShape(result),
  };
}

interface SearchArgs {
  text?: string | null;
  filter?: (Omit<DatasetFilter, 'maxPriceFen'> & { maxPriceFen?: number | null }) | null;
  orderBy?: 'RELEVANCE' | 'UPDATED_DESC' | 'PRICE_ASC' | 'PRICE_DESC' | 'TITLE_ASC' | null;
  first?: number | null;
  after?: string | null;
}

/** GraphQL passes explicit nulls; the index wants absent keys. */
function cleanFilter(filter: SearchArgs['filter']): DatasetFilter | undefined {
  if (!filter) return undefined;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(filter)) if (v !== null && v !== undefined) out[k] = v;
  return out as DatasetFilter;
}

function datasetReference(deps: CatalogDeps) {
  return (ref: { id: string }) => deps.index.get(ref.id) ?? null;
}

export function catalogResolvers(deps: CatalogDeps): GraphQLResolverMap<CatalogContext> {
  const { index, harvester } = deps;
  const exchangeOf = (id: string) => {
    const state = harvester.state(id);
    return state ? exchangeShape(state) : null;
  };
  const providerByCode = (code: string): ProviderSummary | null => index.provider(code) ?? null;

  const datasetFields = {
    __resolveReference: datasetReference(deps),
    exchange: (r: DatasetRecord) => exchangeOf(r.exchange),
    provider: (r: DatasetRecord) => providerByCode(r.providerCode) ?? { creditCode: r.providerCode, name: r.providerName, exchanges: [r.exchange], datasetCount: 1 },
    sectors: (r: DatasetRecord) => r.sectors.map(sectorByCode).filter((s) => s !== undefined),
    headlinePrice: (r: DatasetRecord) => (r.headlinePrice ? toPricePlanShape(r.headlinePrice) : null),
  };

  const concreteTypes = Object.fromEntries(EXCHANGES.map((e) => [e.typeName, datasetFields]));

  return {
    DateTime: DateTimeScalar,
    Long: LongScalar,
    Query: {
      search: (_: unknown, args: SearchArgs, ctx: CatalogContext) =>
        asUserError(() =>
          connectionShape(
            index.search({
              text: args.text ?? undefined,
              filter: cleanFilter(args.filter),
              orderBy: args.orderBy ?? 'RELEVANCE',
              first: args.first ?? 20,
              after: args.after ?? undefined,
              clearance: ctx.principal.clearance,
            }),
          ),
        ),
      dataset: (_: unknown, args: { id: string }) => index.get(args.id) ?? null,
      datasets: (_: unknown, args: { ids: string[] }) => {
        if (args.ids.length > MAX_IDS) throw badInput(`datasets(ids:) takes at most ${MAX_IDS} ids, got ${args.ids.length}`);
        return args.ids.map((id) => index.get(id) ?? null);
      },
      provider: (_: unknown, args: { creditCode: string }) => {
        const code = args.creditCode.trim().toUpperCase();
        if (!looksLikeUscc(code)) {
          throw badInput(`creditCode ${JSON.stringify(args.creditCode)} is not a Unified Social Credit Code (18 characters of 0-9 and A-Y without I, O, S, V, Z)`);
        }
        const found = providerByCode(code);
        // Legacy pilot codes fail the check but are legal: only an unknown failing code is refused.
        if (!found && !isValidUscc(code)) throw badInput(`creditCode ${code} fails the GB 32100 check digit and no exchange lists it`);
        return found;
      },
      providers: (
        _: unknown,
        args: { text?: string | null; exchange?: string | null; minExchanges?: number | null; first?: number | null; after?: string | null },
        ctx: CatalogContext,
      ) =>
        asUserError(() => {
          const result = index.providers({
            text: args.text ?? undefined,
            exchange: args.exchange ?? undefined,
            minExchanges: args.minExchanges ?? undefined,
            first: args.first ?? 20,
            after: args.after ?? undefined,
            clearance: ctx.principal.clearance,
          });
          return {
            totalCount: result.totalCount,
            edges: result.edges.map((e) => ({ cursor: e.cursor, node: e.node })),
            pageInfo: result.pageInfo,
          };
        }),
      exchanges: () => harvester.allStates().map(exchangeShape),
      exchange: (_: unknown, args: { id: string }) => (exchangeById(args.id) ? exchangeOf(args.id) : null),
    },
    Dataset: {
      __resolveReference: datasetReference(deps),
      __resolveType: (r: DatasetRecord) => typeNameOf.get(r.exchange) ?? null,
    },
    ...concreteTypes,
    Provider: {
      __resolveReference: (ref: { creditCode: string }) => providerByCode(ref.creditCode),
      creditCodeValid: (p: ProviderSummary) => isValidUscc(p.creditCode),
      exchanges: (p: ProviderSummary) => p.exchanges.map(exchangeOf).filter((e) => e !== null),
      datasets: (p: ProviderSummary, args: { first?: number | null; after?: string | null; exchange?: string | null }, ctx: CatalogContext) =>
        asUserError(() =>
          connectionShape(
            index.providerDatasets(p.creditCode, {
              exchange: args.exchange ?? undefined,
              first: args.first ?? 20,
              after: args.after ?? undefined,
              clearance: ctx.principal.clearance,
            }),
          ),
        ),
    },
  } as GraphQLResolverMap<CatalogContext>;
}
