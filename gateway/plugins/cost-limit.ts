// Refuses operations whose estimated cost exceeds the caller's role's budget, after validation
// and before the query planner runs; and, while the server runs, the same limits for saved
// queries when they are saved (a check registered with `registerSavedDocumentCheck`).
//
// Cost = every field counts 1, times how many times it will be resolved: the fields under a field
// with a list-size argument are multiplied by that size. Sizes:
//   - `first`, `rows`, `last`, `limit`: the argument's value; `ids`: the length of the list;
//   - variables are coerced the way execution coerces them (`getVariableValues`: the operation's
//     variable defaults apply), and an argument left out, or given a variable with no value,
//     takes the schema's default (`search(first:)` is 20);
//   - a size that is still unknown (no value and no default, an explicit null, a variable that
//     does not coerce) counts as the largest the subgraphs accept: LIST_SIZE_CAPS, or
//     UNKNOWN_LIST_SIZE_CAP for a size argument with no known cap;
//   - a value above the cap counts as given (the subgraph would refuse it anyway), and sizes
//     below 1 count as 1.
// Lists without a size argument (a connection's `edges`, `exchanges`, price plans, facets) count
// once: a connection's page is already counted by its `first`, and the others are short lists
// bounded by the data (three exchanges, a listing's few price plans). Introspection fields
// (`__schema`, `__type`) count 1; the introspection guard and the depth limit bound them.
//
// Each fragment is costed once per type it is spread on, for a multiplier of 1, and multiplied
// where it is spread (cost is linear in the multiplier), so the estimate takes time linear in the
// document, however many times fragments spread fragments. A spread of a fragment that is being
// costed (a cycle; validation refuses those) counts 0. Figures are capped at 2^53 - 1.

import {
  GraphQLError,
  Kind,
  getNamedType,
  getVariableValues,
  isInterfaceType,
  isObjectType,
  valueFromAST,
  type ArgumentNode,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type VariableDefinitionNode,
} from 'graphql';
import type { ApolloServerPlugin } from '@apollo/server';
import type { Role } from '../../lib/principal.ts';
import type { GatewayContext } from '../contracts.ts';
import { DEFAULT_DOCUMENT_LIMITS, DocumentChecker, type DocumentLimits } from '../limits/document-limits.ts';
import { registerSavedDocumentCheck, type SavedDocumentCheck } from '../saved-queries/validate.ts';
import { typeVariables } from '../saved-queries/variables.ts';
import { ErrorCode } from '../../lib/error-codes.ts';

/** Arguments whose number says how many items a field returns. */
const SIZE_ARGUMENTS = ['first', 'rows', 'last', 'limit'];
/** Arguments whose list length says how many items a field returns. */
const LIST_ARGUMENTS = ['ids'];

/**
 * The largest size each argument takes, as the subgraphs enforce it: `first` at most 100
 * (MAX_PAGE_SIZE, subgraphs/catalog/search-index.ts: search, providers, Provider.datasets),
 * `ids` at most 100 (MAX_IDS, subgraphs/catalog/resolvers.ts), `rows` at most 20
 * (MAX_SAMPLE_ROWS, subgraphs/common/exchange-subgraph.ts). A unit test keeps them equal.
 */
export const LIST_SIZE_CAPS: Readonly<Record<string, number>> = Object.freeze({ first: 100, ids: 100, rows: 20 });

/** What an unknown size counts as for a size argument with no cap in LIST_SIZE_CAPS (`last`, `limit`, new fields). */
export const UNKNOWN_LIST_SIZE_CAP = 1_000;

const MAX_COST = Number.MAX_SAFE_INTEGER;

export interface CostEstimateInput {
  schema: GraphQLSchema;
  selectionSet: SelectionSetNode;
  rootType: GraphQLNamedType;
  fragments: Record<string, FragmentDefinitionNode>;
  /**
   * Coerced variable values, the operation's defaults applied (see `coerceVariables`). A variable
   * absent here gives its argument the schema's default, as in execution.
   */
  variables: Record<string, unknown>;
  /** Variables whose values did not coerce: the sizes they give are unknown (counted at the cap). */
  unknownVariables?: ReadonlySet<string>;
}

const UNKNOWN = Symbol('unknown size');

