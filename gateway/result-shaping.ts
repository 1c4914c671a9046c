// Result shaping ("post-processing") of dataex's gateway: the last step of executing a query
// plan, which turns the tree the subgraph fetches were merged into into the answer (only the
// fields asked for, under their aliases, in the operation's order, __typename filled in,
// @skip/@include applied, leaf values checked, nulls propagated to the nearest nullable parent
// with an error per non-null field that came back null).
//
// @apollo/gateway does this in `computeResponse` (dist/resultShaping.js), generically: for
// every field of every object of the answer it reads the selection's directives again,
// re-evaluates @skip/@include, looks types up by name, tests fragment type conditions, and
// allocates a closure per assertion and a result object per value. On the public benchmark's
// nested query that was a quarter of the gateway's CPU (bench/results/issue20-profile.md).
//
// `shapeResponse` is the same algorithm, step for step and with the same errors and messages,
// with the per-selection work done once per operation: each selection set is compiled on first
// use (directives evaluated against the request's variables, response names, field types and
// their wrapping read once), type lookups and type-condition tests are memoised per request.
// It is installed in place of @apollo/gateway's function for dataex's gateways only (their API
// schemas are registered): any other ApolloGateway in the process (the conformance suite's
// stock reference) keeps the original. test/conformance/ compares the two on every case.
//
// Written by hand: @apollo/gateway has no hook for its post-processing, and no library does this.

import { createRequire } from 'node:module';

// The very instances @apollo/gateway uses (type identity and instanceof must agree with its own).
const requireFromGateway = createRequire(createRequire(import.meta.url).resolve('@apollo/gateway'));
const internals = requireFromGateway('@apollo/federation-internals') as Internals;
const resultShaping = requireFromGateway('./resultShaping') as { computeResponse: ComputeResponse };
const gatewayVersion = (requireFromGateway('../package.json') as { version: string }).version;

// The parts of @apollo/federation-internals used here, loosely typed (it is not a direct
// dependency: its types are those of the gateway's copy).
// biome-ignore lint/suspicious/noExplicitAny: federation-internals objects, see above
type Any = any;
interface Internals {
  Variable: new (...args: Any[]) => { name: string };
  typenameFieldName: string;
  isNonNullType(t: Any): boolean;
  isListType(t: Any): boolean;
  isCompositeType(t: Any): boolean;
  isObjectType(t: Any): boolean;
  isSubtype(a: Any, b: Any): boolean;
  isValidLeafValue(schema: Any, value: unknown, type: Any): boolean;
  isCustomScalarType(t: Any): boolean;
  isEnumType(t: Any): boolean;
  ERRORS: { INVALID_GRAPHQL: { err(message: string, options: { path: Array<string | number> }): Error } };
  assert(condition: unknown, message: () => string): void;
}

interface ComputeArgs {
  operation: Any;
  variables: Record<string, unknown> | undefined;
  input: Record<string, unknown> | null | undefined;
  introspectionHandling: (selection: Any) => unknown;
}
type ComputeResponse = (args: ComputeArgs) => { data: unknown; errors: Error[] };

const { Variable, typenameFieldName: TYPENAME, isNonNullType, isListType, isCompositeType, isObjectType, isSubtype, isValidLeafValue, ERRORS } = internals;

/** Fails as @apollo/gateway's assertions do (same error, same message); called only on failure, so no closure per check. */
function fail(message: string): never {
  internals.assert(false, () => message);
  throw new Error(message);
}

/** How a field's type wraps its named type, read once per type object. */
interface LeafShape {
  kind: 'leaf';
  type: Any;
  /** What values the type takes (validLeaf), read on first use. */
  leafKind?: 'custom' | 'enum' | 'boolean' | 'int' | 'id' | 'float' | 'other';
}
type Shape = { kind: 'nonnull'; of: Shape; type: Any } | { kind: 'list'; of: Shape; type: Any } | { kind: 'composite'; type: Any } | LeafShape;

const shapes = new WeakMap<object, Shape>();
function shapeOf(type: Any): Shape {
  let shape = shapes.get(type);
  if (!shape) {
    shape = isNonNullType(type)
      ? { kind: 'nonnull', of: shapeOf(type.ofType), type }
      : isListType(type)
        ? { kind: 'list', of: shapeOf(type.ofType), type }
        : isCompositeType(type)
          ? { kind: 'composite', type }
          : { kind: 'leaf', type };
    shapes.set(type, shape);
  }
  return shape;
}

