// Catalog resolvers: maps the index and harvest state onto the client-facing schema.

import { GraphQLError } from 'graphql';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import type { DatasetRecord } from '../common/model.ts';
import type { Principal } from '../../lib/principal.ts';
import { DateTimeScalar, LongScalar } from '../common/scalars.ts';
import { toPricePlanShape } from '../common/money.ts';
import { sectorByCode, SECTORS } from '../common/sectors.ts';
import { isValidUscc, looksLikeUscc } from '../common/identifiers.ts';
import { EXCHANGES, exchangeById } from '../exchanges.ts';
import type { Harvester, ExchangeState } from './harvester.ts';
import { SearchInputError, isVisible, type DatasetIndex, type DatasetFilter, type ProviderSummary, type SearchResult } from './search-index.ts';
import { ErrorCode } from '../../lib/error-codes.ts';

export interface CatalogContext {
  principal: Principal;
}

export interface CatalogDeps {
  index: DatasetIndex;
  harvester: Harvester;
}

export const MAX_IDS = 100;

function badInput(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.BAD_USER_INPUT } });
}

function forbidden(id: string): GraphQLError {
  return new GraphQLError(`dataset ${id} is above your clearance`, { extensions: { code: ErrorCode.FORBIDDEN } });
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

const typeNameOf = new Map<string, string>(EXCHANGES.map((e) => [e.id, e.typeName]));
const exchangeName = new Map(EXCHANGES.map((e) => [e.id, e.name]));
const sectorName = new Map(SECTORS.map((s) => [s.code, s.name]));

/** Counts are of what the caller may see: hidden listings never show through them. */
interface VisibleCounts {
  datasets: Record<string, number>;
  providers: Record<string, number>;
}

function exchangeShape(state: ExchangeState, counts: VisibleCounts) {
  return {
    id: state.info.id,
    name: state.info.name,
    city: state.info.city,
    datasetCount: counts.datasets[state.info.id] ?? 0,
    providerCount: counts.providers[state.info.id] ?? 0,
    status: state.status,
    lastHarvestAt: state.lastHarvestAt,
    stale: state.stale,
    lastError: state.lastError,
  };
}

/** The facets as the schema shapes them, each read (and counted: computeFacets) only when asked for. */
function facetsShape(result: SearchResult) {
  const label = (map: Map<string, string>) => (f: { value: string; count: number }) => ({ ...f, label: map.get(f.value) ?? null });
  const plain = (f: { value: string; count: number }) => ({ ...f, label: null });
  const { facets } = result;
  return {
    exchanges: () => facets.exchanges.map(label(exchangeName)),
    sectors: () => facets.sectors.map(label(sectorName)),
    productTypes: () => facets.productTypes.map(plain),
    levels: () => facets.levels.map(plain),
    scenarios: () => facets.scenarios.map(plain),
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

/** A listing the caller may see; FORBIDDEN for one above their clearance, null for an unknown id. */
function visibleDataset(deps: CatalogDeps, id: string, principal: Principal): DatasetRecord | null {
  const record = deps.index.get(id);
  if (!record) return null;
  if (!isVisible(record, principal.clearance)) throw forbidden(id);
  return record;
}

function datasetReference(deps: CatalogDeps) {
  return (ref: { id: string }, ctx: CatalogContext) => visibleDataset(deps, ref.id, ctx.principal);
}

export function catalogResolvers(deps: CatalogDeps): GraphQLResolverMap<CatalogContext> {
  const { index, harvester } = deps;
  // Counts depend only on the clearance and the index version: computed once for each.
  const counts = new Map<string, { version: number; counts: VisibleCounts }>();
  const countsFor = (principal: Principal): VisibleCounts => {
    const key = `${principal.clearance.maxLevel}|${principal.clearance.maxGrade}`;
    const known = counts.get(key);
    if (known && known.version === index.version) return known.counts;
    const fresh = { datasets: index.countByExchange(principal.clearance), providers: index.providerCountByExchange(principal.clearance) };
    counts.set(key, { version: index.version, counts: fresh });
    return fresh;
  };
  const exchangeOf = (id: string, principal: Principal) => {
    const state = harvester.state(id);
    return state ? exchangeShape(state, countsFor(principal)) : null;
  };
  const providerByCode = (code: string, principal: Principal): ProviderSummary | null => index.provider(code, principal.clearance) ?? null;

  const datasetFields = {
    __resolveReference: datasetReference(deps),
    exchange: (r: DatasetRecord, _: unknown, ctx: CatalogContext) => exchangeOf(r.exchange, ctx.principal),
    provider: (r: DatasetRecord, _: unknown, ctx: CatalogContext) =>
      providerByCode(r.providerCode, ctx.principal) ?? { creditCode: r.providerCode, name: r.providerName, exchanges: [r.exchange], datasetCount: 1 },
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
      dataset: (_: unknown, args: { id: string }, ctx: CatalogContext) => visibleDataset(deps, args.id, ctx.principal),
      datasets: (_: unknown, args: { ids: string[] }, ctx: CatalogContext) => {
        if (args.ids.length > MAX_IDS) throw badInput(`datasets(ids:) takes at most ${MAX_IDS} ids, got ${args.ids.length}`);
        // An Error in a list position nulls that item only, with an error at its path.
        return args.ids.map((id) => {
          try {
            return visibleDataset(deps, id, ctx.principal);
          } catch (e) {
            return e;
          }
        });
      },
      provider: (_: unknown, args: { creditCode: string }, ctx: CatalogContext) => {
        const code = args.creditCode.trim().toUpperCase();
        if (!looksLikeUscc(code)) {
          throw badInput(`creditCode ${JSON.stringify(args.creditCode)} is not a Unified Social Credit Code (18 characters of 0-9 and A-Y without I, O, S, V, Z)`);
        }
        const found = providerByCode(code, ctx.principal);
        // Legacy pilot codes fail the check but are legal: only an unknown failing code is refused.
        if (!found && !isValidUscc(code) && !index.provider(code)) throw badInput(`creditCode ${code} fails the GB 32100 check digit and no exchange lists it`);
        return found;
      },
      providers: (_: unknown, args: { text?: string | null; exchange?: string | null; minExchanges?: number | null; first?: number | null; after?: string | null }, ctx: CatalogContext) =>
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
      exchanges: (_: unknown, __: unknown, ctx: CatalogContext) => {
        const counts = countsFor(ctx.principal);
        return harvester.allStates().map((s) => exchangeShape(s, counts));
      },
      exchange: (_: unknown, args: { id: string }, ctx: CatalogContext) => (exchangeById(args.id) ? exchangeOf(args.id, ctx.principal) : null),
    },
    Dataset: {
      __resolveReference: datasetReference(deps),
      __resolveType: (r: DatasetRecord) => typeNameOf.get(r.exchange) ?? null,
    },
    ...concreteTypes,
    Provider: {
      __resolveReference: (ref: { creditCode: string }, ctx: CatalogContext) => providerByCode(ref.creditCode, ctx.principal),
      creditCodeValid: (p: ProviderSummary) => isValidUscc(p.creditCode),
      exchanges: (p: ProviderSummary, _: unknown, ctx: CatalogContext) => p.exchanges.map((id) => exchangeOf(id, ctx.principal)).filter((e) => e !== null),
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
