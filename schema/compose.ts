// Composes schema/<subgraph>.graphql into schema/supergraph.graphql (what the gateway serves)
// and schema/api.graphql (the client-facing schema, for front-end code generators).
// `npm run compose` writes both; the test suite fails when the committed files are stale.

import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { parse, printSchema } from 'graphql';
import { composeServices } from '@apollo/composition';
import { SUBGRAPHS } from '../subgraphs/exchanges.ts';
import { SCHEMA_DIR } from './paths.ts';


export function subgraphSdl(name: string): string {
  return readFileSync(join(SCHEMA_DIR, `${name}.graphql`), 'utf8');
}

export interface ComposedSchemas {
  supergraph: string;
  api: string;
}

/** Composes the subgraph SDLs; the URLs are the default local ports (the gateway can override them). */
export function composeSupergraph(): ComposedSchemas {
  const result = composeServices(
    SUBGRAPHS.map(({ name, port }) => ({
      name,
      url: `http://127.0.0.1:${port}/graphql`,
      typeDefs: parse(subgraphSdl(name)),
    })),
  );
  if (result.errors) {
    throw new Error(`composition failed:\n${result.errors.map((e) => `- ${e.message}`).join('\n')}`);
  }
  const api = printSchema(result.schema.toAPISchema().toGraphQLJSSchema());
  return { supergraph: result.supergraphSdl + '\n', api: api + '\n' };
}

function main(): void {
  const { supergraph, api } = composeSupergraph();
  writeFileSync(join(SCHEMA_DIR, 'supergraph.graphql'), supergraph);
  writeFileSync(join(SCHEMA_DIR, 'api.graphql'), api);
  console.log(`wrote schema/supergraph.graphql (${supergraph.length} bytes) and schema/api.graphql (${api.length} bytes)`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
