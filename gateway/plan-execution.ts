// Execution of query plans for dataex's gateways: @apollo/gateway's `executeQueryPlan`
// (dist/executeQueryPlan.js), step for step — the same plan nodes in the same order, the same
// subgraph calls through the same data sources, the same errors with the same messages and
// paths — with the per-request work that does not depend on the request done once:
//
//   - the operation the answer is shaped by is built from the document once per document
//     (Apollo Server keeps parsed documents: the same OperationDefinitionNode comes back), not
//     once per request;
//   - the result tree is walked to a fetch's path without copying the rest of the path at
//     every step;
//   - an entity fetch's representations are built by a selection compiled once per plan node
//     (the usual flat one keys an entity from its fields without building anything), and each
//     distinct representation is sent once: on the public benchmark's nested query the 96
//     places of a fetch's path are one product, 96 times. A list met again on the way to a
//     fetch's path (answers are merged by reference, so one list can sit at several places of
//     the tree) is walked once;
//   - the answer is shaped by gateway/result-shaping.ts.
//
// Sending a distinct representation once means its answer is merged into every entity it stands
// for, by reference: the objects it brings are then shared by those places of the tree. That is
// sound because nothing writes into the tree except later merges, and a later fetch at a shared
// object builds the same representation for each of its places, so each place would have
// received the same answer. Result shaping reads the tree and writes a new one, so the answer
// has no shared parts. A subgraph error about a distinct representation is reported at every
// place it stands for, in order, as the subgraph would have reported it once per copy.
//
// Not covered here, and left to @apollo/gateway's own executor: usage-reporting traces
// (`captureTraces`, which dataex does not turn on) and the gateway's OpenTelemetry spans
// (dataex traces with its own spans: request, subgraph calls). test/conformance/ compares this
// executor, as the gateway runs it, with stock @apollo/gateway on every case it lists.
//
// Written by hand: @apollo/gateway has no hook for plan execution, and no library executes its
// plans.

import { createRequire } from 'node:module';
import type { DocumentNode, GraphQLError as GraphQLErrorType, GraphQLSchema, OperationDefinitionNode, VariableDefinitionNode } from 'graphql';
import { shapeResponse } from './result-shaping.ts';

// The very instances @apollo/gateway uses (error classes and schema objects must be its own).
const requireFromGateway = createRequire(createRequire(import.meta.url).resolve('@apollo/gateway'));
const graphql = requireFromGateway('graphql') as typeof import('graphql');
const internals = requireFromGateway('@apollo/federation-internals') as FederationInternals;
const planner = requireFromGateway('@apollo/query-planner') as { evaluateCondition(node: Any, variables: Any, values: Any): boolean };
const rewrites = requireFromGateway('./dataRewrites') as {
  applyRewrites(schema: GraphQLSchema, rewrites: unknown, value: unknown): void;
  isObjectOfType(schema: GraphQLSchema, obj: unknown, typeCondition: string): boolean;
};
const engine = requireFromGateway('./executeQueryPlan') as { executeQueryPlan: ExecuteQueryPlan; generateHydratedPaths: GenerateHydratedPaths };
const gatewayVersion = (requireFromGateway('../package.json') as { version: string }).version;

// biome-ignore lint/suspicious/noExplicitAny: federation-internals and query-plan objects, loosely typed (not direct dependencies)
type Any = any;
interface FederationInternals {
  operationFromDocument(schema: Any, document: DocumentNode, options: { validate: boolean }): Any;
  errorCodeDef(e: unknown): { err(message: string, options: Any): GraphQLErrorType } | undefined;
  ERRORS: { DOWNSTREAM_SERVICE_ERROR: { err(message: string, options: Any): GraphQLErrorType } };
  assert(condition: unknown, message: string | (() => string)): void;
}
type ExecuteQueryPlan = (queryPlan: Any, serviceMap: Any, requestContext: Any, operationContext: Any, supergraphSchema: GraphQLSchema, apiSchema: Any, telemetry?: Any) => Promise<Any>;
type GenerateHydratedPaths = (parent: Array<string | number>, path: ReadonlyArray<string | number>, data: unknown, result: Array<Array<string | number>>) => void;

