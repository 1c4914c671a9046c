// Variables of a saved-query run: the saved defaults, overridden by what the caller passes in the
// query string, the JSON body or on the command line, typed against the operation's variable
// definitions and checked with graphql's own variable coercion (the same messages as /graphql),
// with the custom scalars parsed as everywhere else (subgraphs/common/scalar-parsing.ts).
//
// Text values (query string, CLI) are read by type:
//   Int, Float        decimal numbers ("" = null)
//   Boolean           true/false, 1/0, yes/no
//   String, ID, enums as given
//   custom scalars    as given (Long stays a decimal string; numbers become strings)
//   DateTime          as given, or relative: `now`, `now-7d`, `now-12h`, `now-2w` (d/w round down
//                     to the start of the day, China time) resolved when the query runs — at the
//                     top level, in lists and inside input objects (`filter={"updatedSince":"now-7d"}`)
//   lists             comma-separated (`sectors=Q,S`), repeated parameters, or a JSON array
//   input objects     JSON (`filter={"exchanges":["beijing"]}`)

import {
  GraphQLError,
  getNamedType,
  getVariableValues,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isScalarType,
  typeFromAST,
  type GraphQLType,
  type GraphQLInputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type VariableDefinitionNode,
} from 'graphql';
import { attachScalarParsing, resolveRelativeDate } from '../../subgraphs/common/scalar-parsing.ts';
import { ErrorCode } from '../../lib/error-codes.ts';

export class VariableError extends Error {
  readonly errors: GraphQLError[];
  constructor(errors: GraphQLError[]) {
    super(errors.map((e) => e.message).join('; '));
    this.errors = errors;
    this.name = 'VariableError';
  }
}

const badInput = (message: string) => new GraphQLError(message, { extensions: { code: ErrorCode.BAD_USER_INPUT } });

function variableNames(operation: OperationDefinitionNode): string[] {
  return (operation.variableDefinitions ?? []).map((d) => d.variable.name.value);
}

function describeNames(names: string[]): string {
  return names.length === 0 ? 'this query takes no variables' : `this query takes ${names.map((n) => `$${n}`).join(', ')}`;
}

/**
 * Types raw values (strings from text, or JSON values) against the operation's definitions.
 * Unknown names and values that cannot be read throw VariableError; values of the wrong type
 * are left for `checkVariables`, whose messages name the variable and the expected type.
 */
export function typeVariables(schema: GraphQLSchema, operation: OperationDefinitionNode, raw: Record<string, unknown>): Record<string, unknown> {
  const defs = new Map((operation.variableDefinitions ?? []).map((d) => [d.variable.name.value, d]));
  const errors: GraphQLError[] = [];
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(raw)) {
    const def = defs.get(name);
    if (!def) {
      errors.push(badInput(`unknown variable "${name}": ${describeNames(variableNames(operation))}`));
      continue;
    }
    const type = typeFromAST(schema, def.type) as GraphQLInputType | undefined;
    if (!type) {
      errors.push(badInput(`variable "$${name}" has a type the schema does not know`));
      continue;
    }
    try {
      out[name] = fromRaw(type, value, `$${name}`);
    } catch (e) {
      if (e instanceof GraphQLError) errors.push(e);
      else throw e;
    }
  }
  if (errors.length > 0) throw new VariableError(errors);
  return out;
}

function fromRaw(type: GraphQLInputType, value: unknown, where: string): unknown {
  if (isNonNullType(type)) return fromRaw(type.ofType, value, where);
  if (value === null || value === undefined) return value;
  if (isListType(type)) {
    if (Array.isArray(value)) return value.map((v, i) => fromRaw(type.ofType, v, `${where}[${i}]`));
    if (typeof value === 'string') {
      const text = value.trim();
      if (text.startsWith('[')) return fromRaw(type, parseJson(text, where, 'a JSON array'), where);
      if (text === '') return [];
      return text.split(',').map((part, i) => fromRaw(type.ofType, part.trim(), `${where}[${i}]`));
    }
    return value; // a single JSON value: GraphQL coerces it to a one-item list
  }
  if (Array.isArray(value)) {
    throw badInput(`variable "${where}" was given ${value.length} values but takes one ${String(type)}`);
  }
  if (isInputObjectType(type)) {
    let obj: unknown = value;
    if (typeof obj === 'string') obj = parseJson(obj, where, `a JSON object for ${type.name}`);
    if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return obj;
    const fields = type.getFields();
    const typed: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(obj as Record<string, unknown>)) {
      typed[k] = fields[k] ? fromRaw(fields[k].type, v, `${where}.${k}`) : v;
    }
    return typed;
  }
  if (isEnumType(type)) return typeof value === 'string' ? value.trim() : value;
  if (isScalarType(type)) {
    switch (type.name) {
      case 'Int':
      case 'Float': {
        if (typeof value !== 'string') return value;
        const text = value.trim();
        if (text === '') return null;
        return /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text) ? Number(text) : value;
      }
      case 'Boolean': {
        if (typeof value !== 'string') return value;
        if (/^(true|1|yes|on)$/i.test(value.trim())) return true;
        if (/^(false|0|no|off)$/i.test(value.trim())) return false;
        return value;
      }
      case 'String':
      case 'ID':
        return typeof value === 'number' && type.name === 'ID' ? String(value) : value;
      case 'Long':
        return typeof value === 'number' && Number.isSafeInteger(value) ? String(value) : typeof value === 'string' ? value.trim() : value;
      default:
        return value;
    }
  }
  return value;
}

