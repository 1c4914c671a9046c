// What a run of a saved query needs, checked: its document against the schema served now, its
// variables (saved defaults, then the run's own, relative dates resolved now), the main list and
// its paging. The HTTP run route and the scheduler build runs here alike.

import type { GraphQLFormattedError, GraphQLSchema } from 'graphql';
import { ErrorCode } from '../../lib/error-codes.ts';
import { HttpError } from '../../lib/http.ts';
import type { ExportFormat, RunSpec } from './export.ts';
import { planMainList } from './main-list.ts';
import type { SavedQuery } from './model.ts';
import { validateSavedDocument } from './validate.ts';
import { runVariables, VariableError } from './variables.ts';

/** An HttpError with the GraphQL errors behind it (the body's `errors`). */
export class ApiError extends HttpError {
  readonly details?: readonly GraphQLFormattedError[];
  constructor(status: number, code: string, message: string, details?: readonly GraphQLFormattedError[]) {
    super(status, code, message);
    this.details = details;
  }
}

export function runSpecOf(schema: GraphQLSchema, query: SavedQuery, variables: Record<string, unknown>, options: { format: ExportFormat; all: boolean }): RunSpec {
  const { name } = query;
  const checked = validateSavedDocument(schema, query.document);
  if (!checked.ok) {
    throw new ApiError(
      400,
      ErrorCode.GRAPHQL_VALIDATION_FAILED,
      `saved query "${name}" does not validate against the schema this gateway serves now`,
      checked.errors.map((e) => e.toJSON()),
    );
  }
  let values: Record<string, unknown>;
  try {
    values = runVariables(schema, checked.operation, query.defaultVariables, variables);
  } catch (e) {
    if (e instanceof VariableError) {
      throw new ApiError(
        400,
        ErrorCode.BAD_USER_INPUT,
        `invalid variables for saved query "${name}": ${e.message}`,
        e.errors.map((x) => x.toJSON()),
      );
    }
    throw e;
  }
  return {
    name,
    document: query.document,
    parsed: checked.document,
    operation: checked.operation,
    variables: values,
    format: options.format,
    all: options.all,
    plan: planMainList(schema, checked.document, checked.operation),
  };
}
