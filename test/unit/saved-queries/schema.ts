// The client schema the shipped queries are written against (schema/api.graphql), for unit tests.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchema, parse, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import { SCHEMA_DIR } from '../../../schema/paths.ts';
import { operationOf } from '../../../gateway/saved-queries/validate.ts';

export const apiSchema: GraphQLSchema = buildSchema(readFileSync(join(SCHEMA_DIR, 'api.graphql'), 'utf8'));

export function op(source: string): { document: ReturnType<typeof parse>; operation: OperationDefinitionNode } {
  const document = parse(source);
  return { document, operation: operationOf(document) };
}