interface FieldStep {
  field: true;
  responseName: string;
  /** A name Object.prototype has (constructor, toString, __proto__…): read and written as an own property only. */
  inherited: boolean;
  introspection: boolean;
  typename: boolean;
  shape: Shape;
  /** The field's selection set (compiled on first use), undefined for a leaf. */
  selectionSet: Any;
  selection: Any;
}
interface FragmentStep {
  field: false;
  typeCondition: Any;
  selectionSet: Any;
  /** Whether the condition applies, per __typename ('' + parent type name when there is none). */
  applies: Map<string, boolean>;
}
type Step = FieldStep | FragmentStep;

/** One request's shaping: its variables, errors, and the compiled selection sets. */
class Shaper {
  readonly schema: Any;
  readonly variables: Record<string, unknown>;
  readonly errors: Error[] = [];
  readonly introspectionHandling: (selection: Any) => unknown;
  private readonly compiled = new Map<object, Step[]>();
  private readonly types = new Map<string, Any>();
  private readonly skipDirective: Any;
  private readonly includeDirective: Any;

  constructor(schema: Any, variables: Record<string, unknown>, introspectionHandling: (selection: Any) => unknown) {
    this.schema = schema;
    this.variables = variables;
    this.introspectionHandling = introspectionHandling;
    this.skipDirective = schema.skipDirective();
    this.includeDirective = schema.includeDirective();
  }

  type(name: string): Any {
    let t = this.types.get(name);
    if (t === undefined) {
      t = this.schema.type(name) ?? null;
      this.types.set(name, t);
    }
    return t;
  }

  private ifValue(directive: Any): unknown {
    const ifArg = directive.arguments().if;
    if (ifArg instanceof Variable) {
      const value = this.variables[ifArg.name];
      if (value === undefined || typeof value !== 'boolean') fail(`Unexpected value ${value} for variable ${ifArg} of ${directive}`);
      return value;
    }
    return ifArg;
  }

  private skipped(element: Any): boolean {
    const skip = element.appliedDirectivesOf(this.skipDirective)[0];
    const include = element.appliedDirectivesOf(this.includeDirective)[0];
    return Boolean((skip && this.ifValue(skip)) || (include && !this.ifValue(include)));
  }

  steps(selectionSet: Any): Step[] {
    let steps = this.compiled.get(selectionSet);
    if (steps) return steps;
    steps = [];
    for (const selection of selectionSet.selections()) {
      const element = selection.element;
      if (this.skipped(element)) continue;
      if (selection.kind === 'FieldSelection') {
        steps.push({
          field: true,
          responseName: element.responseName(),
          inherited: element.responseName() in Object.prototype,
          introspection: element.definition.isSchemaIntrospectionField(),
          typename: element.name === TYPENAME,
          shape: shapeOf(element.definition.type),
          selectionSet: selection.selectionSet,
          selection,
        });
      } else {
        steps.push({ field: false, typeCondition: element.typeCondition, selectionSet: selection.selectionSet, applies: new Map() });
      }
    }
    this.compiled.set(selectionSet, steps);
    return steps;
  }

  conditionApplies(step: FragmentStep, typename: unknown, parentType: Any): boolean {
    if (!step.typeCondition) return true;
    const key = typename ? (typename as string) : `\u0000${parentType.name}`;
    let applies = step.applies.get(key);
    if (applies === undefined) {
      if (typename) {
        const type = this.type(typename as string);
        applies = !!type && isSubtype(step.typeCondition, type);
      } else {
        applies = isSubtype(step.typeCondition, parentType);
      }
      step.applies.set(key, applies);
    }
    return applies;
  }
}

// Output objects are plain literals, not Object.create(null) as in @apollo/gateway: V8 keeps
// those in dictionary mode, slower to build and about twice as slow to serialise (the answer's
// JSON.stringify in Apollo Server). The few response names Object.prototype also has are read
// and written as own properties (a `__proto__` one defined, never set).
function ownValue(output: Record<string, unknown>, name: string): unknown {
  return Object.hasOwn(output, name) ? output[name] : undefined;
}
function setOwn(output: Record<string, unknown>, name: string, value: unknown, inherited: boolean): void {
  if (inherited && name === '__proto__') Object.defineProperty(output, name, { value, enumerable: true, writable: true, configurable: true });
  else output[name] = value;
}

const OK = 0;
const NULL_BUBBLE_UP = 1;

function describeLast(path: Array<string | number>, currentType: Any, parentType: Any): string {
  const element = path[path.length - 1];
  if (element === undefined) fail('Should not have been called on an empty path');
  return typeof element === 'string' ? `field ${parentType}.${element}` : `array element of type ${currentType} at index ${element}`;
}