function capOf(argument: string): number {
  return LIST_SIZE_CAPS[argument] ?? UNKNOWN_LIST_SIZE_CAP;
}

/** The argument's value as execution would see it, or UNKNOWN. */
function argumentValue(def: GraphQLArgument, node: ArgumentNode | undefined, input: CostEstimateInput): unknown {
  const byDefault = def.defaultValue === undefined || def.defaultValue === null ? UNKNOWN : def.defaultValue;
  if (!node) return byDefault;
  const value = node.value;
  if (value.kind === Kind.VARIABLE) {
    const name = value.name.value;
    if (input.unknownVariables?.has(name)) return UNKNOWN;
    if (!Object.hasOwn(input.variables, name)) return byDefault;
    return input.variables[name] ?? UNKNOWN;
  }
  // A list written out has its length whatever its items' variables hold.
  if (value.kind === Kind.LIST) return value.values;
  const coerced = valueFromAST(value, def.type, input.variables);
  return coerced === undefined || coerced === null ? UNKNOWN : coerced;
}

/** How many times the field's selections are resolved per resolution of the field. */
function sizeOf(field: GraphQLField<unknown, unknown>, args: readonly ArgumentNode[], input: CostEstimateInput): number {
  for (const def of field.args) {
    const count = SIZE_ARGUMENTS.includes(def.name);
    if (!count && !LIST_ARGUMENTS.includes(def.name)) continue;
    const value = argumentValue(
      def,
      args.find((a) => a.name.value === def.name),
      input,
    );
    if (value === UNKNOWN) return capOf(def.name);
    if (count) return typeof value === 'number' && Number.isFinite(value) ? Math.max(1, value) : capOf(def.name);
    // A single value given for a list argument is a list of one.
    return Array.isArray(value) ? Math.max(1, value.length) : 1;
  }
  return 1;
}

export function estimateCost(input: CostEstimateInput): number {
  const { schema, fragments } = input;
  /** Cost of one resolution of a fragment on a type; 'costing' while it is being computed. */
  const memo = new Map<string, number | 'costing'>();

  const fragmentCost = (name: string, parent: GraphQLNamedType): number => {
    const fragment = fragments[name];
    if (!fragment) return 0;
    const type = schema.getType(fragment.typeCondition.name.value) ?? parent;
    const key = `${name}\u0000${type.name}`;
    const known = memo.get(key);
    if (known === 'costing') return 0;
    if (known !== undefined) return known;
    memo.set(key, 'costing');
    const cost = unitCost(fragment.selectionSet, type);
    memo.set(key, cost);
    return cost;
  };

  /** Cost of a selection set resolved once on `parent`. */
  const unitCost = (set: SelectionSetNode, parent: GraphQLNamedType): number => {
    let cost = 0;
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) {
        cost += 1;
        if (!sel.selectionSet || sel.name.value.startsWith('__')) continue;
        const field = isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[sel.name.value] : undefined;
        if (field) cost += sizeOf(field, sel.arguments ?? [], input) * unitCost(sel.selectionSet, getNamedType(field.type));
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        const type = sel.typeCondition ? (schema.getType(sel.typeCondition.name.value) ?? parent) : parent;
        cost += unitCost(sel.selectionSet, type);
      } else {
        cost += fragmentCost(sel.name.value, parent);
      }
    }
    return cost;
  };

  return Math.min(unitCost(input.selectionSet, input.rootType), MAX_COST);
}

export interface CoercedVariables {
  values: Record<string, unknown>;
  /** Variables whose given value (or missing required value) does not coerce. */
  unknown: Set<string>;
}

/**
 * The operation's variables as execution coerces them (defaults applied). When some do not
 * coerce (execution will refuse the request), the others still count and those are unknown.
 */
export function coerceVariables(schema: GraphQLSchema, definitions: readonly VariableDefinitionNode[], raw: Record<string, unknown> = {}): CoercedVariables {
  const all = getVariableValues(schema, definitions, raw);
  if (all.coerced) return { values: all.coerced, unknown: new Set() };
  const values: Record<string, unknown> = {};
  const unknown = new Set<string>();
  for (const def of definitions) {
    const one = getVariableValues(schema, [def], raw);
    if (one.coerced) Object.assign(values, one.coerced);
    else unknown.add(def.variable.name.value);
  }
  return { values, unknown };
}