const { GraphQLError, Kind, OperationTypeNode, executeSync, visit } = graphql;
const INCOMING_OPERATION = 'incoming operation'; // GraphQLDataSourceRequestKind.INCOMING_OPERATION
const TYPENAME = '__typename';

/** A data source that can take a fetch whose representations are already distinct, its error paths left to the executor (gateway/datasource.ts). */
export interface PlannedFetchSource {
  processPlanned(options: Any): Promise<Any>;
}
function hasPlannedFetch(service: unknown): service is PlannedFetchSource {
  return typeof (service as Partial<PlannedFetchSource> | null)?.processPlanned === 'function';
}

interface Cursor {
  path: Array<string | number>;
  /** What @apollo/gateway's cursor holds here, except that below a list each object is listed once (the first time it is met). */
  data: unknown;
  /** @apollo/gateway's cursor data itself, every object as often as it is met (for error paths only). */
  everyPlace: () => unknown;
  fullResult: unknown;
}

interface Execution {
  operation: Any;
  serviceMap: Record<string, Any>;
  requestContext: Any;
  supergraphSchema: GraphQLSchema;
  errors: GraphQLErrorType[];
  /** Whether an answer was merged into several places, so the tree may hold shared lists. */
  shared: boolean;
}

// --- The operation, once per document ---------------------------------------------------

/** Per API schema, per operation definition: the federation-internals operation built from it. */
const operations = new WeakMap<object, WeakMap<object, Any>>();

function operationOf(apiSchema: Any, operationContext: Any): Any {
  let perSchema = operations.get(apiSchema);
  if (!perSchema) operations.set(apiSchema, (perSchema = new WeakMap()));
  const definition = operationContext.operation as OperationDefinitionNode;
  let operation = perSchema.get(definition);
  if (!operation) {
    operation = internals.operationFromDocument(apiSchema, { kind: Kind.DOCUMENT, definitions: [definition, ...Object.values(operationContext.fragments as object)] } as DocumentNode, {
      validate: false,
    });
    perSchema.set(definition, operation);
  }
  return operation;
}

// --- Introspection fields, as @apollo/gateway answers them -------------------------------

function introspectionDocument(selection: Any, variableDefinitions: readonly VariableDefinitionNode[] | undefined): DocumentNode {
  const used = new Set<string>();
  const visitor = { [Kind.VARIABLE]: (node: { name: { value: string } }) => void used.add(node.name.value) };
  visit(selection, visitor);
  const definitions = variableDefinitions?.filter((d) => used.has(d.variable.name.value));
  internals.assert(used.size === (definitions?.length ?? 0), () => `Should have found all used variables ${[...used]} in definitions ${JSON.stringify(variableDefinitions)}`);
  return {
    kind: Kind.DOCUMENT,
    definitions: [{ kind: Kind.OPERATION_DEFINITION, operation: OperationTypeNode.QUERY, variableDefinitions: definitions, selectionSet: { kind: Kind.SELECTION_SET, selections: [selection] } }],
  };
}

function executeIntrospection(schema: GraphQLSchema, selection: Any, variableDefinitions: readonly VariableDefinitionNode[] | undefined, variableValues: Record<string, unknown> | undefined): unknown {
  const { data, errors } = executeSync({ schema, document: introspectionDocument(selection, variableDefinitions), rootValue: {}, variableValues });
  internals.assert(!errors || errors.length === 0, () => `Introspection query for ${JSON.stringify(selection)} should not have failed but got ${JSON.stringify(errors)}`);
  internals.assert(data, () => `Introspection query for ${JSON.stringify(selection)} should not have failed`);
  const name = selection.alias?.value ?? selection.name.value;
  return Object.hasOwn(data as object, name) ? (data as Record<string, unknown>)[name] : undefined;
}

// --- The plan -----------------------------------------------------------------------------

