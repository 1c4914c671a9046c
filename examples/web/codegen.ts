// GraphQL Code Generator's client preset for the example app: typed `graphql()` documents from
// the committed client schema, and the persisted-documents manifest (sha256 → document) that
// `dataex documents publish` takes. `npm run generate` writes src/gql/ with this configuration
// (schema/example-codegen.ts), and the suite fails when src/gql/ is stale; with the codegen CLI:
// `npx graphql-codegen --config examples/web/codegen.ts` from the repository root.

import type { CodegenConfig } from '@graphql-codegen/cli';

/** Paths from the repository root. */
export const EXAMPLE_SCHEMA = 'schema/api.graphql';
export const EXAMPLE_DOCUMENTS = ['examples/web/src/**/*.ts', '!examples/web/src/gql/**'];
export const EXAMPLE_OUTPUT = 'examples/web/src/gql/';

const config: CodegenConfig = {
  schema: EXAMPLE_SCHEMA,
  documents: EXAMPLE_DOCUMENTS,
  ignoreNoDocuments: false,
  // `./graphql.ts` in the generated imports: resolved alike by Vite, by the example's tsconfig
  // and by Node's type stripping (the browser test imports the generated documents).
  importExtension: '.ts',
  generates: {
    [EXAMPLE_OUTPUT]: {
      preset: 'client',
      config: {
        // Documents as strings with their hash: the bundle needs no GraphQL parser.
        documentMode: 'string',
        useTypeImports: true,
        enumsAsTypes: true,
        // dataex's custom scalars as they arrive in JSON (docs/front-end.md).
        scalars: { DateTime: 'string', Long: 'string' },
      },
      presetConfig: {
        fragmentMasking: false,
        // The manifest dataex accepts: SHA-256 of each document (docs/trusted-documents.md).
        persistedDocuments: { hashAlgorithm: 'sha256' },
      },
    },
  },
};

export default config;