/** The estimated cost of one operation of a (valid) document with the given raw variables. */
export function operationCost(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode, rawVariables: Record<string, unknown> = {}): number {
  const rootType = operation.operation === 'mutation' ? schema.getMutationType() : operation.operation === 'subscription' ? schema.getSubscriptionType() : schema.getQueryType();
  if (!rootType) return 0;
  const fragments: Record<string, FragmentDefinitionNode> = {};
  for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments[def.name.value] = def;
  const { values, unknown } = coerceVariables(schema, operation.variableDefinitions ?? [], rawVariables);
  return estimateCost({ schema, selectionSet: operation.selectionSet, rootType, fragments, variables: values, unknownVariables: unknown });
}

export const DEFAULT_COST_BUDGETS: Record<Role, number> = { public: 5_000, analyst: 25_000, admin: 100_000 };

/** The role with the largest budget, and that budget. */
export function highestBudget(budgets: Record<Role, number>): [Role, number] {
  return (Object.entries(budgets) as Array<[Role, number]>).reduce((best, entry) => (entry[1] > best[1] ? entry : best));
}

/**
 * The query limits of a saved document: the document limits (size, tokens, depth, aliases, root
 * fields, directives), then the cost with its default variables (the saved ones, else the
 * document's own) against the saver's role budget, or the highest budget when no saver is
 * given (a stored query listed or run; a run is checked again with its real variables and the
 * caller's budget by the plugin). Problems are QUERY_TOO_COMPLEX.
 */
export function savedDocumentLimitsCheck(budgets: Record<Role, number>, limits: DocumentLimits = DEFAULT_DOCUMENT_LIMITS): SavedDocumentCheck {
  const checker = new DocumentChecker(limits);
  return (schema, document, context) => {
    const violation = checker.check(context.source);
    if (violation) {
      return [new GraphQLError(violation.message, { extensions: { code: ErrorCode.QUERY_TOO_COMPLEX, limit: violation.limit, figure: violation.figure, max: violation.max } })];
    }
    const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
    if (!operation) return [];
    let defaults = context.defaultVariables ?? {};
    try {
      // Defaults as the run will type them (text to numbers and lists); untypable ones stay as given.
      defaults = typeVariables(schema, operation, defaults);
    } catch {
      /* reported by the route's own check of the defaults */
    }
    const cost = operationCost(schema, document, operation, defaults);
    const [role, budget] = context.role ? [context.role, budgets[context.role]] : highestBudget(budgets);
    if (cost <= budget) return [];
    const whose = context.role ? `the ${role} limit of ${budget}` : `the highest limit of ${budget} (${role})`;
    return [
      new GraphQLError(`query too complex: estimated cost ${cost} with its default variables exceeds ${whose} (ask for fewer items with \`first\`, or fewer nested lists)`, {
        extensions: { code: ErrorCode.QUERY_TOO_COMPLEX, cost, limit: budget },
      }),
    ];
  };
}

export interface CostLimitOptions {
  /** Document limits saved queries are held to (the gateway's own). */
  limits?: DocumentLimits;
}

export function costLimitPlugin(budgets: Record<Role, number>, options: CostLimitOptions = {}): ApolloServerPlugin<GatewayContext> {
  const savedCheck = savedDocumentLimitsCheck(budgets, options.limits ?? DEFAULT_DOCUMENT_LIMITS);
  return {
    async serverWillStart() {
      // Saved queries are held to the same limits while this server runs.
      const unregister = registerSavedDocumentCheck(savedCheck);
      return {
        async serverWillStop() {
          unregister();
        },
      };
    },
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, document, schema, request, contextValue }) {
          if (!operation) return;
          const cost = operationCost(schema, document, operation, request.variables ?? {});
          const role = contextValue.principal.role;
          const budget = budgets[role];
          if (cost > budget) {
            throw new GraphQLError(`query too complex: estimated cost ${cost} exceeds the ${role} limit of ${budget} (ask for fewer items with \`first\`, or fewer nested lists)`, {
              extensions: { code: ErrorCode.QUERY_TOO_COMPLEX, cost, limit: budget, http: { status: 400 } },
            });
          }
        },
      };
    },
  };
}
