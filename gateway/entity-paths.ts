// Error paths of entity fetches, corrected, for @apollo/gateway's own executor. dataex's
// gateways run their plans with gateway/plan-execution.ts, which reports each error at its
// places itself; Apollo's executor still runs requests that capture usage-reporting traces.
//
// The gateway engine (@apollo/gateway executeQueryPlan: executeFetch, makeLazyErrorPathGenerator)
// sends a subgraph the representations of only those entities at the fetch's path that match
// its type condition — on a list that mixes exchanges, the shanghai subgraph is asked for the
// Shanghai listings only — but turns an error at `["_entities", i, …]` into the path of the i-th
// of ALL the entities at that path. The Shanghai listing at edge 6 that is the first Shanghai one
// came back as an error at edge 0, a Beijing listing.
//
// The fix, in the data source (which sees every fetch of a request): the data of a request's
// root fetches is kept by reference — the engine merges it into its result tree by reference,
// and merges every later fetch into those same objects — so when an entity fetch answers with
// errors, the entities at its path can be listed exactly as the engine lists them, each
// representation matched to its entity (in order, by __typename and key fields), and the
// subgraph's index i replaced by the entity's index: the engine then builds the right path.
// If the entities cannot be matched (an unusual plan), the paths are left as they were.

import type { GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import type { GatewayContext } from './contracts.ts';

/** Per incoming request (the engine's request context): the data of its root fetches. */
const rootsOf = new WeakMap<object, object[]>();

const INCOMING_OPERATION = 'incoming operation'; // GraphQLDataSourceRequestKind.INCOMING_OPERATION

type ProcessOptions = GraphQLDataSourceProcessOptions<GatewayContext>;

export function correctEntityErrorPaths(options: ProcessOptions, response: GatewayGraphQLResponse): GatewayGraphQLResponse {
  if (options.kind !== INCOMING_OPERATION || !('incomingRequestContext' in options)) return response;
  const request = options.incomingRequestContext as object;
  const path = options.pathInIncomingRequest ?? [];
  const representations = options.request.variables?.representations;
  if (!Array.isArray(representations)) {
    if (path.length === 0 && response.data && typeof response.data === 'object') {
      const roots = rootsOf.get(request);
      if (roots) roots.push(response.data);
      else rootsOf.set(request, [response.data]);
    }
    return response;
  }
  const errors = response.errors;
  if (!errors?.some((e) => e.path?.[0] === '_entities' && typeof e.path[1] === 'number')) return response;
  const entities = entitiesAt(rootsOf.get(request) ?? [], path);
  const positions = entities && matchRepresentations(representations, entities);
  if (!positions) return response;
  return {
    ...response,
    errors: errors.map((e) => {
      const i = e.path?.[0] === '_entities' ? e.path[1] : undefined;
      if (typeof i !== 'number' || positions[i] === undefined) return e;
      return { ...e, path: ['_entities', positions[i], ...e.path!.slice(2)] };
    }),
  };
}

/**
 * The non-null values at `path` (`@` = every item of a list) in the request's result so far,
 * in the engine's order (executeQueryPlan flattenResultsAtPath, then the null filter).
 */
function entitiesAt(roots: object[], path: ReadonlyArray<string | number>): unknown[] | undefined {
  const head = path[0];
  const root = typeof head === 'string' && head !== '@' ? roots.find((r) => Object.hasOwn(r, head)) : roots[0];
  if (!root) return undefined;
  const flatten = (value: unknown, rest: ReadonlyArray<string | number>): unknown => {
    if (rest.length === 0 || value === null || value === undefined) return value;
    const [key, ...more] = rest;
    if (key === '@') return Array.isArray(value) ? value.flatMap((item) => flatten(item, more)) : undefined;
    if (typeof key !== 'string' || typeof value !== 'object' || Array.isArray(value)) return undefined;
    return flatten(Object.hasOwn(value, key) ? (value as Record<string, unknown>)[key] : undefined, more);
  };
  const data = flatten(root, path);
  if (data === undefined) return undefined;
  return (Array.isArray(data) ? data : [data]).filter((v) => v !== null && v !== undefined);
}

/**
 * For each representation, the index of its entity: in order, the next entity whose fields
 * contain the representation's (and of its __typename — or, when the engine rewrote it, e.g. for
 * an @interfaceObject, any __typename). Undefined if some representation has no entity.
 */
function matchRepresentations(representations: unknown[], entities: unknown[]): number[] | undefined {
  for (const strict of [true, false]) {
    const out: number[] = [];
    let k = 0;
    for (const rep of representations) {
      while (k < entities.length && !contains(entities[k], rep, strict)) k++;
      if (k === entities.length) break;
      out.push(k++);
    }
    if (out.length === representations.length) return out;
  }
  return undefined;
}

function contains(value: unknown, part: unknown, strictTypename: boolean): boolean {
  if (part === null || typeof part !== 'object') return value === part;
  if (value === null || typeof value !== 'object') return false;
  if (Array.isArray(part)) return Array.isArray(value) && value.length === part.length && part.every((p, i) => contains(value[i], p, strictTypename));
  const v = value as Record<string, unknown>;
  return Object.entries(part as Record<string, unknown>).every(([key, p]) =>
    key === '__typename' ? !strictTypename || v.__typename === undefined || v.__typename === p : contains(v[key], p, strictTypename),
  );
}
