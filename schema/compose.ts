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
  /** deploy/k8s/supergraph.yaml: the supergraph as a Kubernetes ConfigMap. */
  k8sConfigMap: string;
}

export const K8S_SUPERGRAPH = join(SCHEMA_DIR, '..', 'deploy', 'k8s', 'supergraph.yaml');

function configMapOf(supergraph: string): string {
  const indented = supergraph
    .split('\n')
    .map((line) => (line ? `    ${line}` : ''))
    .join('\n');
  return `# The supergraph the gateway serves (written by \`npm run compose\` from schema/supergraph.graphql).
apiVersion: v1
kind: ConfigMap
metadata:
  name: dataex-supergraph
  namespace: dataex
data:
  supergraph.graphql: |
${indented}`;
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
  const supergraph = `${result.supergraphSdl}\n`;
  return { supergraph, api: `${api}\n`, k8sConfigMap: configMapOf(supergraph) };
}

/** The composed files, paths from the repository root (a writer of schema/generate.ts). */
export function composedFiles(): Array<{ path: string; content: string }> {
  const { supergraph, api, k8sConfigMap } = composeSupergraph();
  return [
    { path: 'schema/supergraph.graphql', content: supergraph },
    { path: 'schema/api.graphql', content: api },
    { path: 'deploy/k8s/supergraph.yaml', content: k8sConfigMap },
  ];
}

function main(): void {
  const { supergraph, api, k8sConfigMap } = composeSupergraph();
  writeFileSync(join(SCHEMA_DIR, 'supergraph.graphql'), supergraph);
  writeFileSync(join(SCHEMA_DIR, 'api.graphql'), api);
  writeFileSync(K8S_SUPERGRAPH, k8sConfigMap);
  console.log(`wrote schema/supergraph.graphql (${supergraph.length} bytes), schema/api.graphql (${api.length} bytes) and deploy/k8s/supergraph.yaml`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