/** @apollo/gateway's executeQueryPlan for dataex's gateways (see the header). */
export async function executePlan(queryPlan: Any, serviceMap: Record<string, Any>, requestContext: Any, operationContext: Any, supergraphSchema: GraphQLSchema, apiSchema: Any): Promise<Any> {
  let operation: Any;
  try {
    operation = operationOf(apiSchema, operationContext);
  } catch (err) {
    if (err instanceof GraphQLError) return { errors: [err] };
    throw err;
  }
  const errors: GraphQLErrorType[] = [];
  const execution: Execution = { operation, serviceMap, requestContext, supergraphSchema, errors, shared: false };
  const unfilteredData = Object.create(null);
  if (queryPlan.node?.kind === 'Subscription') throw new Error('Execution of subscriptions not supported by gateway');
  if (queryPlan.node) await executeNode(execution, queryPlan.node, { path: [], data: unfilteredData, everyPlace: () => unfilteredData, fullResult: unfilteredData });

  const variables = requestContext.request.variables;
  try {
    const { data, errors: postProcessingErrors } = shapeResponse({
      operation,
      variables,
      input: unfilteredData,
      introspectionHandling: (f: Any) => executeIntrospection(operationContext.schema, f.expandFragments().toSelectionNode(), operationContext.operation.variableDefinitions, variables),
    });
    if (errors.length === 0 && postProcessingErrors.length > 0) return { extensions: { valueCompletion: postProcessingErrors }, data };
    return errors.length === 0 ? { data } : { errors, data };
  } catch (error) {
    if (error instanceof GraphQLError) return { errors: [error] };
    if (error instanceof Error) return { errors: [new GraphQLError(error.message, { originalError: error })] };
    (requestContext.logger ?? console).error(`Unexpected error during query plan execution: ${error}`);
    return { errors: [new GraphQLError('Unexpected error during query plan execution')] };
  }
}

async function executeNode(execution: Execution, node: Any, cursor: Cursor | undefined): Promise<void> {
  if (!cursor) return;
  switch (node.kind) {
    case 'Sequence':
      for (const child of node.nodes) await executeNode(execution, child, cursor);
      return;
    case 'Parallel':
      await Promise.all(node.nodes.map((child: Any) => executeNode(execution, child, cursor)));
      return;
    case 'Flatten':
      return executeNode(execution, node.node, moveIntoCursor(cursor, node.path, execution.shared));
    case 'Fetch':
      try {
        await executeFetch(execution, node, cursor);
      } catch (error) {
        execution.errors.push(error as GraphQLErrorType);
      }
      return;
    case 'Condition': {
      const branch = planner.evaluateCondition(node, execution.operation.variableDefinitions, execution.requestContext.request.variables) ? node.ifClause : node.elseClause;
      if (branch) await executeNode(execution, branch, cursor);
      return;
    }
    case 'Defer':
      internals.assert(false, '@defer support is not available in the gateway');
  }
}

/** An empty list, spread into nothing by the step above. */
const NOTHING: readonly unknown[] = Object.freeze([]);

function moveIntoCursor(cursor: Cursor, path: ReadonlyArray<string | number>, shared: boolean): Cursor | undefined {
  const data = flattenResultsAtPath(cursor.data, path, 0, shared ? [] : undefined);
  const parent = cursor.everyPlace;
  return data ? { path: cursor.path.concat(path), data, everyPlace: () => flattenResultsAtPath(parent(), path, 0, undefined), fullResult: cursor.fullResult } : undefined;
}

/**
 * The values at `path[i…]` below `value`, every item of a list at `@`, lists flattened one level
 * per `@` (@apollo/gateway's flattenResultsAtPath, with Array.prototype.flatMap).
 *
 * With `seen` (one set per `@` of the path), a list met again at the same step is skipped, with
 * all it leads to: answers are merged by reference (see the header), so the same list can stand
 * at many places, and a fetch needs each entity once. What is skipped was listed the first time,
 * so the order of first appearances is unchanged. An object met twice through different lists
 * is still listed twice (merging into it twice changes nothing the second time). `seen` is
 * passed only once an answer was merged into several places with objects or lists in it: until
 * then nothing can be shared, and the walk needs no sets (the public benchmark's query).
 */
