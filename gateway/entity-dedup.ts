// Entity fetches with each representation sent once. @apollo/gateway sends a subgraph one
// representation per entity at the fetch's path, duplicates included: on the public benchmark's
// nested query most of them are the same few users and products, dozens of times each, so the
// gateway serialised, and parsed back, mostly copies (bench/results/issue20-profile.md).
//
// Here an `_entities` fetch sends each distinct representation once (distinct: the same JSON)
// and the answer is put back in the shape the engine expects: one entity per representation
// sent to it, in order, every repeat a copy of its own (the engine merges each into a different
// place of its result tree, and later fetches merge into those), and each subgraph error about
// a distinct representation repeated for every position it stands for, in position order, as
// the subgraph would have reported it once per copy. An answer of the wrong length is passed
// on as it came, so the engine refuses it as it would have.
//
// Written by hand: a JSON-value copy (structuredClone is slower, and must not be given a
// `__proto__` key any differently) and the index bookkeeping are a few lines.

import type { GraphQLFormattedError } from 'graphql';
import type { GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import type { GatewayContext } from './contracts.ts';

type ProcessOptions = GraphQLDataSourceProcessOptions<GatewayContext>;

/** A copy of a JSON value (what JSON.parse makes: plain objects, arrays, primitives). */
export function copyJson(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    const out = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) out[i] = copyJson(value[i]);
    return out;
  }
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const v = copyJson((value as Record<string, unknown>)[key]);
    // An own "__proto__" (JSON.parse makes one) must stay a property, not become the prototype.
    if (key === '__proto__') Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true });
    else out[key] = v;
  }
  return out;
}

/**
 * A key that is the same for two representations exactly when their JSON is: for the usual flat
 * ones (`__typename` and key fields of scalar values), names and values with each string's
 * length (so no value can fake a separator), cheaper than JSON.stringify per representation;
 * anything nested is keyed by its JSON (which starts with "{", as no flat key does).
 */
function keyOf(representation: unknown): string {
  if (representation === null || typeof representation !== 'object' || Array.isArray(representation)) return JSON.stringify(representation) ?? 'undefined';
  let key = '';
  for (const name of Object.keys(representation)) {
    const value = (representation as Record<string, unknown>)[name];
    if (typeof value === 'string') key += `${name}:${value.length}:${value},`;
    else if (typeof value === 'number' || typeof value === 'boolean' || value === null) key += `${name}=${JSON.stringify(value)},`;
    else return JSON.stringify(representation);
  }
  return key;
}

/** An `_entities` fetch with each distinct representation sent once; any other fetch goes straight to `send`. */
export async function fetchDistinctEntities(options: ProcessOptions, send: (options: ProcessOptions) => Promise<GatewayGraphQLResponse>): Promise<GatewayGraphQLResponse> {
  const { request } = options;
  const representations = request.variables?.representations;
  if (!Array.isArray(representations) || representations.length < 2 || !request.query?.startsWith('query') || !request.query.includes('_entities(')) return send(options);
  const n = representations.length;
  const indexOf = new Map<string, number>();
  const distinct: unknown[] = [];
  /** For each position, the index of its representation among the distinct ones. */
  const distinctOf = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const key = keyOf(representations[i]);
    let j = indexOf.get(key);
    if (j === undefined) {
      j = distinct.length;
      indexOf.set(key, j);
      distinct.push(representations[i]);
    }
    distinctOf[i] = j;
  }
  if (distinct.length === n) return send(options);

  const response = await send({ ...options, request: { ...request, variables: { ...request.variables, representations: distinct } } });
  /** Positions of each distinct representation, in order. */
  const positionsOf: number[][] = distinct.map(() => []);
  for (let i = 0; i < n; i++) positionsOf[distinctOf[i]].push(i);

  let errors = response.errors;
  if (errors) {
    const attributed = (e: GraphQLFormattedError) => e.path?.[0] === '_entities' && typeof e.path[1] === 'number' && e.path[1] < distinct.length;
    const repeated = errors.flatMap((e) => (attributed(e) ? positionsOf[e.path![1] as number].map((i) => ({ ...e, path: ['_entities', i, ...e.path!.slice(2)] })) : [e]));
    // In position order, as the subgraph reports errors of a list; kept as they are if some
    // error names no entity (its place among the others is unknown).
    errors = errors.every(attributed)
      ? repeated
          .map((e, k) => ({ e, k }))
          .sort((a, b) => (a.e.path![1] as number) - (b.e.path![1] as number) || a.k - b.k)
          .map((x) => x.e)
      : repeated;
  }
  const fetched = (response.data as { _entities?: unknown[] } | null | undefined)?._entities;
  if (!Array.isArray(fetched) || fetched.length !== distinct.length) return errors ? { ...response, errors } : response;
  const seen = new Array<boolean>(distinct.length).fill(false);
  const entities = new Array<unknown>(n);
  for (let i = 0; i < n; i++) {
    const j = distinctOf[i];
    entities[i] = seen[j] ? copyJson(fetched[j]) : fetched[j];
    seen[j] = true;
  }
  return { ...response, data: { ...(response.data as object), _entities: entities }, ...(errors ? { errors } : {}) };
}