function parseJson(text: string, where: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw badInput(`variable "${where}" must be ${what}: ${(e as Error).message}`);
  }
}

/**
 * Checks values against the definitions with graphql's own coercion (the messages /graphql
 * gives), Long and DateTime parsed as the gateway and the subgraphs parse them, relative dates
 * taken; with `only`, checks just those variables (defaults at save time, when required
 * variables may still be missing).
 */
export function checkVariables(schema: GraphQLSchema, operation: OperationDefinitionNode, values: Record<string, unknown>, only?: readonly string[]): void {
  // The gateway's schema has it already (gateway/plugins/scalar-input.ts); a schema built
  // elsewhere from SDL (tools, tests) gets it here. Idempotent.
  attachScalarParsing(schema);
  let defs: readonly VariableDefinitionNode[] = operation.variableDefinitions ?? [];
  if (only) defs = defs.filter((d) => only.includes(d.variable.name.value));
  const result = getVariableValues(schema, defs, resolveRelativeDates(schema, operation, values), { maxErrors: 20 });
  if (result.errors) {
    throw new VariableError(result.errors.map((e) => new GraphQLError(e.message, { extensions: { code: ErrorCode.BAD_USER_INPUT } })));
  }
}

/**
 * Resolves relative DateTime values (`now-7d`) to ISO date-times with the +08:00 offset,
 * wherever the variable's type has a DateTime: at the top, in lists, in input objects.
 */
export function resolveRelativeDates(schema: GraphQLSchema, operation: OperationDefinitionNode, values: Record<string, unknown>, now = new Date()): Record<string, unknown> {
  const out = { ...values };
  for (const def of operation.variableDefinitions ?? []) {
    const name = def.variable.name.value;
    const type = typeFromAST(schema, def.type);
    if (type && name in out && hasDateTime(type)) out[name] = resolveIn(type, out[name], now);
  }
  return out;
}

function resolveIn(type: GraphQLType, value: unknown, now: Date): unknown {
  if (isNonNullType(type)) return resolveIn(type.ofType, value, now);
  if (value === null || value === undefined) return value;
  if (isListType(type)) return Array.isArray(value) ? value.map((v) => resolveIn(type.ofType, v, now)) : resolveIn(type.ofType, value, now);
  if (isInputObjectType(type)) {
    if (typeof value !== 'object' || Array.isArray(value)) return value;
    const fields = type.getFields();
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, fields[k] ? resolveIn(fields[k].type, v, now) : v]));
  }
  if (isScalarType(type) && type.name === 'DateTime' && typeof value === 'string') return resolveRelativeDate(value, now) ?? value;
  return value;
}

/** Whether a DateTime can occur in values of `type` (input objects may nest, or recurse). */
function hasDateTime(type: GraphQLType, seen = new Set<string>()): boolean {
  const named = getNamedType(type);
  if (named.name === 'DateTime') return true;
  if (!isInputObjectType(named) || seen.has(named.name)) return false;
  seen.add(named.name);
  return Object.values(named.getFields()).some((f) => hasDateTime(f.type, seen));
}

const CST_OFFSET_MS = 8 * 3600_000;

/** Formats China wall-clock milliseconds as `YYYY-MM-DDTHH:mm:ss+08:00`. */
function formatCst(cstMs: number): string {
  return new Date(cstMs).toISOString().replace(/\.\d{3}Z$/, '+08:00');
}

/** `YYYYMMDD` of a moment in China time (export file names). */
export function cstDateStamp(now = new Date()): string {
  return formatCst(now.getTime() + CST_OFFSET_MS)
    .slice(0, 10)
    .replace(/-/g, '');
}

/**
 * The variables of a run: saved defaults ⊕ the caller's values, typed and checked. Throws
 * VariableError (a 400) naming the variable.
 */
export function runVariables(schema: GraphQLSchema, operation: OperationDefinitionNode, defaults: Record<string, unknown>, raw: Record<string, unknown>, now = new Date()): Record<string, unknown> {
  const saved = typeVariables(schema, operation, defaults);
  const given = typeVariables(schema, operation, raw);
  const merged = resolveRelativeDates(schema, operation, { ...saved, ...given }, now);
  checkVariables(schema, operation, merged);
  return merged;
}