function flattenResultsAtPath(value: unknown, path: ReadonlyArray<string | number>, i: number, seen: Array<Set<object> | undefined> | undefined): unknown {
  if (i === path.length || value === undefined || value === null) return value;
  const current = path[i];
  if (current === '@') {
    // Not a list: the same TypeError as @apollo/gateway's `value.flatMap`.
    if (!Array.isArray(value)) return (value as Any).flatMap(() => undefined);
    if (seen) {
      const met = (seen[i] ??= new Set());
      // Met before at this step: what it leads to is listed already.
      if (met.has(value)) return NOTHING;
      met.add(value);
    }
    const out: unknown[] = [];
    for (const element of value) {
      const flat = flattenResultsAtPath(element, path, i + 1, seen);
      if (Array.isArray(flat)) for (const x of flat) out.push(x);
      else out.push(flat);
    }
    return out;
  }
  // @apollo/gateway's assertions, with their messages (no closure per step unless one fails).
  if (typeof current !== 'string') internals.assert(false, `Unexpected ${typeof current} found in path`);
  if (Array.isArray(value)) internals.assert(false, `Unexpected array in result for path element ${current}`);
  return flattenResultsAtPath(Object.hasOwn(value as object, current) ? (value as Record<string, unknown>)[current as string] : undefined, path, i + 1, seen);
}

// --- Representations ----------------------------------------------------------------------

/** A fetch's `requires` selection, compiled: how to build a representation from an entity. */
type RepresentationStep =
  | { field: true; name: string; protoName: boolean; selections: RepresentationStep[] | undefined }
  | { field: false; typeCondition: string; selections: RepresentationStep[]; applies: Map<unknown, boolean> };

/**
 * A fetch's `requires`, compiled. `flat`, when the selection is one type condition over fields
 * without selections (`... on Product { __typename upc }`, almost every entity fetch): the
 * condition and the field names, so that the key of an entity's representation is read from
 * the entity directly and the representation itself is built only for a key not seen before.
 */
interface Requires {
  steps: RepresentationStep[];
  flat: { typeCondition: string; names: string[]; applies: Map<unknown, boolean> } | undefined;
}

const compiledRequires = new WeakMap<object, Requires>();

function compileSelections(selections: Any[]): RepresentationStep[] {
  const steps: RepresentationStep[] = [];
  for (const selection of selections) {
    if (selection.kind === Kind.FIELD) {
      const name = selection.alias ?? selection.name;
      steps.push({ field: true, name, protoName: name === '__proto__', selections: selection.selections ? compileSelections(selection.selections) : undefined });
    } else if (selection.kind === Kind.INLINE_FRAGMENT && selection.typeCondition) {
      steps.push({ field: false, typeCondition: selection.typeCondition, selections: compileSelections(selection.selections), applies: new Map() });
    }
  }
  return steps;
}

function flatForm(steps: RepresentationStep[]): Requires['flat'] {
  const [only] = steps;
  if (steps.length !== 1 || only.field) return undefined;
  const names: string[] = [];
  for (const step of only.selections) {
    if (!step.field || step.selections || step.protoName || names.includes(step.name)) return undefined;
    names.push(step.name);
  }
  return names.includes(TYPENAME) ? { typeCondition: only.typeCondition, names, applies: new Map() } : undefined;
}

function requiresOf(fetch: Any): Requires {
  let requires = compiledRequires.get(fetch);
  if (!requires) {
    const steps = compileSelections(fetch.requires);
    compiledRequires.set(fetch, (requires = { steps, flat: flatForm(steps) }));
  }
  return requires;
}

/** Whether `entity` has `values` for `names` (own properties, the same scalars). */
function sameValues(names: string[], values: unknown[], entity: Record<string, unknown>): boolean {
  for (let k = 0; k < names.length; k++) if (entity[names[k]] !== values[k] || !Object.hasOwn(entity, names[k])) return false;
  return true;
}

/** No representation (a field it needs is missing, or the type condition does not apply). */
const NONE = null;
/** Not a flat case after all (a value that is not a scalar): build the representation. */
const BUILD = undefined;