function applySelectionSet(s: Shaper, input: Record<string, unknown>, selectionSet: Any, output: Record<string, unknown>, path: Array<string | number>, parentType: Any): number {
  const steps = s.steps(selectionSet);
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i];
    if (step.field) {
      const responseName = step.responseName;
      const outputValue = step.inherited ? ownValue(output, responseName) : output[responseName];
      if (step.introspection) {
        if (outputValue === undefined) setOwn(output, responseName, s.introspectionHandling(step.selection), step.inherited);
        continue;
      }
      let inputValue = Object.hasOwn(input, responseName) ? (input[responseName] ?? null) : null;
      if (step.typename) {
        if (outputValue === undefined) {
          if (inputValue === null && responseName !== TYPENAME) inputValue = input[TYPENAME] ?? null;
          const type = inputValue !== null && typeof inputValue === 'string' ? (s.type(inputValue) ?? parentType) : parentType;
          if (!isObjectType(type)) return NULL_BUBBLE_UP;
          setOwn(output, responseName, type.name, step.inherited);
        }
        continue;
      }
      path.push(responseName);
      const updated = updateOutputValue(s, outputValue, step.shape, inputValue, step.selectionSet, path, parentType);
      setOwn(output, responseName, updated === INVALID || updated === NULLED ? null : updated, step.inherited);
      path.pop();
      if (updated === INVALID) return NULL_BUBBLE_UP;
    } else {
      const typename = input[TYPENAME];
      if (typename && typeof typename !== 'string') fail(`Got unexpected value for __typename: ${typename}`);
      if (s.conditionApplies(step, typename, parentType)) {
        if (applySelectionSet(s, input, step.selectionSet, output, path, step.typeCondition ?? parentType) === NULL_BUBBLE_UP) return NULL_BUBBLE_UP;
      }
    }
  }
  return OK;
}

// Apollo's updateOutputValue returns { updated, isInvalid?, hasErrors? }; here the three
// outcomes that carry more than a value are sentinels (no object per value):
//   NULLED   null, with errors already reported below (hasErrors)
//   INVALID  null that must bubble up to the nearest nullable parent (isInvalid, hasErrors)
// Any other result is the value, without errors.
const NULLED = Symbol('nulled with errors');
const INVALID = Symbol('invalid: bubble up');
type Updated = unknown;

function updateOutputValue(s: Shaper, outputValue: unknown, shape: Shape, inputValue: unknown, selectionSet: Any, path: Array<string | number>, parentType: Any): Updated {
  if (inputValue === undefined) fail('Should not pass undefined for `inputValue` to this method');
  if (outputValue === null || (outputValue !== undefined && !selectionSet)) return outputValue;
  switch (shape.kind) {
    case 'nonnull': {
      const inner = updateOutputValue(s, outputValue, shape.of, inputValue, selectionSet, path, parentType);
      if (inner === null || inner === NULLED || inner === INVALID) {
        // Apollo: the inner result's hasErrors (NULLED, INVALID) means the error is reported.
        if (inner === null) s.errors.push(ERRORS.INVALID_GRAPHQL.err(`Cannot return null for non-nullable ${describeLast(path, shape.of.type, parentType)}.`, { path: Array.from(path) }));
        return INVALID;
      }
      // Apollo returns { updated } alone here: any errors below are not passed up.
      return inner;
    }
    case 'list': {
      if (inputValue === null) return null;
      if (!Array.isArray(inputValue)) fail(`Invalid non-list value ${inputValue} returned by subgraph for list type ${shape.type}`);
      if (outputValue !== undefined && !Array.isArray(outputValue)) fail(`Invalid non-list value ${outputValue} returned by subgraph for list type ${shape.type}`);
      const n = inputValue.length;
      const outputList = outputValue as unknown[] | undefined;
      if (outputList !== undefined && outputList.length !== n) fail(`[${inputValue}].length (${n}) !== [${outputList}].length (${outputList.length})`);
      const updated = new Array<unknown>(n);
      let shouldNullify = false;
      for (let idx = 0; idx < n; idx++) {
        path.push(idx);
        const elt = updateOutputValue(s, outputList === undefined ? undefined : outputList[idx], shape.of, inputValue[idx], selectionSet, path, parentType);
        path.pop();
        if (elt === INVALID) {
          shouldNullify = true;
          updated[idx] = null;
        } else if (elt === NULLED) {
          updated[idx] = null;
        } else {
          updated[idx] = elt;
        }
      }
      // Apollo: { updated: shouldNullify ? null : updated, hasErrors } (never isInvalid). A list
      // is nulled only for an invalid element, which always has errors; the hasErrors of a
      // list that is kept is never read.
      return shouldNullify ? NULLED : updated;
    }
    case 'composite': {
      if (inputValue === null) return null;
      if (typeof inputValue !== 'object') fail(`Invalid non-object value ${inputValue} returned by subgraph for composite type ${shape.type}`);
      if (outputValue !== undefined && typeof outputValue !== 'object') fail(`Invalid non-object value ${inputValue} returned by subgraph for composite type ${shape.type}`);
      const input = inputValue as Record<string, unknown>;
      const inputTypename = input[TYPENAME];
      if (inputTypename !== undefined && typeof inputTypename !== 'string') fail(`Invalid non-string value ${inputTypename} for __typename at ${path}`);
      let objType = shape.type;
      if (inputTypename) {
        const typenameType = s.type(inputTypename);
        if (!typenameType || !isCompositeType(typenameType)) {
          s.errors.push(ERRORS.INVALID_GRAPHQL.err(`Invalid __typename found for object at ${describeLast(path, shape.type, parentType)}.`, { path: Array.from(path) }));
          return NULLED;
        }
        objType = typenameType;
      }
      const output = outputValue === undefined ? {} : (outputValue as Record<string, unknown>);
      return applySelectionSet(s, input, selectionSet, output, path, objType) === NULL_BUBBLE_UP ? NULLED : output;
    }
    case 'leaf': {
      if (inputValue === null) return null;
      if (outputValue !== undefined) fail(`Excepted output to be undefined but got ${shape.type} for type ${shape.type}`);
      if (validLeaf(s.schema, inputValue, shape)) return inputValue;
      s.errors.push(ERRORS.INVALID_GRAPHQL.err(`Invalid value found for ${describeLast(path, shape.type, parentType)}.`, { path: Array.from(path) }));
      return NULLED;
    }
  }
}

