// Validation of a saved query's document: it must parse, validate against the schema the gateway
// currently serves, hold exactly one query operation, and pass every registered document check
// (the query limits join here: the cost-limit plugin registers the document limits and the cost
// estimate with `registerSavedDocumentCheck` while its server runs).

import { GraphQLError, Kind, parse, print, specifiedRules, typeFromAST, validate, valueFromASTUntyped, type DocumentNode, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import type { Role } from '../../lib/principal.ts';
import { ErrorCode } from '../../lib/error-codes.ts';

/** What a check knows besides the document. */
export interface SavedDocumentContext {
  /** The document's text as sent (size and token limits count it). */
  source: string;
  /** The role of whoever is saving; absent when a stored query is listed or run. */
  role?: Role;
  /** The saved default variables, as sent (untyped JSON); absent: none. */
  defaultVariables?: Record<string, unknown>;
}

/** An extra check of a (schema-valid) document; returns the problems it finds. */
export type SavedDocumentCheck = (schema: GraphQLSchema, document: DocumentNode, context: SavedDocumentContext) => readonly GraphQLError[];

const extraChecks: SavedDocumentCheck[] = [];

/** Adds a check every saved document must pass from now on (e.g. depth and cost limits). */
export function registerSavedDocumentCheck(check: SavedDocumentCheck): () => void {
  extraChecks.push(check);
  return () => {
    const i = extraChecks.indexOf(check);
    if (i >= 0) extraChecks.splice(i, 1);
  };
}

export type DocumentValidation = { ok: true; document: DocumentNode; operation: OperationDefinitionNode } | { ok: false; errors: GraphQLError[] };

/**
 * Checks a saved query's document. Error codes: GRAPHQL_PARSE_FAILED for syntax errors,
 * QUERY_TOO_COMPLEX for the query limits, GRAPHQL_VALIDATION_FAILED for everything else
 * (schema, one operation). Saving passes `context` (the saver's role and the saved default
 * variables), so the cost limit is the saver's; without it (listing, running) the checks apply
 * the highest budget.
 */
export function validateSavedDocument(
  schema: GraphQLSchema,
  source: string,
  checks: readonly SavedDocumentCheck[] = extraChecks,
  context: Omit<SavedDocumentContext, 'source'> = {},
): DocumentValidation {
  let document: DocumentNode;
  try {
    document = parse(source);
  } catch (e) {
    if (e instanceof GraphQLError) {
      return { ok: false, errors: [withCode(e, ErrorCode.GRAPHQL_PARSE_FAILED)] };
    }
    throw e;
  }
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  if (operations.length !== 1) {
    return {
      ok: false,
      errors: [
        new GraphQLError(`a saved query holds exactly one operation; this document has ${operations.length}`, {
          extensions: { code: ErrorCode.GRAPHQL_VALIDATION_FAILED },
        }),
      ],
    };
  }
  const operation = operations[0];
  if (operation.operation !== 'query') {
    return {
      ok: false,
      errors: [
        new GraphQLError(`only queries can be saved; this document is a ${operation.operation}`, {
          nodes: [operation],
          extensions: { code: ErrorCode.GRAPHQL_VALIDATION_FAILED },
        }),
      ],
    };
  }
  const errors = [...validate(schema, document, specifiedRules)];
  if (errors.length === 0) {
    // The same check registered twice (two gateways in one process) reports once.
    const seen = new Set<string>();
    for (const check of checks) {
      for (const e of check(schema, document, { ...context, source })) {
        const key = `${String(e.extensions?.code)}\n${e.message}`;
        if (seen.has(key)) continue;
        seen.add(key);
        errors.push(e);
      }
    }
  }
  if (errors.length > 0) return { ok: false, errors: errors.map((e) => withCode(e, ErrorCode.GRAPHQL_VALIDATION_FAILED)) };
  return { ok: true, document, operation };
}

function withCode(e: GraphQLError, code: string): GraphQLError {
  if (typeof e.extensions?.code === 'string') return e;
  return new GraphQLError(e.message, {
    nodes: e.nodes,
    source: e.source,
    positions: e.positions,
    path: e.path,
    originalError: e.originalError,
    extensions: { ...e.extensions, code },
  });
}

export interface VariableDescription {
  name: string;
  /** GraphQL type as written, e.g. `Int`, `[ID!]`, `Long!`. */
  type: string;
  /** Must be given: non-null without a default in the document or the saved query. */
  required: boolean;
  /** Saved default, else the document's default, else null. */
  defaultValue: unknown;
}

/** The operation's variables, for forms and help texts. */
export function describeVariables(operation: OperationDefinitionNode, defaults: Record<string, unknown>, schema?: GraphQLSchema): VariableDescription[] {
  return (operation.variableDefinitions ?? []).map((def) => {
    const name = def.variable.name.value;
    const documentDefault = def.defaultValue ? valueFromASTUntyped(def.defaultValue) : undefined;
    const hasSaved = Object.hasOwn(defaults, name);
    const defaultValue = hasSaved ? defaults[name] : documentDefault;
    const nonNull = def.type.kind === Kind.NON_NULL_TYPE;
    const type = schema ? String(typeFromAST(schema, def.type) ?? print(def.type)) : print(def.type);
    return { name, type, required: nonNull && defaultValue === undefined, defaultValue: defaultValue ?? null };
  });
}

/** The one operation of a document already validated at save time. */
export function operationOf(document: DocumentNode): OperationDefinitionNode {
  const op = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  if (!op) throw new Error('document has no operation');
  return op;
}