/**
 * Whether a fragment's type condition applies to `entity` (@apollo/gateway's isObjectOfType,
 * which reads only its __typename), remembered per __typename in `applies`. Only the schema's
 * own type names are remembered: the caches live as long as the plan, and __typename values
 * come from subgraph answers.
 */
function conditionApplies(schema: GraphQLSchema, applies: Map<unknown, boolean>, entity: Record<string, unknown>, typeCondition: string): boolean {
  const typename = entity[TYPENAME];
  let answer = applies.get(typename);
  if (answer === undefined) {
    answer = rewrites.isObjectOfType(schema, entity, typeCondition);
    if (typeof typename === 'string' && schema.getType(typename)) applies.set(typename, answer);
  }
  return answer;
}

/**
 * One field of a representation key: its name and scalar value, a string with its length (so
 * no value can fake a separator); undefined for a value that is not a scalar.
 */
function keyPart(name: string, value: unknown): string | undefined {
  if (typeof value === 'string') return `${name}:${value.length}:${value},`;
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return `${name}=${JSON.stringify(value)},`;
  return undefined;
}

/**
 * The key `representationKey` gives the representation of `entity` under a flat `requires`,
 * without building it; NONE or BUILD as above.
 */
function flatKey(schema: GraphQLSchema, flat: NonNullable<Requires['flat']>, entity: Record<string, unknown>): string | typeof NONE | typeof BUILD {
  if (!entity[TYPENAME] || !conditionApplies(schema, flat.applies, entity, flat.typeCondition)) return NONE;
  let key = '';
  for (const name of flat.names) {
    if (!Object.hasOwn(entity, name)) return NONE;
    const value = entity[name];
    if (value === undefined) return NONE;
    const part = keyPart(name, value);
    if (part === undefined) return BUILD;
    key += part;
  }
  return key;
}

/**
 * @apollo/gateway's deepMerge (utilities/deepMerge.js) of `source` into each of `targets`, its
 * keys listed once; true when two or more targets may now share an object or list of `source`.
 */
function mergeInto(targets: object[], source: Any): boolean {
  if (source === undefined || source === null) return false;
  const keys = Object.keys(source);
  for (const target of targets) mergeKeys(target, source, keys);
  if (targets.length < 2) return false;
  for (const key of keys) if (typeof source[key] === 'object' && source[key] !== null) return true;
  return false;
}

/** @apollo/gateway's deepMerge (utilities/deepMerge.js). */
function deepMerge(target: Any, source: Any): Any {
  if (source === undefined || source === null) return target;
  return mergeKeys(target, source, Object.keys(source));
}

function mergeKeys(target: Any, source: Any, keys: string[]): Any {
  for (const key of keys) {
    const value = source[key];
    if (value === undefined) continue;
    // A name Object.prototype has becomes an own property of the target before it is set (own.js defineOwn).
    if (key in Object.prototype && !Object.hasOwn(target, key) && key in target) Object.defineProperty(target, key, { configurable: true, enumerable: true, value: undefined, writable: true });
    const existing = target[key];
    if (existing && isObject(value)) {
      deepMerge(existing, value);
    } else if (Array.isArray(value) && Array.isArray(existing) && value.length === existing.length) {
      for (let i = 0; i < value.length; i++) {
        if (isObject(existing[i]) && isObject(value[i])) deepMerge(existing[i], value[i]);
        else existing[i] = value[i];
      }
    } else {
      target[key] = value;
    }
  }
  return target;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== undefined && value !== null && typeof value === 'object' && !Array.isArray(value);
}

function setField(out: Record<string, unknown>, step: { name: string; protoName: boolean }, value: unknown): void {
  if (step.protoName) Object.defineProperty(out, step.name, { value, enumerable: true, writable: true, configurable: true });
  else out[step.name] = value;
}

/**
 * @apollo/gateway's executeSelectionSet: the representation of `source` (null when a field it
 * needs is missing). Plain objects rather than Object.create(null) ones: only JSON.stringify
 * and the representation key read them.
 */
