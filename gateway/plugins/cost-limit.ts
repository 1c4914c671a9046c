// Refuses operations whose estimated cost exceeds the caller's role's budget, after validation
// and before the query planner runs. Cost = every field counts 1, times how many times it will
// be resolved: a field under a list argument (`first`, `rows`, `ids`) is multiplied by that
// argument's value (variables resolved, schema defaults applied).

import {
  GraphQLError,
  Kind,
  getNamedType,
  isInterfaceType,
  isObjectType,
  valueFromAST,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  type SelectionSetNode,
} from 'graphql';
import type { ApolloServerPlugin } from '@apollo/server';
import type { Role } from '../../subgraphs/common/principal.ts';
import type { GatewayContext } from '../server.ts';

/** Arguments that say how many items a field returns. */
const SIZE_ARGUMENTS = ['first', 'rows', 'last', 'limit'];

export interface CostEstimateInput {
  schema: GraphQLSchema;
  selectionSet: SelectionSetNode;
  rootType: GraphQLNamedType;
  fragments: Record<string, FragmentDefinitionNode>;
  variables: Record<string, unknown>;
}

function sizeOf(field: GraphQLField<unknown, unknown> | undefined, args: readonly { name: { value: string }; value: any }[], variables: Record<string, unknown>): number {
  if (!field) return 1;
  for (const def of field.args) {
    const node = args.find((a) => a.name.value === def.name);
    const value = node ? valueFromAST(node.value, def.type, variables) : def.defaultValue;
    if (SIZE_ARGUMENTS.includes(def.name) && typeof value === 'number') return Math.max(1, value);
    if (def.name === 'ids' && Array.isArray(value)) return Math.max(1, value.length);
  }
  return 1;
}

export function estimateCost(input: CostEstimateInput): number {
  const walk = (set: SelectionSetNode, parent: GraphQLNamedType, multiplier: number, seen: Set<string>): number => {
    let cost = 0;
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) {
        if (sel.name.value.startsWith('__')) {
          cost += multiplier;
          continue;
        }
        const field = isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[sel.name.value] : undefined;
        cost += multiplier;
        if (sel.selectionSet && field) {
          const times = multiplier * sizeOf(field, sel.arguments ?? [], input.variables);
          cost += walk(sel.selectionSet, getNamedType(field.type), times, seen);
        }
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        const type = sel.typeCondition ? (input.schema.getType(sel.typeCondition.name.value) ?? parent) : parent;
        cost += walk(sel.selectionSet, type, multiplier, seen);
      } else {
        const fragment = input.fragments[sel.name.value];
        if (!fragment || seen.has(sel.name.value)) continue;
        const type = input.schema.getType(fragment.typeCondition.name.value) ?? parent;
        seen.add(sel.name.value);
        cost += walk(fragment.selectionSet, type, multiplier, seen);
        seen.delete(sel.name.value);
      }
    }
    return cost;
  };
  return walk(input.selectionSet, input.rootType, 1, new Set());
}

export const DEFAULT_COST_BUDGETS: Record<Role, number> = { public: 5_000, analyst: 25_000, admin: 100_000 };

export function costLimitPlugin(budgets: Record<Role, number>): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, document, schema, request, contextValue }) {
          if (!operation) return;
          const rootType = operation.operation === 'mutation' ? schema.getMutationType() : schema.getQueryType();
          if (!rootType) return;
          const fragments: Record<string, FragmentDefinitionNode> = {};
          for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments[def.name.value] = def;
          const cost = estimateCost({ schema, selectionSet: operation.selectionSet, rootType, fragments, variables: request.variables ?? {} });
          const role = contextValue.principal.role;
          const budget = budgets[role];
          if (cost > budget) {
            throw new GraphQLError(`query too complex: estimated cost ${cost} exceeds the ${role} limit of ${budget} (ask for fewer items with \`first\`, or fewer nested lists)`, {
              extensions: { code: 'QUERY_TOO_COMPLEX', cost, limit: budget, http: { status: 400 } },
            });
          }
        },
      };
    },
  };
}
