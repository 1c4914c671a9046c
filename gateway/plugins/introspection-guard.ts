// Schema introspection off for public callers when DATAEX_INTROSPECTION is off (production):
// analysts and admins keep it, since their tools need the schema.

import { GraphQLError, Kind, type DocumentNode, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';
import type { ApolloServerPlugin } from '@apollo/server';
import { hasRole } from '../../lib/principal.ts';
import type { GatewayContext } from '../contracts.ts';
import { ErrorCode } from '../../lib/error-codes.ts';

/**
 * Whether the operation that runs asks for the schema (another operation of its document does
 * not run); every operation of the document when which one runs is not known.
 */
function asksForSchema(document: DocumentNode, operation: OperationDefinitionNode | undefined): boolean {
  const fragments = new Map(document.definitions.filter((d) => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d.selectionSet]));
  const seen = new Set<string>();
  const walk = (set: SelectionSetNode): boolean =>
    set.selections.some((sel) => {
      if (sel.kind === Kind.FIELD) return sel.name.value === '__schema' || sel.name.value === '__type' || (sel.selectionSet ? walk(sel.selectionSet) : false);
      if (sel.kind === Kind.INLINE_FRAGMENT) return walk(sel.selectionSet);
      const fragment = fragments.get(sel.name.value);
      if (!fragment || seen.has(sel.name.value)) return false;
      seen.add(sel.name.value);
      return walk(fragment);
    });
  if (operation) return walk(operation.selectionSet);
  return document.definitions.some((d) => d.kind === Kind.OPERATION_DEFINITION && walk(d.selectionSet));
}

export function introspectionGuardPlugin(): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, operation, contextValue }) {
          if (!hasRole(contextValue.principal, 'analyst') && asksForSchema(document, operation)) {
            throw new GraphQLError('introspection is disabled for public callers; use an analyst or admin key', {
              extensions: { code: ErrorCode.FORBIDDEN, http: { status: 403 } },
            });
          }
        },
      };
    },
  };
}