function buildRepresentation(schema: GraphQLSchema, source: Any, steps: RepresentationStep[]): Record<string, unknown> | null {
  if (source === null) return null;
  const result: Record<string, unknown> = {};
  for (const step of steps) {
    if (step.field) {
      if (!Object.hasOwn(source, step.name)) return null;
      const value = source[step.name];
      if (value === undefined) return null;
      const inner = step.selections;
      if (Array.isArray(value))
        setField(
          result,
          step,
          value.map((v) => (inner ? buildRepresentation(schema, v, inner) : v)),
        );
      else setField(result, step, inner ? buildRepresentation(schema, value, inner) : value);
    } else if (source && conditionApplies(schema, step.applies, source, step.typeCondition)) {
      deepMerge(result, buildRepresentation(schema, source, step.selections));
    }
  }
  return result;
}

/**
 * A key that is the same for two representations exactly when their JSON is: for the usual
 * flat ones (`__typename` and key fields of scalar values), their key parts, cheaper than
 * JSON.stringify; anything nested is keyed by its JSON (which starts with "{", as no flat key
 * does).
 */
function representationKey(representation: Record<string, unknown>): string {
  let key = '';
  for (const name of Object.keys(representation)) {
    const part = keyPart(name, representation[name]);
    if (part === undefined) return JSON.stringify(representation);
    key += part;
  }
  return key;
}

// --- Fetches ------------------------------------------------------------------------------

async function executeFetch(execution: Execution, fetch: Any, cursor: Cursor): Promise<void> {
  const service = execution.serviceMap[fetch.serviceName];
  if (!service) throw new Error(`Couldn't find service with name "${fetch.serviceName}"`);
  const entities: Any[] = Array.isArray(cursor.data) ? cursor.data.filter((e) => e !== null && e !== undefined) : [cursor.data];
  if (entities.length < 1) return;
  const variables = Object.create(null);
  if (fetch.variableUsages) {
    const provided = execution.requestContext.request.variables;
    for (const name of fetch.variableUsages) if (provided && Object.hasOwn(provided, name) && provided[name] !== undefined) variables[name] = provided[name];
  }
  const schema = execution.supergraphSchema;

  if (!fetch.requires) {
    const received = await sendOperation(execution, fetch, cursor, service, variables, undefined);
    if (received) rewrites.applyRewrites(schema, fetch.outputRewrites, received);
    for (const entity of entities) deepMerge(entity, received);
    return;
  }

  // Each distinct representation once, and the objects it stands for (different objects can
  // have the same representation; the same object met twice is merged into twice, which
  // changes nothing the second time).
  const { steps, flat } = requiresOf(fetch);
  const representations: Record<string, unknown>[] = [];
  const targetsOf: object[][] = [];
  const byKey = new Map<string, number>();
  /** For each of `entities`, the index of its representation, or -1 for none (for error paths). */
  const indexOf = new Array<number>(entities.length);
  /** The last entity with a flat representation: its field values and representation index. */
  let lastValues: unknown[] | undefined;
  let lastIndex = -1;
  for (let e = 0; e < entities.length; e++) {
    const entity = entities[e];
    // Runs of places with the same entity are common (a list of reviews of one product): the
    // same field values as the last entity's mean the same representation.
    if (lastValues && typeof entity === 'object' && entity !== null && sameValues(flat!.names, lastValues, entity)) {
      targetsOf[lastIndex].push(entity);
      indexOf[e] = lastIndex;
      continue;
    }
    // Keyed before the input rewrites (which may give entities of different types one
    // __typename, an @interfaceObject's): every entity a representation stands for then has
    // the __typename the answer may be given below.
    let key = flat && typeof entity === 'object' ? flatKey(schema, flat, entity) : BUILD;
    const flatKeyed = key !== BUILD;
    let representation: Record<string, unknown> | null = null;
    if (key === BUILD) {
      representation = buildRepresentation(schema, entity, steps);
      key = representation?.[TYPENAME] ? representationKey(representation) : NONE;
    }
    if (key === NONE) {
      indexOf[e] = -1;
      continue;
    }
    let j = byKey.get(key);
    if (j === undefined) {
      if (!representation) {
        representation = {};
        for (const name of flat!.names) representation[name] = entity[name];
      }
      rewrites.applyRewrites(schema, fetch.inputRewrites, representation);
      j = representations.length;
      byKey.set(key, j);
      representations.push(representation);
      targetsOf.push([entity]);
    } else {
      targetsOf[j].push(entity);
    }
    indexOf[e] = j;
    if (flatKeyed) {
      lastValues = flat!.names.map((name) => entity[name]);
      lastIndex = j;
    }
  }
  if (representations.length < 1) return;
  if ('representations' in variables) throw new Error('Variables cannot contain key "representations"');
  const places = new Places(cursor, entities, indexOf, representations.length);
  const received = await sendOperation(execution, fetch, cursor, service, { ...variables, representations }, places);
  if (!received) return;
  const receivedEntities = received._entities;
  if (!(receivedEntities && Array.isArray(receivedEntities))) throw new Error('Expected "data._entities" in response to be an array');
  if (receivedEntities.length !== representations.length) throw new Error(`Expected "data._entities" to contain ${places.represented()} elements`);
  for (let j = 0; j < representations.length; j++) {
    const entity = receivedEntities[j];
    const targets = targetsOf[j];
    if (entity && !entity[TYPENAME]) entity[TYPENAME] = (targets[0] as Record<string, unknown>)[TYPENAME];
    rewrites.applyRewrites(schema, fetch.outputRewrites, entity);
    if (mergeInto(targets, entity)) execution.shared = true;
  }
}