/**
 * federation-internals' isValidLeafValue, with the type's kind read once per type: a custom
 * scalar takes anything, a string is valid for String, ID and custom types (and an enum's
 * values), a boolean for Boolean, a safe integer for Int, ID and Float (any other number goes
 * to the original, which tests its decimal form).
 */
function validLeaf(schema: Any, value: unknown, shape: LeafShape): boolean {
  let kind = shape.leafKind;
  if (kind === undefined) {
    const t = shape.type;
    kind = shape.leafKind = internals.isCustomScalarType(t)
      ? 'custom'
      : internals.isEnumType(t)
        ? 'enum'
        : t === schema.booleanType()
          ? 'boolean'
          : t === schema.intType()
            ? 'int'
            : t === schema.idType()
              ? 'id'
              : t === schema.floatType()
                ? 'float'
                : 'other';
  }
  switch (typeof value) {
    case 'string':
      return kind === 'enum' ? shape.type.value(value) !== undefined : kind !== 'boolean' && kind !== 'int' && kind !== 'float';
    case 'boolean':
      return kind === 'custom' || kind === 'boolean';
    case 'number':
      if (kind === 'custom') return true;
      if (Number.isSafeInteger(value)) return kind === 'int' || kind === 'id' || kind === 'float';
      return isValidLeafValue(schema, value, shape.type);
    default:
      return kind === 'custom';
  }
}

/** @apollo/gateway's computeResponse, compiled per operation (see the header). */
export function shapeResponse({ operation, variables, input, introspectionHandling }: ComputeArgs): { data: unknown; errors: Error[] } {
  if (!input) return { data: input, errors: [] };
  const schema = operation.schema();
  const s = new Shaper(schema, { __proto__: null, ...operation.collectDefaultedVariableValues(), ...variables }, introspectionHandling);
  const data: Record<string, unknown> = {};
  const res = applySelectionSet(s, input, operation.selectionSet, data, [], schema.schemaDefinition.rootType(operation.rootKind));
  return { data: res === NULL_BUBBLE_UP ? null : data, errors: s.errors };
}

/** API schemas (@apollo/federation-internals Schema objects) of dataex's gateways. */
const dataexSchemas = new WeakSet<object>();
let installed = false;

/**
 * Shapes the answers of operations on `apiSchema` with `shapeResponse`; other gateways in the
 * process keep @apollo/gateway's own. Only for the @apollo/gateway line it was written against.
 */
export function shapeAnswersOf(apiSchema: object): void {
  if (!gatewayVersion.startsWith('2.14.')) return;
  dataexSchemas.add(apiSchema);
  if (installed) return;
  installed = true;
  const original = resultShaping.computeResponse;
  resultShaping.computeResponse = (args) => (dataexSchemas.has(args.operation.schema()) ? shapeResponse(args) : original(args));
}