/**
 * Where each distinct representation of an entity fetch stands in @apollo/gateway's list of
 * the entities at the fetch's path (every object as often as it is met, nulls left out): the
 * places its errors are reported at. Worked out only when an answer has errors.
 */
class Places {
  private readonly cursor: Cursor;
  private readonly entities: unknown[];
  private readonly indexOf: number[];
  private readonly count: number;
  private computed: { placesOf: number[][]; represented: number } | undefined;

  constructor(cursor: Cursor, entities: unknown[], indexOf: number[], count: number) {
    this.cursor = cursor;
    this.entities = entities;
    this.indexOf = indexOf;
    this.count = count;
  }

  private compute(): { placesOf: number[][]; represented: number } {
    if (this.computed) return this.computed;
    const byEntity = new Map<unknown, number>();
    for (let e = 0; e < this.entities.length; e++) byEntity.set(this.entities[e], this.indexOf[e]);
    const all = this.cursor.everyPlace();
    const entities = Array.isArray(all) ? all.filter((e) => e !== null && e !== undefined) : [all];
    const placesOf: number[][] = Array.from({ length: this.count }, () => []);
    let represented = 0;
    entities.forEach((entity, place) => {
      const j = byEntity.get(entity);
      if (j === undefined || j < 0) return;
      placesOf[j].push(place);
      represented++;
    });
    this.computed = { placesOf, represented };
    return this.computed;
  }

  /** The places of distinct representation j, in order. */
  of(j: number): number[] {
    return this.compute().placesOf[j];
  }

  /** How many entities had a representation (@apollo/gateway's count of representations). */
  represented(): number {
    return this.compute().represented;
  }
}

/**
 * One subgraph call of a fetch (@apollo/gateway's sendOperation, without traces). For an
 * entity fetch, an error about distinct representation j is reported at each of `places.of(j)`.
 */
async function sendOperation(execution: Execution, fetch: Any, cursor: Cursor, service: Any, variables: Record<string, unknown>, places: Places | undefined): Promise<Any> {
  const options = {
    kind: INCOMING_OPERATION,
    request: { query: fetch.operation, variables, operationName: fetch.operationName, http: undefined },
    incomingRequestContext: execution.requestContext,
    context: execution.requestContext.context,
    document: fetch.operationDocumentNode,
    pathInIncomingRequest: cursor.path,
  };
  const response = hasPlannedFetch(service) ? await service.processPlanned(options) : await service.process(options);
  if (response.errors) {
    const subgraphErrors = places ? entityErrorsAtPlaces(response.errors, places, variables.representations as unknown[]) : response.errors;
    const errorPath = errorPathGenerator(fetch, cursor);
    for (const error of subgraphErrors) execution.errors.push(downstreamServiceError(error, fetch.serviceName, errorPath));
    if (!response.extensions?.ftv1) {
      const metrics = execution.requestContext.metrics;
      const errorPaths = response.errors.map((error: Any) => ({ subgraph: fetch.serviceName, path: error.path }));
      if (metrics.nonFtv1ErrorPaths) metrics.nonFtv1ErrorPaths.push(...errorPaths);
      else metrics.nonFtv1ErrorPaths = errorPaths;
    }
  }
  return response.data;
}

/**
 * A subgraph's errors about distinct representations, each repeated at every entity it stands
 * for (`["_entities", place, …]`), in place order as the subgraph reports the errors of a list;
 * kept in their order if some error names no representation (its place among the others is
 * unknown).
 */
function entityErrorsAtPlaces(errors: Any[], places: Places, representations: unknown[]): Any[] {
  const attributed = (e: Any) => e.path?.[0] === '_entities' && typeof e.path[1] === 'number' && e.path[1] < representations.length;
  const repeated = errors.flatMap((e) => (attributed(e) ? places.of(e.path[1]).map((place) => ({ ...e, path: ['_entities', place, ...e.path.slice(2)] })) : [e]));
  if (!errors.every(attributed)) return repeated;
  return repeated
    .map((e, k) => ({ e, k }))
    .sort((a, b) => a.e.path[1] - b.e.path[1] || a.k - b.k)
    .map((x) => x.e);
}

/** @apollo/gateway's makeLazyErrorPathGenerator: `["_entities", i, …]` is the path of the i-th entity at the fetch's path. */
function errorPathGenerator(fetch: Any, cursor: Cursor): (path: Array<string | number> | undefined) => Array<string | number> | undefined {
  let hydrated: Array<Array<string | number>> | undefined;
  return (errorPath) => {
    if (fetch.requires && typeof errorPath?.[1] === 'number') {
      if (!hydrated) {
        hydrated = [];
        engine.generateHydratedPaths([], cursor.path, cursor.fullResult, hydrated);
      }
      return [...(hydrated[errorPath[1]] ?? []), ...errorPath.slice(2)];
    }
    return errorPath ? [...cursor.path, ...errorPath] : undefined;
  };
}

/** @apollo/gateway's downstreamServiceError. */
function downstreamServiceError(originalError: Any, serviceName: string, errorPath: (path: Array<string | number> | undefined) => Array<string | number> | undefined): GraphQLErrorType {
  const message = originalError.message || `Error while fetching subquery from service "${serviceName}"`;
  const { extensions } = originalError;
  const options = { originalError, path: errorPath(originalError.path), extensions: { ...extensions, serviceName } };
  const codeDef = internals.errorCodeDef(originalError);
  if (!codeDef && extensions?.code) return new GraphQLError(message, options);
  return (codeDef ?? internals.ERRORS.DOWNSTREAM_SERVICE_ERROR).err(message, options);
}

// --- Installation -------------------------------------------------------------------------

/** API schemas (@apollo/federation-internals Schema objects) of dataex's gateways. */
const dataexSchemas = new WeakSet<object>();
let installed = false;

/**
 * Executes the plans of operations on `apiSchema` with `executePlan`; other gateways in the
 * process keep @apollo/gateway's own executor, and so do requests that capture usage-reporting
 * traces. Only for the @apollo/gateway line it was written against (2.14.x).
 */
export function executePlansOf(apiSchema: object): void {
  if (!gatewayVersion.startsWith('2.14.')) return;
  dataexSchemas.add(apiSchema);
  if (installed) return;
  installed = true;
  const original = engine.executeQueryPlan;
  engine.executeQueryPlan = (queryPlan, serviceMap, requestContext, operationContext, supergraphSchema, schema, telemetry) =>
    dataexSchemas.has(schema) && !requestContext.metrics?.captureTraces
      ? executePlan(queryPlan, serviceMap, requestContext, operationContext, supergraphSchema, schema)
      : original(queryPlan, serviceMap, requestContext, operationContext, supergraphSchema, schema, telemetry);
}
